"""deploy/gunicorn.conf.py: what gunicorn runs with, and what its access log says."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def load_config(monkeypatch, **env):
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_MAX_WORKERS", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("portal_gunicorn_conf", CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_accepts_the_config():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--config", str(CONFIG)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_listens_on_loopback_unless_told_otherwise(monkeypatch):
    assert load_config(monkeypatch).bind == ["127.0.0.1:8000"]
    assert load_config(monkeypatch, GUNICORN_BIND="0.0.0.0:8000").bind == ["0.0.0.0:8000"]


def test_workers_are_two_per_core_plus_one_within_a_cap(monkeypatch):
    config = load_config(monkeypatch)
    assert config.default_workers(2, 8) == 5
    assert config.default_workers(16, 8) == 8
    assert load_config(monkeypatch, WEB_CONCURRENCY="3").workers == 3
    assert config.max_requests_jitter > 0
    assert config.timeout >= 120  # uploads of imports run inside the request
    assert config.graceful_timeout < config.timeout


def test_the_access_line_has_the_path_and_the_request_id_but_no_query_string(monkeypatch):
    config = load_config(monkeypatch)
    response = SimpleNamespace(
        status="200 OK", sent=2805, headers=[("X-Request-ID", "3f2a9c0e1b7d4e6f")]
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/clients/42/",
        "QUERY_STRING": "name=Zlatopolska",
        "RAW_URI": "/clients/42/?name=Zlatopolska",
        "HTTP_REFERER": "https://portal.example/clients/?name=Zlatopolska",
        "REMOTE_ADDR": "203.0.113.7",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    fields = config.access_fields(response, environ, dt.timedelta(milliseconds=12.3))
    assert fields == {
        "method": "GET",
        "path": "/clients/42/",
        "status": 200,
        "bytes": 2805,
        "duration_ms": 12.3,
        "request_id": "3f2a9c0e1b7d4e6f",
    }
    assert "Zlatopolska" not in json.dumps(fields)
    assert "203.0.113.7" not in json.dumps(fields)
