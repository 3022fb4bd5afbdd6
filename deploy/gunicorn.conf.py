"""gunicorn for the portal (docs/operations.md "Running in production").

    gunicorn -c deploy/gunicorn.conf.py

Every value can be changed through the environment; the defaults are for one host behind
a reverse proxy on the same machine.
- GUNICORN_BIND (default 127.0.0.1:8000; comma-separated for several): loopback only,
  the reverse proxy (TLS) in front forwards to it. A container binds 0.0.0.0:8000.
- WEB_CONCURRENCY: sync workers; default 2 x cores + 1, at most GUNICORN_MAX_WORKERS (8).
  Each worker holds one database connection (CONN_MAX_AGE) and about 150 MB.
- GUNICORN_TIMEOUT (120 s): a worker silent that long is killed and restarted. Imports
  run as background jobs (`make worker`), not inside the request (docs/operations.md).
- GUNICORN_GRACEFUL_TIMEOUT (30 s): on a restart, running requests get that long.
- GUNICORN_MAX_REQUESTS (1000, with up to 10 % jitter): a worker is replaced after that
  many requests, so a slow leak never grows for long and the workers never restart at
  once. 0 switches it off.
- FORWARDED_ALLOW_IPS (gunicorn's own; default 127.0.0.1,::1): the proxies whose
  X-Forwarded-Proto gunicorn believes (it then marks the request as HTTPS). List the
  proxy's address here, never "*" unless only the proxy can reach the port. Django's
  BEHIND_PROXY=1 is the matching setting for X-Forwarded-For and X-Request-ID.
- LOG_FORMAT (json, text when DEBUG=1): the access log and gunicorn's own messages, like
  the portal's (core.logs).

The access log names method, path, status, size, duration and the request id, nothing
else: no query string (search terms could be in one), no referrer (it carries the
previous page's query string), no client address or browser (who did what is in the
audit log, with its retention).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # for core.logs below; gunicorn adds `chdir` only later
    sys.path.insert(0, str(ROOT))

from core.logs import JsonFormatter  # noqa: E402


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def default_workers(cores: int, cap: int) -> int:
    return max(1, min(2 * cores + 1, cap))


wsgi_app = "registration_portal.wsgi:application"
chdir = str(ROOT)
proc_name = "registration-portal"
bind = [
    address.strip()
    for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]
workers = _int(
    "WEB_CONCURRENCY",
    default_workers(multiprocessing.cpu_count(), _int("GUNICORN_MAX_WORKERS", 8)),
)
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# Heartbeat files in memory: a worker on a slow or full disk is not taken for dead.
if os.path.isdir("/dev/shm"):  # noqa: S108 (tmpfs, not a shared /tmp)
    worker_tmp_dir = "/dev/shm"  # noqa: S108
# No control socket unless asked for: it would need a writable $HOME or runtime dir.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

accesslog = "-"  # stdout
errorlog = "-"  # stderr
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
_debug = os.environ.get("DEBUG", "").strip().lower() in ("1", "true", "yes", "on")
log_format = os.environ.get("LOG_FORMAT", "text" if _debug else "json")


def access_fields(resp, environ: dict, request_time: dt.timedelta) -> dict[str, object]:
    """What one access log line says: the path only, never the query string."""
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    headers = resp.headers.items() if hasattr(resp.headers, "items") else resp.headers
    request_id = next((v for k, v in headers if k.lower() == "x-request-id"), None)
    return {
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "status": int(status),
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 1),
        "request_id": request_id,
    }


class PortalLogger(Logger):
    """gunicorn's logger with our access line, as JSON or as text."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        if log_format == "json":
            for handler in self.error_log.handlers + self.access_log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        fields = access_fields(resp, environ, request_time)
        message = "{method} {path} {status} {bytes} {duration_ms}ms {request_id}".format(**fields)
        # JSON: the formatter adds the fields to the line, each as its own key.
        self.access_log.info("%s", message, extra={"fields": fields})


logger_class = PortalLogger
