"""`make scan`: third-party scanners (wapiti, sqlmap) against a local portal, signed in.

What it does, in order (docs/security.md "Scanning"):

1. drops and recreates a scratch PostgreSQL database (`portal_scan`), migrates it and
   seeds the demo data (`seed_demo --force`), then gives the scan accounts an
   authenticator (tools/scan/prepare.py);
2. starts the portal on 127.0.0.1 under gunicorn (runserver where the runtime has no
   gunicorn) with production settings (DEBUG off, second factor enforced, Redis cache),
   except what plain HTTP on a loopback address needs: no HTTPS
   redirect and cookies without Secure (hence without the `__Host-` prefix);
3. signs in as a caseworker and a supervisor the way a person does (password, then the
   TOTP code) and hands the session cookies to the scanners;
4. at the same time: wapiti crawls and attacks the site as the caseworker (time-bounded;
   sign-out and the URLs that end sessions or change the account's credentials
   excluded), and sqlmap tests the parameters of a few representative endpoints (search
   POST, audit filters GET, who-saw-this-record GET, handover ?agency=) in batch mode,
   time-bounded;
5. writes everything under tools/scan/reports/<time>/ (`latest` points at it) and prints
   a summary: findings by category, sqlmap's verdict per endpoint, the server's answers
   by status and every 500 with its exception;
6. stops the server and drops the database, also when something failed or on Ctrl-C.

Run with the scan virtualenv's Python (`make scan` does): httpx comes with wapiti.
"""

# A developer tool that starts processes from fixed argument lists (no shell, nothing
# from outside), with PATH's createdb/dropdb/redis-cli, and the demo's known password.
# ruff: noqa: S603, S607, S105

from __future__ import annotations

import argparse
import collections
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PYTHON = ROOT / ".venv" / "bin" / "python"
SCAN_BIN = Path(sys.executable).parent
REPORTS = ROOT / "tools" / "scan" / "reports"
DB_NAME = "portal_scan"
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
REDIS_DB = 15
CACHE_PREFIX = "portal-scan"
PASSWORD = "demo"  # seed_demo's password for every demo user
CASEWORKER, SUPERVISOR = "laf.caseworker", "laf.supervisor"
# wapiti modules: the default set without ssl (no TLS here) and ssrf (its payloads point
# at wapiti's server on the internet), plus crlf, csrf, methods and backup. Left out: ldap
# (the portal speaks no LDAP), htaccess (Apache), the brute-force, CMS and fingerprinting
# modules, and those that need the internet (nikto, wapp, log4shell, xxe, takeover).
WAPITI_MODULES = (
    "cookieflags,csp,http_headers,csrf,methods,exec,file,sql,xss,permanentxss,redirect,"
    "crlf,upload,backup"
)
# The supervisor's pages (audit log, who saw a record, review queue, inbox decisions):
# the injection modules only.
WAPITI_MODULES_SUPERVISOR = "exec,file,sql,xss,permanentxss,redirect,crlf"
# Never requested by the crawler: they end the session or change how the account signs in.
EXCLUDED_PATHS = (
    "/logout/",
    "/account/sessions/end/",
    "/account/sessions/end-others/",
    "/account/password/",
    "/account/two-factor/",
    "/account/backup-codes/",
)
LOG_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3}) ')
NUMBER = re.compile(r"/\d+/")
EXCEPTION = re.compile(r"^[\w.]+(Error|Exception|Overflow\w*|Detected)\b")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--wapiti-seconds", type=int, default=90, help="wapiti's crawl")
    parser.add_argument("--attack-seconds", type=int, default=60, help="each wapiti module")
    parser.add_argument("--sqlmap-seconds", type=int, default=150, help="each sqlmap target")
    parser.add_argument("--clients", type=int, default=300, help="demo records to seed")
    parser.add_argument("--keep-db", action="store_true", help="leave portal_scan for triage")
    args = parser.parse_args()
    if not PRODUCT_PYTHON.exists():
        sys.exit(f"{PRODUCT_PYTHON} is missing: run `make install` first.")

    # SIGTERM/SIGHUP end the run through the finally below, as Ctrl-C does.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, _frame: sys.exit(f"stopped by signal {number}"))

    started = time.monotonic()
    out = REPORTS / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True)
    latest = REPORTS / "latest"
    latest.unlink(missing_ok=True)
    latest.symlink_to(out.name)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _server_env(out)
    server = None
    wapitis: list[dict] = []
    summary: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "base": base}
    try:
        _step("scratch database")
        _database_recreate()
        _manage(env, "migrate", "--no-input", log=out / "setup.log")
        _manage(env, "seed_demo", "--force", f"--clients={args.clients}", log=out / "setup.log")
        prepared = _prepare(env, out)
        summary["setup_seconds"] = round(time.monotonic() - started)

        server, summary["server_kind"] = _server_start(env, port, out / "server.log")
        _step(f"portal on {base} ({summary['server_kind']}, DEBUG off, second factor enforced)")
        _wait_ready(base, server)
        caseworker = _sign_in(base, CASEWORKER, prepared["totp"][CASEWORKER])
        supervisor = _sign_in(base, SUPERVISOR, prepared["totp"][SUPERVISOR])

        # Both scanners at once (the portal serves requests in threads, as it does in
        # production): wapiti crawls and attacks while sqlmap works through its endpoints.
        _step(
            f"wapiti as {CASEWORKER} and as {SUPERVISOR} (crawl {args.wapiti_seconds} s, "
            f"then at most {args.attack_seconds} s per module) and, alongside, sqlmap (at "
            f"most {args.sqlmap_seconds} s per endpoint)"
        )
        wapitis = [
            _wapiti_start(base, CASEWORKER, caseworker, _starts(prepared, CASEWORKER), out, args),
            _wapiti_start(base, SUPERVISOR, supervisor, _starts(prepared, SUPERVISOR), out, args),
        ]
        summary["sqlmap"] = _sqlmap_all(base, caseworker, supervisor, prepared, out, args)
        summary["wapiti"] = {run["user"]: _wapiti_finish(run, args) for run in wapitis}
        summary["signed_in_at_end"] = {
            CASEWORKER: _still_signed_in(caseworker),
            SUPERVISOR: _still_signed_in(supervisor),
        }
    finally:
        for run in wapitis:
            _server_stop(run["process"])  # a no-op when it has finished
        if server is not None:
            _server_stop(server)
        if args.keep_db:
            print(f"Kept database {DB_NAME} (--keep-db); drop it with: dropdb {DB_NAME}")
        else:
            _database_drop()
        _redis_clean()
    summary["server"] = _server_log_summary(out / "server.log")
    summary["seconds"] = round(time.monotonic() - started)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    text = _summary_text(summary, out)
    (out / "summary.txt").write_text(text)
    print("\n" + text)
    return 0


# --- The scratch database and the portal ------------------------------------------------------


def _step(text: str) -> None:
    print(f"==> {text}", flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(out: Path) -> dict[str, str]:
    """Production settings (registration_portal/settings.py), from a clean environment."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(
        DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        CACHE_KEY_PREFIX=CACHE_PREFIX,
        SECOND_FACTOR_REQUIRED="1",
        # Plain HTTP on loopback: no redirect to HTTPS, cookies without Secure (so without
        # the __Host- prefix, which browsers refuse without Secure). HSTS stays on; Django
        # sends it over HTTPS only.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        # Static files from the apps' folders: no collectstatic into the shared staticfiles/.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        WHITENOISE_USE_FINDERS="1",
        # The scanners send thousands of searches: with the production limits (30 a
        # minute) most would be answered 429 and never reach the code under test.
        RATE_LIMIT_LOOKUP_USER="100000/m",
        RATE_LIMIT_LOOKUP_AGENCY="100000/m",
        RATE_LIMIT_HINT_USER="100000/h",
        RATE_LIMIT_HINT_AGENCY="100000/h",
        EMAIL_URL="consolemail://",  # alerts into server.log
        AUDIT_ANCHOR_PATH=str(out / "audit-anchor"),
        LOG_LEVEL="INFO",
        LOG_FORMAT="text",  # tracebacks line by line: the summary names each 500's exception
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(command: list, *, log: Path | None = None, env=None, timeout=None, check=True):
    if log is None:
        return subprocess.run(command, env=env, cwd=ROOT, timeout=timeout, check=check)
    with log.open("a") as handle:
        handle.write(f"$ {' '.join(map(str, command))}\n")
        handle.flush()
        result = subprocess.run(
            command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, timeout=timeout
        )
    if check and result.returncode:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}; see {log}")
    return result


def _database_drop() -> None:
    subprocess.run(["dropdb", *PG, "--if-exists", "--force", DB_NAME], check=False)


def _database_recreate() -> None:
    _database_drop()
    _run(["createdb", *PG, DB_NAME])


def _redis_clean() -> None:
    """The rate-limit counters of this run (its own database and key prefix)."""
    try:
        keys = subprocess.run(
            ["redis-cli", "-n", str(REDIS_DB), "--scan", "--pattern", f"{CACHE_PREFIX}:*"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.split()
        for start in range(0, len(keys), 500):
            subprocess.run(
                ["redis-cli", "-n", str(REDIS_DB), "DEL", *keys[start : start + 500]],
                capture_output=True,
                timeout=30,
            )
    except (OSError, subprocess.SubprocessError):
        pass


def _manage(env: dict, *arguments: str, log: Path) -> None:
    _run([str(PRODUCT_PYTHON), "manage.py", *arguments], env=env, log=log)


def _prepare(env: dict, out: Path) -> dict:
    code = (ROOT / "tools" / "scan" / "prepare.py").read_text()
    result = subprocess.run(
        [str(PRODUCT_PYTHON), "manage.py", "shell", "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    (out / "setup.log").open("a").write(result.stdout + result.stderr)
    for line in result.stdout.splitlines():
        if line.startswith("SCAN-PREPARE "):
            return json.loads(line.removeprefix("SCAN-PREPARE "))
    sys.exit(f"tools/scan/prepare.py failed; see {out / 'setup.log'}")


def _server_start(env: dict, port: int, log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn, the production application server (issue 13), where the runtime has it;
    else Django's development server with DEBUG off (the same application and middleware).
    Either writes an access log line per request into server.log."""
    gunicorn = PRODUCT_PYTHON.parent / "gunicorn"
    if gunicorn.exists():
        command = [
            str(gunicorn), "registration_portal.wsgi",
            "--bind", f"127.0.0.1:{port}",
            "--workers", "2",
            "--threads", "4",
            "--timeout", "120",
            "--access-logfile", "-",
            "--error-logfile", "-",
        ]  # fmt: skip
        kind = "gunicorn"
    else:
        command = [str(PRODUCT_PYTHON), "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
        kind = "runserver"
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, kind


def _server_stop(server: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if server.poll() is not None:
            return
        try:
            os.killpg(server.pid, sig)
            server.wait(wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


def _wait_ready(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("the portal did not start; see server.log")
        try:
            if httpx.get(f"{base}/login/", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    sys.exit("the portal did not answer within 60 s; see server.log")


# --- Signing in ------------------------------------------------------------------------------

_last_step: dict[str, int] = {}


def _totp(hex_key: str, counter: int) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as django-otp's TOTPDevice checks it."""
    mac = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if match is None:
        sys.exit("no CSRF token on the sign-in page")
    return match.group(1)


def _sign_in(base: str, username: str, totp_key: str) -> httpx.Client:
    """Password, then the app's code; returns the signed-in client (its cookies)."""
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    page = client.get("/login/")
    answer = client.post(
        "/login/",
        data={
            "csrfmiddlewaretoken": _csrf_token(page.text),
            "username": username,
            "password": PASSWORD,
            "next": "/clients/",
        },
    )
    if answer.status_code != 302 or not answer.headers["location"].endswith("/login/verify/"):
        sys.exit(f"sign-in of {username}: password step answered {answer.status_code}")
    page = client.get("/login/verify/")
    # django-otp accepts each code once: wait for the next 30 s step if this one was used.
    step = int(time.time() // 30)
    while step <= _last_step.get(username, -1):
        time.sleep(1)
        step = int(time.time() // 30)
    _last_step[username] = step
    answer = client.post(
        "/login/verify/",
        data={"csrfmiddlewaretoken": _csrf_token(page.text), "code": _totp(totp_key, step)},
    )
    if answer.status_code != 302 or "/login/" in answer.headers["location"]:
        sys.exit(f"sign-in of {username}: second factor answered {answer.status_code}")
    if not _still_signed_in(client):
        sys.exit(f"sign-in of {username}: not signed in afterwards")
    print(f"    signed in as {username}")
    return client


def _still_signed_in(client: httpx.Client) -> bool:
    return client.get("/clients/").status_code == 200


def _cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


# --- wapiti ----------------------------------------------------------------------------------


def _starts(prepared: dict, user: str) -> list[str]:
    """Where each crawl starts. It goes one link deep from here (-d 1): the forms of these
    pages are attacked, not the same forms of three hundred other records."""
    record, agency = prepared["client"], prepared["agency"]
    if user == SUPERVISOR:
        return [
            "/audit/",
            f"/audit/?actor={CASEWORKER}&client={record}&order=oldest",
            f"/audit/clients/{record}/?days=30",
            "/clients/duplicates/",
            "/inbox/",
            f"/clients/{record}/",
        ]
    return [
        "/clients/",
        "/clients/new/",
        "/clients/import/",
        f"/clients/{record}/",
        f"/clients/{record}/history/",
        f"/clients/{record}/handover/?agency={agency}",
        f"/clients/{record}/sheet/",
        "/inbox/",
        "/account/",
        "/account/sessions/",
    ]


def _wapiti_start(
    base: str, user: str, client: httpx.Client, starts: list[str], out: Path, args
) -> dict:
    name = "wapiti" if user == CASEWORKER else "wapiti-supervisor"
    report = out / f"{name}.json"
    command = [
        str(SCAN_BIN / "wapiti"),
        "-u", f"{base}/",
        "--scope", "folder",
        "-C", _cookie_header(client),
        "-m", WAPITI_MODULES if user == CASEWORKER else WAPITI_MODULES_SUPERVISOR,
        "--skip", "csrfmiddlewaretoken",
        "-d", "1",
        "--max-links-per-page", "60",
        "--max-files-per-dir", "40",
        "--max-scan-time", str(args.wapiti_seconds),
        "--max-attack-time", str(args.attack_seconds),
        "--tasks", "4",
        "-t", "20",
        "-f", "json",
        "-o", str(report),
        "--store-session", str(out / f"{name}-session"),
        "--store-config", str(out / f"{name}-config"),
        "--flush-session",
        "--no-bugreport",
        "-v", "1",
        "--log", str(out / f"{name}.log"),
    ]  # fmt: skip
    for start in starts:
        command += ["-s", base + start]
    for path in EXCLUDED_PATHS:
        command += ["-x", f"{base}{path}", "-x", f"{base}{path}*"]
    log = (out / f"{name}.stdout").open("w")
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    return {
        "user": user,
        "process": process,
        "began": time.monotonic(),
        "report": report,
        "modules": len(command[command.index("-m") + 1].split(",")),
    }


def _wapiti_finish(wapiti: dict, args) -> dict:
    """Waits for wapiti (killed, without a report, if far beyond its own time bounds)."""
    limit = args.wapiti_seconds + wapiti["modules"] * args.attack_seconds + 180
    process, report = wapiti["process"], wapiti["report"]
    try:
        process.wait(max(1, limit - (time.monotonic() - wapiti["began"])))
    except subprocess.TimeoutExpired:
        _server_stop(process)
    seconds = round(time.monotonic() - wapiti["began"])
    if not report.exists():
        error = f"no report (exit {process.returncode}); see {report.stem}.stdout"
        return {"error": error, "seconds": seconds}
    data = json.loads(report.read_text())
    findings = {}
    for section in ("vulnerabilities", "anomalies", "additionals"):
        for category, items in (data.get(section) or {}).items():
            if items:
                findings[f"{section}: {category}"] = [
                    {
                        "method": item.get("method"),
                        "path": item.get("path"),
                        "parameter": item.get("parameter"),
                        "info": item.get("info"),
                        "level": item.get("level"),
                    }
                    for item in items
                ]
    infos = data.get("infos") or {}
    return {
        "version": infos.get("version"),
        "seconds": seconds,
        "exit": process.returncode,
        "crawled_pages": infos.get("crawled_pages_nbr"),
        "findings": findings,
    }


# --- sqlmap ----------------------------------------------------------------------------------


def _sqlmap_all(base, caseworker, supervisor, prepared, out: Path, args) -> list[dict]:
    record, agency = prepared["client"], prepared["agency"]
    token = caseworker.cookies.get("csrftoken")
    targets = [
        # (name, who, url, POST data or None, parameters to test)
        (
            "search (POST /clients/)",
            caseworker,
            f"{base}/clients/",
            f"csrfmiddlewaretoken={token}&name=Shevchenko&document_number=AB123&azr_number="
            "&phone=&reference_code=",
            "name,document_number,azr_number,phone",
        ),
        (
            "audit filters (GET /audit/)",
            supervisor,
            f"{base}/audit/?actor=laf.caseworker&client={record}&action=view&outcome="
            "&since=2020-01-01&until=2030-01-01&order=newest&after=1",
            None,
            "actor,client,since,after",
        ),
        (
            "who saw this record (GET /audit/clients/<pk>/)",
            supervisor,
            f"{base}/audit/clients/{record}/?days=30",
            None,
            "days",
        ),
        (
            "handover (GET /clients/<pk>/handover/?agency=)",
            caseworker,
            f"{base}/clients/{record}/handover/?agency={agency}",
            None,
            "agency",
        ),
    ]
    results = []
    for name, client, url, data, parameters in targets:
        slug = re.sub(r"[^a-z]+", "-", name.lower()).strip("-")[:40]
        command = [
            str(SCAN_BIN / "sqlmap"),
            "-u", url,
            "--cookie", _cookie_header(client),
            "-p", parameters,
            "--batch",
            "--dbms=PostgreSQL",
            "--level=2",
            "--risk=1",
            "--time-sec=2",
            "--timeout=20",
            "--retries=1",
            "--threads=4",
            "--flush-session",
            "--disable-coloring",
            "--output-dir", str(out / "sqlmap" / slug),
        ]  # fmt: skip
        if data is not None:
            command += ["--data", data]
        log = out / f"sqlmap-{slug}.log"
        began = time.monotonic()
        timed_out = False
        with log.open("w") as handle:
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                process.wait(args.sqlmap_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
                _server_stop(process)  # the same: its whole process group
        text = log.read_text(errors="replace")
        if "identified the following injection point" in text:
            verdict = "INJECTABLE"
        elif "do not appear to be injectable" in text:
            verdict = "not injectable"
        elif timed_out:
            verdict = "no injection found before the time limit"
        else:
            verdict = "inconclusive (see log)"
        errors = dict(re.findall(r"^(\d{3}) \([^)]*\) - (\d+) times", text, re.MULTILINE))
        results.append(
            {
                "endpoint": name,
                "parameters": parameters,
                "verdict": verdict,
                "timed_out": timed_out,
                "http_errors": errors,
                "seconds": round(time.monotonic() - began),
                "log": log.name,
            }
        )
        print(f"    {name}: {verdict}")
    return results


# --- The server's side and the summary -------------------------------------------------------


def _server_log_summary(log: Path) -> dict:
    if not log.exists():
        return {}
    lines = log.read_text(errors="replace").splitlines()
    tracebacks = _tracebacks(lines)
    statuses: collections.Counter = collections.Counter()
    errors: dict[str, dict] = {}
    for line in lines:
        match = LOG_LINE.search(line)
        if not match:
            continue
        method, target, status = match.groups()
        statuses[status] += 1
        if status.startswith("5"):
            path = target.split("?", 1)[0]
            key = f"{method} {NUMBER.sub('/<n>/', path)}"
            entry = errors.setdefault(key, {"count": 0, "example": target, "exceptions": []})
            entry["count"] += 1
            queue = tracebacks.get(path) or []
            exception = queue.pop(0) if queue else None
            if exception and exception not in entry["exceptions"]:
                entry["exceptions"].append(exception)
    return {"statuses": dict(sorted(statuses.items())), "server_errors": errors}


def _tracebacks(lines: list[str]) -> dict[str, list[str]]:
    """Per path, in order, the exception of each "Internal Server Error: <path>" record
    Django logged (the traceback's last exception line)."""
    found: dict[str, list[str]] = collections.defaultdict(list)
    path = exception = None
    for line in [*lines, "Internal Server Error: <end>"]:
        match = re.search(r"Internal Server Error: (\S+)", line)
        if match or LOG_LINE.search(line):
            if path is not None:
                found[path].append(exception or "?")
            path = match.group(1) if match else None
            exception = None
        elif path is not None and EXCEPTION.match(line):
            exception = line[:300]
    return found


def _summary_text(summary: dict, out: Path) -> str:
    lines = [
        f"Scan of {summary['base']} ({summary.get('server_kind')}) in "
        f"{summary.get('seconds', '?')} s; reports: {out}"
    ]
    for user, wapiti in (summary.get("wapiti") or {}).items():
        lines.append(
            f"{wapiti.get('version', 'wapiti')} as {user}: {wapiti.get('seconds', '?')} s, "
            f"{wapiti.get('crawled_pages', '?')} pages and forms"
            + (f"; {wapiti['error']}" if "error" in wapiti else "")
        )
        for category, items in sorted((wapiti.get("findings") or {}).items()):
            lines.append(f"  {len(items):4d}  {category}")
        if not wapiti.get("findings"):
            lines.append("     0  findings")
    lines.append(f"still signed in at the end: {summary.get('signed_in_at_end')}")
    lines.append("sqlmap:")
    for result in summary.get("sqlmap") or []:
        errors = ", ".join(f"{code}×{n}" for code, n in result["http_errors"].items())
        lines.append(
            f"  {result['verdict']:<42} {result['endpoint']} ({result['seconds']} s"
            + (f"; HTTP errors {errors}" if errors else "")
            + ")"
        )
    server = summary.get("server") or {}
    statuses = ", ".join(f"{code}: {n}" for code, n in (server.get("statuses") or {}).items())
    lines.append(f"server answers by status: {statuses}")
    for key, entry in (server.get("server_errors") or {}).items():
        lines.append(
            f"  5xx ×{entry['count']}: {key} (e.g. {entry['example'][:120]}) "
            f"-> {'; '.join(entry['exceptions']) or '?'}"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
