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
import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from access import policy
from access import selectors as access_selectors
from audit import chain, selectors
from audit.models import AuditEvent
from tools.bench import audit_chain, audit_data
from tools.bench.audit_data import CANDIDATE_PREFIX, Dataset
from tools.bench.audit_events import TABLE
from tools.bench.harness import (
    Case,
    Output,
    Variant,
    bench_database_required,
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
        audit_chain.chain_measure(out, data, options)
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
