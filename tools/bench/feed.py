"""The change feed at scale: a page of 100 changes (`access.feed.feed_for`, as the API
calls it) for a large, a middling and the smallest agency of the database, from the
start of the log, from its middle, near its end and caught up: p50/p95/max, SQL per
page and the query plans of the slowest. Target: p95 < 100 ms at 1M records.

It uses whatever records, agencies and permission rows the database holds (e.g. what
`benchmark_access` built) and fills the change log up to `--entries` with synthetic
entries (updates of random records, some grants started), marked by their version. Two
synthetic agencies that were handed few records (`--small`, and 1% of all) show the
other end: the planner then starts from the agency's permission rows
(change_client_idx) instead of walking the log. `--teardown` removes exactly these.
It writes rows, so it runs only on a PostgreSQL
database whose name contains "bench":

    DATABASE_URL=postgres:///portal_bench manage.py benchmark_feed [--entries 2000000]
    DATABASE_URL=postgres:///portal_bench manage.py benchmark_feed --teardown
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.db import connection
from django.db.models import Count

from access.feed import PAGE_MAX, feed_for
from access.models import ClientGroupObjectPermission, Grant
from access.rows import permission_ids
from agencies.models import Agency, Membership, User
from agencies.services import agency_create, membership_set
from clients.changes import feed_horizon
from clients.models import ChangeEntry, Client
from tools.bench.cleanup import synthetic_drop
from tools.bench.harness import (
    Case,
    Output,
    bench_database_required,
    measure_all,
    print_plans,
    print_table,
    server_settings,
    slowest,
    table_sizes,
)

SYNTHETIC = "bench-synthetic"  # the version of synthetic entries
# Not "bench-": benchmark_access counts the agencies starting so as its own data.
PREFIX = "feedbench-"  # slugs and user names of the synthetic agencies
SECTION_CHOICES = (
    ["contact"],
    ["residence"],
    ["identity"],
    ["contact", "residence"],
    ["sensitive"],
)


def run(out: Output, options: dict[str, Any]) -> None:
    bench_database_required("change log entries", "portal_bench")
    if options["teardown"]:
        deleted, _ = ChangeEntry.objects.filter(version=SYNTHETIC).delete()
        out.write(f"{deleted:,} synthetic change entries deleted.")
        agencies = list(Agency.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
        users = list(User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True))
        synthetic_drop(agencies=agencies, users=users, warn=out.write)
        out.write(f"{len(agencies)} synthetic agencies dropped.")
        return
    if not Client.objects.exists():
        out.write("No records in this database: fill it first (e.g. benchmark_access).")
        return
    _fill(out, options["entries"], options["grant_share"])
    total = Client.objects.count()
    for slug, records in ((f"{PREFIX}small", options["small"]), (f"{PREFIX}1pct", total // 100)):
        _small_agency(out, slug, records)
    readers = _readers()
    settings_line, version = server_settings()
    out.heading("== Change feed: a page of up to 100 changes (access.feed.feed_for) ==")
    out.write(f"PostgreSQL {version}: {settings_line}")
    for table, rows, size, index_size in table_sizes(
        [ChangeEntry._meta.db_table, ClientGroupObjectPermission._meta.db_table, "clients_client"]
    ):
        out.write(f"  {table}: ~{rows:,} rows, table {size}, indexes {index_size}")
    horizon = feed_horizon()
    out.write(f"change log horizon (largest cursor): {horizon:,}")
    cases = []
    for label, (user, rows) in readers.items():
        group = f"{label}: {user.membership.agency.slug}, {rows:,} permission rows"
        for start, cursor in (
            ("from the start", 0),
            ("from the middle", horizon // 2),
            ("near the end (last 5,000)", max(0, horizon - 5_000)),
            ("caught up", horizon),
        ):
            cases.append(Case(group, f"{start}, cursor {cursor:,}", _page(user, cursor)))
    measured = measure_all(cases, options["repeat"])
    print_table(out, measured)
    print_plans(out, slowest(measured, limit=4, min_ms=10), "slowest feed pages")


def _page(user, cursor: int):
    def fn() -> str:
        page = feed_for(user, after=cursor, limit=PAGE_MAX)
        return f"{len(page.items)} items, next {page.next_cursor:,}" + (
            ", more" if page.has_more else ""
        )

    return fn


def _readers() -> dict[str, tuple[Any, int]]:
    """A staff member each of the agency with the most permission rows, a middling one
    and the one with the fewest (of agencies that have staff)."""
    sizes = dict(
        ClientGroupObjectPermission.objects.values_list("group_id")
        .annotate(rows=Count("id"))
        .values_list("group_id", "rows")
    )
    staff = {
        m.agency.group_id: m
        for m in Membership.objects.filter(agency__group_id__in=list(sizes)).select_related(
            "agency", "user"
        )
    }
    synthetic = {m.agency.group_id: m.agency.slug for m in staff.values()}
    ranked = sorted(
        (rows, group)
        for group, rows in sizes.items()
        if group in staff and not synthetic[group].startswith(PREFIX)
    )
    if not ranked:
        return {}
    picks = {
        "largest agency": ranked[-1],
        "middling agency": ranked[len(ranked) // 2],
        "smallest agency": ranked[0],
    }
    for group, slug in synthetic.items():
        if slug.startswith(PREFIX) and group in sizes:
            picks[f"few records handed over ({slug})"] = (sizes[group], group)
    readers = {}
    for label, (rows, group) in picks.items():
        user = staff[group].user
        user.membership = staff[group]
        readers[label] = (user, rows)
    return readers


def _small_agency(out: Output, slug: str, records: int) -> None:
    """An NGO that was handed `records` random records (identity and contact, rows as
    access_rebuild writes them) and has one caseworker; kept between runs."""
    if Agency.objects.filter(slug=slug).exists():
        return
    agency = agency_create(name=f"Feed benchmark {slug}", slug=slug, kind=Agency.Kind.NGO)
    user = User.objects.create(username=f"{slug}-caseworker", email="")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    membership_set(user=user, agency=agency, role=Membership.Role.CASEWORKER)
    table = ClientGroupObjectPermission._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (content_object_id, group_id, permission_id, expires_on)
            SELECT c.id, %s, p.id, NULL
            FROM (SELECT id FROM {Client._meta.db_table} ORDER BY random() LIMIT %s) c
            CROSS JOIN unnest(%s::int[]) AS p (id)
            """,  # noqa: S608 - table names from model meta, values as parameters
            [agency.group_id, records, permission_ids("view_identity", "view_contact")],
        )
        cursor.execute(f"ANALYZE {table}")
    out.write(f"synthetic agency {slug}: {records:,} records handed over")


def _fill(out: Output, entries: int, grant_share: float) -> None:
    """Synthetic entries up to `entries`: updates of records drawn at random (so an
    agency's changes are spread through the log as in life), grants started for a share
    of the grants."""
    have = ChangeEntry.objects.count()
    missing = entries - have
    out.write(f"change log: {have:,} entries, {max(missing, 0):,} to add")
    if missing <= 0:
        return
    started = time.perf_counter()
    bounds = Client.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    table = ChangeEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (client_id, agency_id, kind, sections, version, created_at)
            WITH drawn AS MATERIALIZED (
                -- one random id per row (a LATERAL lookup drew the same few thousand)
                SELECT g, %(low)s + floor(random() * %(span)s)::bigint AS id
                FROM generate_series(1, %(draws)s) g
            )
            SELECT c.id, NULL, 'updated',
                   (%(sections)s::jsonb[])[1 + floor(random() * %(k)s)::int], %(synthetic)s, now()
            FROM drawn JOIN {Client._meta.db_table} c ON c.id = drawn.id
            ORDER BY drawn.g
            LIMIT %(n)s
            """,  # noqa: S608 - table names from model meta, values as parameters
            {
                "sections": [json.dumps(s) for s in SECTION_CHOICES],
                "k": len(SECTION_CHOICES),
                "synthetic": SYNTHETIC,
                "n": missing,
                "draws": int(missing * 1.3) + 100,  # ids missing in the range are skipped
                "low": low,
                "span": high - low + 1,
            },
        )
        cursor.execute(
            f"""
            INSERT INTO {table} (client_id, agency_id, kind, sections, version, created_at)
            SELECT client_id, agency_id, 'grant_started', sections, %s, now()
            FROM {Grant._meta.db_table} WHERE status = 'active' AND random() < %s
            """,  # noqa: S608 - table names from model meta, values as parameters
            [SYNTHETIC, grant_share],
        )
        cursor.execute(f"VACUUM ANALYZE {table}")
    out.write(f"filled in {time.perf_counter() - started:.1f} s")
