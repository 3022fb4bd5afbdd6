"""`manage.py bench_load`: the portal under production settings with gunicorn on a free
loopback port, locust headless against it for a bounded time, and the figures.

- the plan for the locust users (BENCH_PLAN, JSON): bench users of every agency (from
  `bench_fill`), names to search, records each agency may open, people to check;
- gunicorn with deploy/gunicorn.conf.py, DEBUG=0, WEB_CONCURRENCY workers, its own
  secret key, no second factor (SECOND_FACTOR_REQUIRED=0), and rate limits that do not
  throttle the bench users (RATE_LIMIT_* from the environment; the production defaults
  would stop a caseworker after 30 lookups a minute);
- while locust runs: the RSS of every gunicorn worker (psutil) and the load average;
- then p50/p95/p99 and req/s per action against the targets of issue 13, the errors,
  and a PNG of latency over time; locust's CSVs next to it, in
  tools/bench/reports/<timestamp>/ (git-ignored).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from access.models import Grant
from agencies.models import Agency, Membership
from clients.models import Client
from core.dates import PartialDate
from tools.bench.fill import BENCH_PASSWORD
from tools.bench.harness import Output

ROOT = Path(settings.BASE_DIR)
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
REPORTS = ROOT / "tools" / "bench" / "reports"
BIN = Path(sys.executable).parent
UNTHROTTLED = "1000000/m"
# p95 targets in ms (issue 13, "Targets"), by locust request name.
TARGETS = {
    "record": 50,
    "search": 100,
    "duplicate check": 50,
    "audit log": 300,
    "audit log, next page": 300,
    "audit: record accesses": 300,
}
TARGET_RPS = 200
TARGET_RSS_MB = 300
SAMPLES_PER_AGENCY = {"own": 2000, "granted": 500, "people": 300, "names": 200}


def run(options: dict[str, Any], out: Output) -> Path:
    if not Agency.objects.filter(memberships__user__username__contains=".bench-").exists():
        raise CommandError("No bench users here: run manage.py bench_fill first.")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    report = Path(options["out"] or REPORTS / stamp)
    report.mkdir(parents=True, exist_ok=True)
    plan_path = report / "plan.json"
    plan_path.write_text(json.dumps(plan()), encoding="utf-8")
    out.write(f"Plan for the locust users: {plan_path}")
    call_command("collectstatic", interactive=False, verbosity=0)
    port = options["port"] or free_port()
    url = f"http://127.0.0.1:{port}"
    env = server_env(options, port)
    connection.close()  # the workers need the connections, not this process
    uptime_before = _uptime()
    with open(report / "gunicorn.log", "w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own binary and config
            [str(BIN / "gunicorn"), "--config", str(ROOT / "deploy" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(url, server)
            out.write(
                f"gunicorn on {url}: {env['WEB_CONCURRENCY']} workers, pid {server.pid}; "
                f"locust: {options['users']} users for {options['duration']} s"
            )
            samples = _locust(options, url, report, plan_path, server.pid)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    summary = summarise(report, samples, options, uptime_before)
    (report / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    text = summary_text(summary)
    (report / "summary.txt").write_text(text, encoding="utf-8")
    out.write(text)
    plot(report, samples)
    out.write(f"Report: {report}")
    return report


# --- the plan ----------------------------------------------------------------------------------


def plan() -> dict[str, Any]:
    """Who signs in and what each agency's users look for, sampled from the data."""
    agencies: dict[str, Any] = {}
    caseworkers: list[list[dict]] = []
    supervisors: list[list[dict]] = []
    for agency in Agency.objects.order_by("pk"):
        staff = Membership.objects.filter(
            agency=agency, user__username__contains=".bench-"
        ).select_related("user")
        accounts = {
            role: [
                {"username": m.user.username, "agency": agency.slug}
                for m in staff
                if m.role == role
            ]
            for role in (Membership.Role.CASEWORKER, Membership.Role.SUPERVISOR)
        }
        if not accounts[Membership.Role.CASEWORKER]:
            continue
        caseworkers.append(accounts[Membership.Role.CASEWORKER])
        supervisors.append(accounts[Membership.Role.SUPERVISOR])
        agencies[agency.slug] = _agency_plan(agency)
    return {
        "password": BENCH_PASSWORD,
        "agencies": agencies,
        # Interleaved: the first users started come from every agency.
        "caseworkers": [a for group in zip(*caseworkers, strict=False) for a in group],
        "supervisors": [a for group in zip(*supervisors, strict=False) for a in group],
    }


def _sample(sql: str, params: list, column: int = 0) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[column] if column >= 0 else row for row in cursor.fetchall()]


def _agency_plan(agency: Agency) -> dict[str, Any]:
    clients = Client._meta.db_table
    n = SAMPLES_PER_AGENCY
    own = _sample(
        f"SELECT id FROM {clients} WHERE registered_by_id = %s AND merged_into_id IS NULL "  # noqa: S608
        "ORDER BY md5(id::text) LIMIT %s",
        [agency.pk, n["own"]],
    )
    granted = _sample(
        f"SELECT client_id FROM {Grant._meta.db_table} WHERE agency_id = %s "  # noqa: S608
        "AND status = 'active' AND (expires_on IS NULL OR expires_on >= current_date) "
        "ORDER BY md5(client_id::text) LIMIT %s",
        [agency.pk, n["granted"]],
    )
    people = Client.objects.filter(pk__in=own[: n["people"]]).only(
        "family_name",
        "given_names",
        "family_name_original",
        "sex",
        "birth_year",
        "birth_month",
        "birth_day",
    )
    checks = []
    for person in people:
        check = {"family_name": person.family_name, "sex": person.sex}
        # As typed at intake: the full name and the date, or the name in its own script.
        if person.family_name_original and len(checks) % 3 == 0:
            check = {"family_name_original": person.family_name_original, "sex": person.sex}
        check["given_names"] = person.given_names.split(" ")[0]
        check["birth_date"] = str(
            PartialDate(person.birth_year, person.birth_month, person.birth_day)
        )
        checks.append(check)
    common = _sample(
        f"SELECT family_name FROM {clients} WHERE registered_by_id = %s "  # noqa: S608
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT %s",
        [agency.pk, n["names"] // 2],
    )
    full = _sample(
        f"SELECT family_name || ' ' || split_part(given_names, ' ', 1), family_name_original "  # noqa: S608
        f"FROM {clients} WHERE id = ANY(%s)",
        [own[: n["names"] // 2]],
        column=-1,
    )
    names = [*common, *(f for f, _o in full), *(o for _f, o in full if o)]
    return {"own": own, "visible": own + granted, "people": checks, "names": names}


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(options: dict[str, Any], port: int) -> dict[str, str]:
    """Production settings on loopback: DEBUG off, plain HTTP, the bench's own secret key,
    no second factor, rate limits out of the bench users' way (documented in
    docs/operations.md "Benchmarks")."""
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "0",
            "DJANGO_SECRET_KEY": env.get("DJANGO_SECRET_KEY") or secrets.token_hex(32),
            "DATABASE_URL": env.get("DATABASE_URL", ""),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(options["workers"]),
            "SECOND_FACTOR_REQUIRED": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "RATE_LIMIT_LOOKUP_USER": env.get("BENCH_RATE_LIMIT", UNTHROTTLED),
            "RATE_LIMIT_LOOKUP_AGENCY": env.get("BENCH_RATE_LIMIT", UNTHROTTLED),
            "RATE_LIMIT_HINT_USER": env.get("BENCH_RATE_LIMIT", UNTHROTTLED),
            "RATE_LIMIT_HINT_AGENCY": env.get("BENCH_RATE_LIMIT", UNTHROTTLED),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def _wait_ready(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("gunicorn stopped; see gunicorn.log in the report directory")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise CommandError("gunicorn did not answer /readyz in time")


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S607


# --- locust and the samples --------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    workers_rss_mb: list[float]
    load1: float
    cpu_percent: float


def _locust(
    options: dict[str, Any], url: str, report: Path, plan_path: Path, master: int
) -> list[Sample]:
    command = [
        str(BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(options["users"]),
        "--spawn-rate",
        str(options["spawn_rate"]),
        "--run-time",
        f"{options['duration']}s",
        "--host",
        url,
        "--csv",
        str(report / "locust"),
        "--csv-full-history",
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
        *(["Floor"] if options.get("floor") else ["Caseworker", "Supervisor"]),
    ]
    env = {**os.environ, "BENCH_PLAN": str(plan_path)}
    samples: list[Sample] = []
    gunicorn = psutil.Process(master)
    psutil.cpu_percent()
    started = time.monotonic()
    with open(report / "locust.log", "w") as log:
        locust = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        while locust.poll() is None:
            time.sleep(2)
            try:
                workers = [w.memory_info().rss / 2**20 for w in gunicorn.children()]
            except psutil.Error:
                workers = []
            samples.append(
                Sample(
                    time.monotonic() - started, workers, os.getloadavg()[0], psutil.cpu_percent()
                )
            )
    if locust.returncode not in (0, 1):  # 1: some requests failed, reported below
        raise CommandError(f"locust ended with {locust.returncode}; see locust.log")
    with open(report / "resources.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["seconds", "load1", "cpu_percent", "worker_rss_mb_max", "workers"])
        for s in samples:
            writer.writerow(
                [
                    f"{s.at:.1f}",
                    s.load1,
                    s.cpu_percent,
                    f"{max(s.workers_rss_mb, default=0):.1f}",
                    len(s.workers_rss_mb),
                ]
            )
    return samples


# --- figures -----------------------------------------------------------------------------------


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def summarise(
    report: Path, samples: list[Sample], options: dict[str, Any], uptime_before: str
) -> dict[str, Any]:
    rows = []
    with open(report / "locust_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            name = row["Name"]
            target = TARGETS.get(name)
            p95 = _number(row["95%"])
            rows.append(
                {
                    "action": name,
                    "method": row["Type"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50": _number(row["50%"]),
                    "p95": p95,
                    "p99": _number(row["99%"]),
                    "max": _number(row["Max Response Time"]),
                    "rps": _number(row["Requests/s"]),
                    "target_p95": target,
                    "met": (p95 is not None and p95 < target) if target else None,
                }
            )
    exceptions = 0
    if (report / "locust_exceptions.csv").exists():
        with open(report / "locust_exceptions.csv", newline="") as f:
            exceptions = sum(int(row["Count"]) for row in csv.DictReader(f))
    rss = [max(s.workers_rss_mb, default=0) for s in samples]
    loads = [s.load1 for s in samples]
    total = next((r for r in rows if r["action"] == "Aggregated"), None)
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "users": options["users"],
        "duration_s": options["duration"],
        "workers": options["workers"],
        "rows": rows,
        "total_rps": total["rps"] if total else None,
        "total_rps_met": bool(total and total["rps"] and total["rps"] >= TARGET_RPS),
        "floor": bool(options.get("floor")),
        "errors": (total["failures"] if total else 0) + exceptions,
        "exceptions": exceptions,
        "worker_rss_mb_max": max(rss, default=None),
        "worker_rss_met": bool(rss) and max(rss) < TARGET_RSS_MB,
        "load1_min": min(loads, default=None),
        "load1_max": max(loads, default=None),
        "uptime_before": uptime_before,
        "uptime_after": _uptime(),
        "cores": os.cpu_count(),
    }


def summary_text(summary: dict[str, Any]) -> str:
    def ms(value) -> str:
        return "-" if value is None else f"{value:.0f}"

    lines = [
        f"{'action':<26} {'requests':>8} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'req/s':>7} {'target p95':>10}  met",
    ]
    for r in summary["rows"]:
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        target = f"< {r['target_p95']}" if r["target_p95"] else ""
        lines.append(
            f"{r['action'][:26]:<26} {r['requests']:>8} {r['failures']:>5} {ms(r['p50']):>6} "
            f"{ms(r['p95']):>6} {ms(r['p99']):>6} {r['rps'] or 0:>7.1f} {target:>10}  {met}"
        )
    verdict = (
        "no page rendered: the bound for any page on this machine"
        if summary.get("floor")
        else f"target >= {TARGET_RPS}: {'met' if summary['total_rps_met'] else 'NOT met'}"
    )
    lines += [
        f"total: {summary['total_rps'] or 0:.1f} req/s ({verdict}), errors {summary['errors']} "
        f"(of which exceptions in the locust users: {summary['exceptions']})",
        f"worker RSS max {summary['worker_rss_mb_max'] or 0:.0f} MB (target < {TARGET_RSS_MB}: "
        f"{'met' if summary['worker_rss_met'] else 'NOT met'}); load average (1 min) during "
        f"the run {summary['load1_min']}-{summary['load1_max']} on {summary['cores']} cores",
        f"uptime before: {summary['uptime_before']}",
        f"uptime after:  {summary['uptime_after']}",
        f"{summary['users']} users, {summary['workers']} gunicorn workers, "
        f"{summary['duration_s']} s",
    ]
    return "\n".join(lines)


def plot(report: Path, samples: list[Sample]) -> None:
    """p95 per action over time (locust's full history), requests/s, worker RSS, load."""
    import matplotlib  # noqa: PLC0415 - the Agg backend must be chosen before pyplot

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    series: dict[str, list[tuple[float, float]]] = {}
    rps: list[tuple[float, float]] = []
    first = None
    with open(report / "locust_stats_history.csv", newline="") as f:
        for row in csv.DictReader(f):
            at = float(row["Timestamp"])
            first = at if first is None else first
            p95 = _number(row.get("95%"))
            if row["Name"] == "Aggregated":
                value = _number(row.get("Requests/s"))
                if value is not None:
                    rps.append((at - first, value))
            elif p95 is not None and p95 > 0:
                series.setdefault(row["Name"], []).append((at - first, p95))
    figure, (latency, throughput, memory) = plt.subplots(3, 1, figsize=(11, 11), sharex=True)
    for name, points in sorted(series.items()):
        latency.plot(*zip(*points, strict=True), label=name)
    latency.set_ylabel("p95 ms (cumulative)")
    latency.set_yscale("log")
    latency.legend(fontsize=7, ncol=3)
    latency.set_title(f"bench_load {report.name}")
    if rps:
        throughput.plot(*zip(*rps, strict=True), color="black", label="req/s")
    throughput.set_ylabel("requests/s")
    load = throughput.twinx()
    load.plot([s.at for s in samples], [s.load1 for s in samples], color="red", label="load1")
    load.set_ylabel("load average (1 min)", color="red")
    memory.plot([s.at for s in samples], [max(s.workers_rss_mb, default=0) for s in samples])
    memory.axhline(TARGET_RSS_MB, color="red", linestyle="--")
    memory.set_ylabel("max worker RSS MB")
    memory.set_xlabel("seconds")
    figure.tight_layout()
    figure.savefig(report / "latency.png", dpi=90)
