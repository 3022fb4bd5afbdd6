"""What the benchmarks (`tools.bench.access`, `.audit`, `.duplicates`) share: the guard
against writing into a real database, measuring a case (p50/p95/max, SQL per run),
schema variants applied and undone around measurements, step logging, the server
settings, and the printing of results, query plans and comparisons.

A benchmark measures production code (selectors, services, pages through the test
client) on synthetic data; it never carries its own copy of a query it measures.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, OutputWrapper
from django.core.management.color import Style
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings

BENCH_MARKER = "bench"
HOST = "127.0.0.1"
# Not counted as queries (Django logs them too): BEGIN/COMMIT of ATOMIC_REQUESTS.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
SERVER_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
    "synchronous_commit",
)


def bench_database_required(rows: str, example: str) -> None:
    """Refuse unless this is PostgreSQL and the database's name says it is for benchmarks."""
    if connection.vendor != "postgresql":
        raise CommandError("The benchmark runs on PostgreSQL only.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = cursor.fetchone()[0]
    if BENCH_MARKER not in name.lower():
        raise CommandError(
            f"Refusing to write {rows} into database {name!r}: use a dedicated "
            f"database whose name contains {BENCH_MARKER!r} (e.g. {example})."
        )


def quantile(values: Sequence[float], q: float) -> float:
    """The nearest-rank quantile (no interpolation: a value that was really measured)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# --- output ----------------------------------------------------------------------------------


@dataclass
class Output:
    """Where a benchmark writes: the command's stdout and style, and its verbosity."""

    stdout: OutputWrapper
    style: Style
    verbosity: int = 1

    def write(self, text: str = "") -> None:
        self.stdout.write(text)

    def heading(self, text: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(text))

    def label(self, text: str) -> str:
        return self.style.HTTP_INFO(text)


def stepper(title: str, write: Callable[[str], Any], width: int = 60) -> Callable[[str], None]:
    """A logger for the steps of building a dataset: each step's time and the total."""
    started = last = time.perf_counter()

    def log(step: str) -> None:
        nonlocal last
        now = time.perf_counter()
        write(f"{title}: {step:<{width}} {now - last:6.1f} s  ({now - started:.1f} s)")
        last = now

    return log


def server_settings(names: Sequence[str] = SERVER_SETTINGS) -> tuple[str, str]:
    """The PostgreSQL settings that shape the figures ("name=value, ...") and its version."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
            [list(names)],
        )
        values = ", ".join(f"{n}={s}{u or ''}" for n, s, u in cursor.fetchall())
        cursor.execute("SHOW server_version")
        return values, cursor.fetchone()[0]


def table_sizes(tables: Iterable[str]) -> list[tuple[str, int, str, str]]:
    """(table, estimated rows, table size, index size) as the planner sees them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_table_size(c.oid)),
                   pg_size_pretty(pg_indexes_size(c.oid))
            FROM pg_class c WHERE c.relname = ANY(%s) AND c.relkind = 'r' ORDER BY c.relname
            """,
            [list(tables)],
        )
        return cursor.fetchall()


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Measurement:
    group: str
    label: str
    times_ms: list[float]
    queries: int  # SQL statements of one run
    result: str  # what one run returned, for a reader to check the case did its work
    sql: list[tuple[str, float]]  # (statement, seconds) of one captured run

    @property
    def p50(self) -> float:
        return quantile(self.times_ms, 0.5)

    @property
    def p95(self) -> float:
        return quantile(self.times_ms, 0.95)

    @property
    def max(self) -> float:
        return max(self.times_ms)


@dataclass(frozen=True)
class Case:
    group: str
    label: str
    fn: Callable[[], str]
    topics: frozenset[str] = frozenset()  # which schema variants concern it


def measure(case: Case, repeat: int) -> Measurement:
    """Run a case once to warm plans, caches and buffers, once with its SQL captured,
    then `repeat` times timed."""
    case.fn()
    with CaptureQueriesContext(connection) as captured:
        result = case.fn()
    # Read now: a request in the runs below empties the connection's query log.
    sql = [
        (query["sql"], float(query["time"]))
        for query in captured.captured_queries
        if not query["sql"].startswith(TRANSACTION_CONTROL)
    ]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        case.fn()
        times.append((time.perf_counter() - started) * 1000)
    return Measurement(case.group, case.label, times, len(sql), result, sql)


def measure_all(cases: Iterable[Case], repeat: int) -> list[Measurement]:
    # A long-running worker keeps its connection: no reconnect in the middle of a case.
    connection.ensure_connection()
    connection.close_at = None
    return [measure(case, repeat) for case in cases]


# --- schema variants -------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A schema change to try under the same production code: DDL applied before the
    measurements of the cases it concerns (`topics`; empty: all) and undone after."""

    label: str
    apply: tuple[str, ...] = ()
    undo: tuple[str, ...] = ()
    topics: frozenset[str] = frozenset()

    def concerns(self, case: Case) -> bool:
        return not self.topics or bool(case.topics & self.topics)


def execute_timed(statements: tuple[str, ...], write: Callable[[str], Any]) -> None:
    """Run DDL (index builds for a variant, and their undo), printing each one's time."""
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in statements:
            started = time.perf_counter()
            cursor.execute(statement)
            write(f"   {statement}  ({time.perf_counter() - started:.1f} s)")
        cursor.execute("RESET maintenance_work_mem")


@contextmanager
def variant_applied(variant: Variant, write: Callable[[str], Any]) -> Iterator[None]:
    try:
        execute_timed(variant.apply, write)
        yield
    finally:
        execute_timed(variant.undo, write)


def secondary_indexes_drop(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """Indexes not backing a constraint, dropped for a bulk load; returns (name, DDL) to
    rebuild them with."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [tables],
    )
    indexes = [(name, whole_table_index(ddl)) for name, ddl in cursor.fetchall()]
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return indexes


def whole_table_index(ddl: str) -> str:
    """pg_get_indexdef of a partitioned table's index says ON ONLY: run as written, it
    would build an invalid index on the parent alone, not on its partitions."""
    return ddl.replace(" ON ONLY ", " ON ", 1)


# --- pages -----------------------------------------------------------------------------------


@contextmanager
def http_settings() -> Iterator[None]:
    """Settings for whole requests through the test client: plain HTTP on one host, static
    files without collectstatic's manifest (as `make test`), rate limits out of the way
    (still counted: their cache round trips are part of a request), and no second factor
    (a sign-in step, not part of the pages measured)."""
    unlimited = {
        group: {scope: ["1000000/m"] for scope in scopes}
        for group, scopes in settings.PORTAL_RATE_LIMITS.items()
    }
    with (
        override_settings(
            SECURE_SSL_REDIRECT=False,
            SESSION_COOKIE_SECURE=False,
            CSRF_COOKIE_SECURE=False,
            ALLOWED_HOSTS=[HOST],
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
            PORTAL_RATE_LIMITS=unlimited,
            SECOND_FACTOR_REQUIRED=False,
        ),
        warnings.catch_warnings(),
    ):
        # WhiteNoise misses collectstatic's folder; the pages render all the same.
        warnings.filterwarnings("ignore", message="No directory at")
        yield


def http_client(user) -> HttpClient:
    http = HttpClient(HTTP_HOST=HOST)
    # The lockout backend comes first and cannot load a user; sign in as a password would.
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


def http_result(response) -> str:
    if response.status_code != 200:
        raise CommandError(f"{response.request['PATH_INFO']} answered {response.status_code}")
    return f"200, {len(response.content) // 1024} KiB"


# --- printing --------------------------------------------------------------------------------

_WIDTH = 52


def print_table(out: Output, measurements: list[Measurement]) -> None:
    """One line per case, by group: p50/p95/max in ms, SQL statements, what it returned;
    with -v 2, each case's statements and their time."""
    header = f"{'case':<{_WIDTH}} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>4}  result"
    out.write(header)
    out.write("-" * len(header))
    group = None
    for m in measurements:
        if m.group != group:
            group = m.group
            out.write(out.label(group))
        out.write(
            f"  {m.label[: _WIDTH - 2]:<{_WIDTH - 2}} {m.p50:8.1f} {m.p95:8.1f} {m.max:8.1f} "
            f"{m.queries:>4}  {m.result}"
        )
    if out.verbosity > 1:
        for m in measurements:
            out.write(out.label(f"\nSQL of {m.label}:"))
            for sql, seconds in m.sql:
                out.write(f"  {seconds * 1000:7.1f} ms  {sql_summary(sql)}")


def slowest(measurements: list[Measurement], *, limit: int, min_ms: float = 20) -> list:
    """The cases worth a query plan: by p50, at least `min_ms`."""
    chosen = [m for m in measurements if m.p50 >= min_ms]
    return sorted(chosen, key=lambda m: -m.p50)[:limit]


def print_plans(
    out: Output, measurements: list[Measurement], title: str, *, per_case: int = 2
) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECTs of each case, as they ran."""
    if not measurements:
        return
    out.heading(f"\nQuery plans, {title} (EXPLAIN ANALYZE, BUFFERS)")
    with connection.cursor() as cursor:
        for m in measurements:
            selects = [s for s in m.sql if s[0].lstrip().upper().startswith(("SELECT", "WITH"))]
            statements = sorted(selects, key=lambda s: -s[1])[:per_case]
            timing = ", ".join(f"{seconds * 1000:.0f}" for _sql, seconds in m.sql)
            out.write(out.label(f"{m.label}: its {m.queries} queries took ms {timing}"))
            for sql, _seconds in statements:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                plan = cursor.fetchone()[0]
                plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
                top = plan["Plan"]
                jit = plan.get("JIT", {}).get("Timing", {}).get("Total")
                hit, read = top.get("Shared Hit Blocks", 0), top.get("Shared Read Blocks", 0)
                out.write(
                    f"  execution {plan['Execution Time']:.1f} ms, planning "
                    f"{plan['Planning Time']:.1f} ms, buffers hit {hit:,} read {read:,}"
                    + (f", JIT {jit:.1f} ms" if jit else "")
                    + f"  [{sql_summary(sql)}]"
                )
                for line in plan_lines(top):
                    out.write(f"    {line}")


def print_comparison(out: Output, results: dict[str, list[Measurement]]) -> None:
    """p50 / p95 (SQL) of each case under each variant, for the cases measured again."""
    labels = list(results)
    keys = [chr(ord("A") + i) for i in range(len(labels))]
    out.heading("\n== By variant: p50 / p95 ms (SQL queries) ==")
    for key, label in zip(keys, labels, strict=True):
        out.write(f"  {key}: {label}")
    out.write(f"{'case':<{_WIDTH}}" + "".join(f" {key:>17}" for key in keys))
    for m in results[labels[0]]:
        cells = []
        for label in labels:
            other = next((o for o in results[label] if o.label == m.label), None)
            cells.append(f"{other.p50:.0f} / {other.p95:.0f} ({other.queries})" if other else "-")
        if any(cell != "-" for cell in cells[1:]):
            out.write(
                f"  {m.label[: _WIDTH - 2]:<{_WIDTH - 2}}" + "".join(f" {c:>17}" for c in cells)
            )


def sql_summary(sql: str) -> str:
    text = " ".join(sql.split())
    where = text.find(" WHERE ")
    return (text[where + 1 : where + 200] if where >= 0 else text[:200]) + "..."


def plan_lines(node: dict, depth: int = 0) -> Iterator[str]:
    kind = node["Node Type"]
    if "Join Type" in node and node["Join Type"] != "Inner":
        kind += f" ({node['Join Type']})"
    where = ""
    if "Index Name" in node:
        where = f" using {node['Index Name']}"
    elif "Relation Name" in node:
        where = f" on {node['Relation Name']}"
    loops = node.get("Actual Loops", 1)
    workers = f" workers {node['Workers Launched']}" if "Workers Launched" in node else ""
    removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
    yield (
        f"{'  ' * depth}{kind}{where}: rows {node.get('Actual Rows', 0):,}"
        + (f" x{loops:,}" if loops != 1 else "")
        + (f" (removed {removed:,})" if removed else "")
        + f", {node.get('Actual Total Time', 0):.1f} ms{workers}"
    )
    for child in node.get("Plans", []):
        yield from plan_lines(child, depth + 1)
