"""The supervisors' audit review at ten million events: list pages (keyset), the
filters, "who saw this record", the anomaly flags and the whole HTTP pages, plus the hash
chain (append throughput, verification speed). Latency p50/p95/max, SQL statements per
case, and the query plans of the slowest.

A benchmark, not a test: it prints figures for people to judge. It writes ten million
rows, so it runs only on a PostgreSQL database whose name contains "bench":

    createdb audit_bench
    DATABASE_URL=postgres:///audit_bench manage.py migrate
    DATABASE_URL=postgres:///audit_bench manage.py benchmark_audit [--skip-candidates]
    DATABASE_URL=postgres:///audit_bench manage.py benchmark_audit --teardown

Every case calls production code (`audit.selectors` and `access.selectors.record_objects`
as the views call them, `audit.chain`, `audit.services.audit_record`, the pages through
the test client). Unless --skip-candidates, the cases a candidate index concerns run
again with it (created with SQL in this database and dropped afterwards, never by
migration). The data: `tools.bench.audit_data`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access import policy
from access import selectors as access_selectors
from agencies.models import User
from audit import chain, selectors
from audit.models import AuditEvent
from audit.services import audit_buffer, audit_record
from tools.bench import audit_data
from tools.bench.audit_data import CANDIDATE_PREFIX, CHAIN_SCHEMA, TABLE, Dataset
from tools.bench.harness import (
    TRANSACTION_CONTROL,
    Case,
    Measurement,
    Output,
    Variant,
    bench_database_required,
    execute_timed,
    http_client,
    http_result,
    http_settings,
    measure_all,
    print_comparison,
    print_plans,
    print_table,
    server_settings,
    slowest,
    variant_applied,
)

PAGES = "pages (HTTP, whole request, supervisor of the biggest agency)"


def run(out: Output, options: dict[str, Any]) -> None:
    bench_database_required("ten million rows", "audit_bench")
    if options["teardown"]:
        started = time.perf_counter()
        audit_data.teardown(out)
        out.write(f"Synthetic data dropped in {time.perf_counter() - started:.1f} s.")
        return
    load_before = os.getloadavg()
    data = audit_data.dataset(options, out)
    audit_data.undo_interrupted_run(out)
    audit_data.drop_events_of_earlier_runs(data)
    _print_setup(out, data, load_before)
    with http_settings():
        _suite(out, data, options)
    if not options["skip_chain"]:
        _chain(out, data, options)
    out.write(
        f"\nLoad average (1/5/15 min) before {_load(load_before)}, after "
        f"{_load(os.getloadavg())} on {os.cpu_count()} cores."
    )


def _suite(out: Output, data: Dataset, options: dict[str, Any]) -> None:
    cases = _cases(data) + _page_cases(data)
    out.heading("\n== As migrated ==")
    baseline = measure_all(cases, options["repeat"])
    print_table(out, baseline)
    print_plans(out, slowest([m for m in baseline if m.group != PAGES], limit=8), "slowest cases")
    if options["skip_candidates"]:
        return
    results = {"as migrated": baseline}
    for variant in _candidate_variants():
        out.heading(f"\n== Variant: {variant.label} ==")
        with variant_applied(variant, out.write):
            measured = measure_all([c for c in cases if variant.concerns(c)], options["repeat"])
            print_table(out, measured)
            selected = [m for m in measured if m.group != PAGES]
            print_plans(out, slowest(selected, limit=4), variant.label)
        results[variant.label] = measured
    print_comparison(out, results)


def _cases(data: Dataset) -> list[Case]:
    supervisor = data.supervisor
    group = "audit log page 1/5 (audit.selectors, as the view calls them)"
    today = timezone.localdate()

    def events(criteria: dict[str, Any]):
        visible = selectors.events_of(policy.audit_scope(supervisor))
        record = None
        if criteria.get("client"):
            record = access_selectors.record_objects(criteria["client"])
        return selectors.events_filtered(visible, criteria, record=record)

    def listing(criteria: dict[str, Any], page: int = 1) -> Callable[[], str]:
        oldest = criteria.get("order") == "oldest"
        after = None
        for _ in range(page - 1):
            _rows, after = selectors.events_page(events(criteria), oldest_first=oldest, after=after)

        def fn() -> str:
            rows, cursor = selectors.events_page(events(criteria), oldest_first=oldest, after=after)
            return f"{len(rows)} rows{', next' if cursor else ''}"

        return fn

    def accesses(pk: int, days: int) -> Callable[[], str]:
        def fn() -> str:
            objects = access_selectors.record_objects(pk)
            rows = list(selectors.record_accesses(objects, days=days)[:2000])
            return f"{len(rows)} events, {len({row.agency_id for row in rows})} agencies"

        return fn

    def anomalies() -> str:
        flags = selectors.anomalies(selectors.events_of(policy.audit_scope(supervisor)))
        rules = Counter(flag.rule for flag in flags)
        return f"{len(flags)} flags " + ",".join(f"{k}:{n}" for k, n in sorted(rules.items()))

    def purge_anchor() -> str:
        return "genesis" if chain._purge_anchor() == chain.GENESIS else "purge found"

    busy, quiet = data.busy.username, data.quiet.username
    hot, typical = data.hot.pk, data.typical.pk
    ago = (today - dt.timedelta(days=100), today - dt.timedelta(days=87))
    one_day = today - dt.timedelta(days=180)
    dates, client, actor = frozenset({"dates"}), frozenset({"client"}), frozenset({"actor"})
    cases = [
        Case(group, "agency, newest first, page 1", listing({})),
        Case(group, "agency, newest first, page 5 (cursor)", listing({}, 5)),
        Case(group, "agency, oldest first, page 1", listing({"order": "oldest"})),
        Case(group, f"user (busiest) {busy[-20:]}, page 1", listing({"actor": busy}), actor),
        Case(group, "user (busiest), page 5", listing({"actor": busy}, 5), actor),
        Case(group, f"user (quiet) {quiet[-20:]}, page 1", listing({"actor": quiet}), actor),
        Case(group, f"client {hot} (hot), page 1", listing({"client": hot}), client),
        Case(group, f"client {typical} (typical), page 1", listing({"client": typical}), client),
        Case(group, "outcome denied, page 1", listing({"outcome": "denied"})),
        Case(
            group,
            "action view + 14 days, 3 months ago",
            listing({"action": "view", "since": ago[0], "until": ago[1]}),
            dates,
        ),
        Case(
            group,
            "action export + 14 days, 3 months ago",
            listing({"action": "export", "since": ago[0], "until": ago[1]}),
            dates,
        ),
        Case(
            group,
            "one day, 6 months ago (since = until)",
            listing({"since": one_day, "until": one_day}),
            dates,
        ),
        Case(
            group,
            "action export + last 30 days",
            listing({"action": "export", "since": today - dt.timedelta(days=30)}),
            dates,
        ),
    ]
    who = "who saw this record (record_objects + record_accesses, [:2000] as the view)"
    for pk, kind in ((hot, "hot"), (typical, "typical")):
        for days in (30, 365):
            cases.append(
                Case(who, f"client {pk} ({kind}), {days} days", accesses(pk, days), client)
            )
    cases += [
        Case(
            "anomalies (every /audit/ page computes them)",
            f"anomalies() for {data.agency.slug} (biggest agency)",
            anomalies,
            frozenset({"anomalies"}),
        ),
        Case(
            "chain_verify start",
            "_purge_anchor(): last purge event",
            purge_anchor,
            frozenset({"purge"}),
        ),
    ]
    return cases


def _page_cases(data: Dataset) -> list[Case]:
    """Whole requests through the test client: middleware, ATOMIC_REQUESTS, template, the
    request's own audit event appended to the chain."""
    http = http_client(data.supervisor)
    visible = selectors.events_of(policy.audit_scope(data.supervisor))
    after = None
    for _ in range(4):
        _rows, after = selectors.events_page(visible, oldest_first=False, after=after)
    event_list = reverse("audit:event-list")

    def get(url: str, query: dict[str, Any] | None = None) -> Callable[[], str]:
        return lambda: http_result(http.get(url, query or {}))

    def accesses_url(pk: int) -> str:
        return reverse("audit:record-accesses", args=[pk])

    hot, typical = data.hot.pk, data.typical.pk
    # The log's pages compute the anomalies too; the record pages do not.
    log, record = frozenset({"dates", "anomalies"}), frozenset({"client"})
    return [
        Case(PAGES, "/audit/", get(event_list), log),
        Case(PAGES, "/audit/?after= (page 5)", get(event_list, {"after": after}), log),
        Case(
            PAGES,
            "/audit/?actor= (busiest user)",
            get(event_list, {"actor": data.busy.username}),
            log | {"actor"},
        ),
        Case(PAGES, "/audit/?client= (hot record)", get(event_list, {"client": hot}), log | record),
        Case(PAGES, "/audit/clients/<hot>/ (30 days)", get(accesses_url(hot)), record),
        Case(
            PAGES, "/audit/clients/<hot>/?days=365", get(accesses_url(hot), {"days": 365}), record
        ),
        Case(PAGES, "/audit/clients/<typical>/ (30 days)", get(accesses_url(typical)), record),
        Case(
            PAGES,
            "/audit/clients/<hot>/?days=365&format=csv",
            get(accesses_url(hot), {"days": 365, "format": "csv"}),
            record,
        ),
    ]


def _candidate_variants() -> list[Variant]:
    """Indexes to try under the same code: a covering index for the per-agency counts of
    the anomaly rules and the date filters, a partial one for the name-search rule, a
    partial one for the last purge event (where chain_verify starts)."""
    covering = (
        f"CREATE INDEX {CANDIDATE_PREFIX}agency_time ON {TABLE} "
        "(agency_id, occurred_at) INCLUDE (actor_id, action, outcome, query_hash)"
    )
    searches = (
        f"CREATE INDEX {CANDIDATE_PREFIX}search_time ON {TABLE} (occurred_at) "
        "INCLUDE (query_hash, agency_id) WHERE action = 'search' AND query_hash <> ''"
    )
    purge = f"CREATE INDEX {CANDIDATE_PREFIX}purge ON {TABLE} (id) WHERE action = 'purge'"
    analyze = f"ANALYZE {TABLE}"
    drop = {name: f"DROP INDEX {CANDIDATE_PREFIX}{name}" for name in ("agency_time", "purge")}
    drop["search_time"] = f"DROP INDEX {CANDIDATE_PREFIX}search_time"
    dates = frozenset({"dates", "anomalies"})
    return [
        Variant(
            "(agency, occurred_at) INCLUDE (actor, action, outcome, query_hash)",
            (covering, analyze),
            (drop["agency_time"],),
            dates,
        ),
        Variant(
            "+ partial index for name searches",
            (covering, searches, analyze),
            (drop["agency_time"], drop["search_time"]),
            dates,
        ),
        Variant("partial index on purge events", (purge,), (drop["purge"],), frozenset({"purge"})),
    ]


# --- the hash chain --------------------------------------------------------------------------


def _chain(out: Output, data: Dataset, options: dict[str, Any]) -> None:
    out.heading("\n== Hash chain ==")
    staff = audit_data.staff_of(data.agency)
    rng = random.Random(options["seed"])  # noqa: S311 - reproducible synthetic events

    # 1. Appending as requests do, at the head of the big table; then again without the
    # indexes nothing reads (bench only, rebuilt right after).
    total = options["append_events"]
    rate, transactions, append = _append(staff, rng, total)
    out.write(
        f"audit_record + chain_append on the {data.meta['events']:,}-event table: {total:,} "
        f"events in {transactions:,} transactions of 1-3 (as requests): {rate:,.0f} events/s, "
        f"{append.result}; per transaction p50 {append.p50:.2f} ms, p95 {append.p95:.2f} ms, "
        f"max {append.max:.1f} ms; {append.queries} SQL for 2 events"
    )
    redundant = _redundant_indexes()
    if redundant:
        # Written down first: a run interrupted here rebuilds them when it starts again.
        audit_data.dropped_indexes_set([definition for _name, definition in redundant])
        execute_timed(tuple(f"DROP INDEX {name}" for name, _d in redundant), out.write)
        try:
            rate, transactions, append = _append(staff, rng, total)
        finally:
            execute_timed(tuple(definition for _name, definition in redundant), out.write)
            audit_data.dropped_indexes_set([])
        out.write(
            f"  the same without {', '.join(name for name, _d in redundant)}: "
            f"{rate:,.0f} events/s, {append.result}; p50 {append.p50:.2f} ms, p95 "
            f"{append.p95:.2f} ms, max {append.max:.1f} ms"
        )
    out.write(
        "  the advisory lock serialises appends from the head lookup to COMMIT, so this is "
        "also about the ceiling for audited requests per second across all workers."
    )

    # 2. A real chain in a table of its own: built by audit_record, then verified.
    count = options["chain_events"]
    with _chain_schema():
        started = time.perf_counter()
        for start in range(0, count, 1000):
            with transaction.atomic(), audit_buffer():
                for _ in range(min(1000, count - start)):
                    _event(rng, staff)
        elapsed = time.perf_counter() - started
        out.write(
            f"audit_record, appended in batches of 1,000 into an empty table ({CHAIN_SCHEMA}): "
            f"{count:,} events in {elapsed:.1f} s = {count / elapsed:,.0f} events/s"
        )
        rates = []
        for _ in range(3):
            started = time.perf_counter()
            checked, broken = chain.chain_verify()
            elapsed = time.perf_counter() - started
            if broken is not None or checked != count:
                raise CommandError(f"chain_verify: {checked} checked, broken: {broken}")
            rates.append(checked / elapsed)
        out.write(
            f"chain_verify over the real chain of {count:,} events: "
            + ", ".join(f"{r:,.0f}" for r in rates)
            + f" events/s (3 runs, intact) -> 10,000,000 events in "
            f"~{1e7 / max(rates) / 60:.1f} min at the best rate"
        )

    # 3. The same work over the big table (whose hashes are placeholders, so chain_verify
    # would stop at the first event): its reading in id order and its hash, compared.
    size = min(500_000, data.meta["events"])
    started = time.perf_counter()
    checked = 0
    for event in itertools.islice(chain._events_in_order(5000), size):
        _ = event.hash == chain.event_hash(event, event.prev_hash)
        checked += 1
    rate = checked / (time.perf_counter() - started)
    out.write(
        f"verification work (chain._events_in_order, event_hash, compare) over {checked:,} "
        f"events of the big table: {rate:,.0f} events/s -> 10,000,000 events in "
        f"~{1e7 / rate / 60:.1f} min"
    )


def _event(rng: random.Random, staff: list[tuple[User, str]]) -> AuditEvent:
    """An event as a request writes it: a view of a record, or a search with the ids it
    showed and a name fingerprint."""
    user = staff[int(len(staff) * rng.random() ** 1.3)][0]
    if rng.random() < 0.7:
        return audit_record(
            actor=user,
            action=AuditEvent.Action.VIEW,
            object_type="clients.client",
            object_id=str(rng.randrange(1, 1_000_001)),
            fields=rng.choice(audit_data.SECTION_SETS),
        )
    return audit_record(
        actor=user,
        action=AuditEvent.Action.SEARCH,
        object_type="clients.client",
        object_ids=[rng.randrange(1, 1_000_001) for _ in range(int(26 * rng.random() ** 2))],
        fields=["name"],
        query_hash=f"{rng.getrandbits(64):016x}",
    )


def _append(
    staff: list[tuple[User, str]], rng: random.Random, total: int
) -> tuple[float, int, Measurement]:
    """Write `total` events in transactions of 1-3, as requests do (audit_buffer)."""
    sizes = (1, 2, 3, 2)  # events per request: mostly one or two, sometimes three
    batches: list[int] = []
    while sum(batches) < total:
        batches.append(min(sizes[len(batches) % len(sizes)], total - sum(batches)))
    times = []
    queries = 0
    started = time.perf_counter()
    for n, size in enumerate(batches):
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) if n == 1 else nullcontext() as captured:
            with transaction.atomic(), audit_buffer():
                for _ in range(size):
                    _event(rng, staff)
        times.append((time.perf_counter() - t0) * 1000)
        if captured is not None:
            queries = sum(
                not query["sql"].startswith(TRANSACTION_CONTROL)
                for query in captured.captured_queries
            )
    elapsed = time.perf_counter() - started
    rate = f"{len(batches) / elapsed:,.0f} transactions/s"
    return total / elapsed, len(batches), Measurement("chain", "", times, queries, rate, [])


def _redundant_indexes() -> list[tuple[str, str]]:
    """Indexes no query uses: the LIKE index Django adds for the unique hash, and the
    single-column foreign-key indexes the (actor, -id) and (agency, -id) ones cover."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [TABLE]
        )
        indexes = cursor.fetchall()
    return [
        (name, definition)
        for name, definition in indexes
        if "varchar_pattern_ops" in definition or definition.endswith(("(actor_id)", "(agency_id)"))
    ]


@contextmanager
def _chain_schema() -> Iterator[None]:
    """An empty copy of the audit table (indexes, identity) in a schema of its own, first
    on the search path: the ORM then reads and writes it instead."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {CHAIN_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {CHAIN_SCHEMA}")
        cursor.execute(f"CREATE TABLE {CHAIN_SCHEMA}.{TABLE} (LIKE {TABLE} INCLUDING ALL)")
        cursor.execute("SHOW search_path")
        original = cursor.fetchone()[0]
        cursor.execute(f"SET search_path TO {CHAIN_SCHEMA}, {original}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {original}")
            cursor.execute(f"DROP SCHEMA {CHAIN_SCHEMA} CASCADE")


# --- output ----------------------------------------------------------------------------------


def _print_setup(out: Output, data: Dataset, load: tuple[float, float, float]) -> None:
    meta = data.meta
    server, version = server_settings()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_table_size(%s::regclass)), "
            "pg_size_pretty(pg_indexes_size(%s::regclass)), "
            "(SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass)",
            [TABLE, TABLE, TABLE],
        )
        table_size, index_size, tuples = cursor.fetchone()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_size_pretty(pg_relation_size(indexrelid)) "
            "FROM pg_index WHERE indrelid = %s::regclass ORDER BY 1",
            [TABLE],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT datname, count(*) FROM pg_stat_activity WHERE state = 'active' "
            "AND pid <> pg_backend_pid() AND datname IS NOT NULL GROUP BY 1 ORDER BY 1"
        )
        others = cursor.fetchall()
    own = AuditEvent.objects.filter(agency=data.agency).count()
    out.heading("\n== Data ==")
    if data.built_in_s is not None:
        out.write(f"built in {data.built_in_s:.0f} s")
    out.write(f"PostgreSQL {version}: {server}")
    out.write(
        f"{TABLE}: ~{tuples:,} rows, table {table_size}, indexes {index_size}; synthetic ids "
        f"{meta['first_id']:,}..{meta['last_id']:,}, "
        f"{meta['start'][:16]} .. {meta['end'][:16]} UTC"
    )
    out.write("  " + ", ".join(f"{name} {size}" for name, size in indexes))
    out.write(
        f"{len(data.agencies)} agencies, {meta['users']:,} staff, events about "
        f"{meta['clients']:,} records; measured agency {data.agency.slug}: {own:,} events; "
        f"supervisor {data.supervisor.username}"
    )
    about = {
        kind: AuditEvent.objects.filter(
            selectors._about_record(access_selectors.record_objects(client.pk))
        ).count()
        for kind, client in (("hot", data.hot), ("typical", data.typical))
    }
    out.write(
        f"records: hot {data.hot.pk} in {about['hot']:,} events, typical {data.typical.pk} in "
        f"{about['typical']:,} events (own + in result lists, all agencies, all time)"
    )
    out.write(
        "hash/prev_hash of the synthetic events are unique placeholders (sha256 of the id), "
        "not a valid chain; the chain is measured on real events below."
    )
    for note in data.notes:
        out.write(note)
    busy = ", ".join(f"{name} ({n})" for name, n in others) or "none"
    out.write(
        f"load average {_load(load)} on {os.cpu_count()} cores; active queries in other "
        f"databases: {busy}"
    )


def _load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{value:.2f}" for value in load)
