"""Measure the supervisors' audit review at ten million events: list pages (keyset), the
filters, "who saw this record", the anomaly flags and the whole HTTP pages, plus the hash
chain (append throughput and verification speed). Latency p50/p95/max, SQL queries per
case, and the query plans of the slowest queries.

A benchmark, not a test: it prints numbers for people to judge. It writes ten million
rows, so it runs only against a PostgreSQL database whose name contains "bench":

    createdb audit_bench
    DATABASE_URL=postgres:///audit_bench manage.py migrate
    DATABASE_URL=postgres:///audit_bench manage.py benchmark_audit [--skip-candidates]
    DATABASE_URL=postgres:///audit_bench manage.py benchmark_audit --teardown

The synthetic events are built with set-based SQL (INSERT ... SELECT over
generate_series, in chunks, secondary indexes and constraints dropped for the load and
rebuilt): ~10 agencies of unequal size with ~2,000 staff, mostly views and searches of
records out of a million, searches showing up to 25 records, twelve months of office
hours, some refused attempts, search fingerprints. Their hash and prev_hash are unique
placeholders, not a valid chain: the chain is measured on real events appended with
audit.chain.chain_append, in a table of its own (a separate schema) for verification.
The data is kept between runs and reused when it has the requested size.

Unless --skip-candidates, the cases a candidate concerns are measured again with
candidate indexes (created with SQL in this database and dropped afterwards, never by
migration) and with candidate query shapes installed in this process only; app files
are not changed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.services import agency_create
from audit import chain, selectors
from audit.models import AuditEvent
from clients.models import Client, ClientGroupObjectPermission
from clients.services import client_register
from tools.bench.harness import (
    bench_database_required,
    execute_timed,
    quantile,
    server_settings,
    stepper,
)

PREFIX = "auditbench-"  # agency slugs and user names of the synthetic data
META_TABLE = "bench_audit_meta"  # what was built (this database only)
CHAIN_SCHEMA = "bench_audit_chain"  # a table of real, chained events for chain_verify
HOST = "127.0.0.1"
# Not counted as queries (Django logs them too): BEGIN/COMMIT of ATOMIC_REQUESTS.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
TABLE = AuditEvent._meta.db_table

# Share of the events per agency (the first is the big one that is measured).
AGENCY_WEIGHTS = (30, 18, 12, 10, 8, 7, 5, 4, 3, 3)
AGENCY_KINDS = (
    Agency.Kind.REFUGEE_OFFICE,
    Agency.Kind.SOCIAL_WELFARE_OFFICE,
    Agency.Kind.IMMIGRATION_OFFICE,
    Agency.Kind.JOBCENTER,
    Agency.Kind.NGO,
)
# What staff do, in per cent of events. "view_document", "audit_view" and "view_denied"
# are views of documents, of the audit log and refused views; "search_other" are searches
# by document number, phone or reference code (no name fingerprint, 0-2 hits).
KINDS = (
    ("view", 57.5),
    ("view_denied", 1.0),
    ("view_document", 3.0),
    ("search", 20.0),
    ("search_other", 5.0),
    ("export", 0.5),
    ("create", 1.5),
    ("update", 4.0),
    ("login", 3.0),
    ("logout", 2.5),
    ("login_failed", 0.3),
    ("share", 0.5),
    ("accept", 0.4),
    ("decline", 0.05),
    ("revoke", 0.05),
    ("request", 0.2),
    ("approve", 0.15),
    ("permission_change", 0.05),
    ("audit_view", 0.3),
)
SECTION_SETS = (
    ["identity"],
    ["contact", "identity"],
    ["contact", "identity", "residence"],
    ["contact", "documents", "household", "identity", "residence"],
)
FIELD_SETS = (["phone"], ["street", "postcode", "district"], ["residence_status"], ["email"])
CREATE_FIELDS = ["family_name", "given_names", "birth_date", "nationalities"]
HOT_SHARE = 0.1  # of the record reads go to ...
HOT_CLIENTS = 2_000  # ... the records with an active case this year
TYPICAL_SLOT = 500_000  # the synthetic record whose traffic the "typical" record takes
NAMES = 300_000  # distinct searched names (fingerprints), popularity falling off steeply
CHUNK_ROWS = 1_000_000


@dataclass
class Measurement:
    group: str
    label: str
    times_ms: list[float]
    queries: int
    result: str
    sql: list[tuple[str, float]]  # (statement, seconds) of the captured run

    def quantile(self, q: float) -> float:
        return quantile(self.times_ms, q)

    @property
    def p50(self) -> float:
        return self.quantile(0.5)

    @property
    def p95(self) -> float:
        return self.quantile(0.95)

    @property
    def max(self) -> float:
        return max(self.times_ms)


@dataclass(frozen=True)
class Case:
    group: str
    label: str
    fn: Callable[[], str]
    topics: frozenset[str] = frozenset()  # which candidates concern it


@dataclass(frozen=True)
class Variant:
    """A schema or query shape to try: DDL applied and undone around the measurements,
    optionally a candidate installed in-process only, and the topics it concerns."""

    label: str
    topics: frozenset[str]
    apply: tuple[str, ...] = ()
    undo: tuple[str, ...] = ()
    patch: Callable[[], Any] | None = None


@dataclass
class Dataset:
    meta: dict[str, Any]
    agencies: list[Agency]
    supervisor: User
    busy: User
    quiet: User
    hot: Client
    typical: Client
    built_in_s: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def agency(self) -> Agency:
        return self.agencies[0]


# --- candidate query shapes (installed in this process only) -----------------------------

_EVENTS_FILTERED = selectors.events_filtered  # as the app has it


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# Longer than any request takes from audit_record() to the append (when the id is given).
ID_SLACK = dt.timedelta(hours=1)


def _id_above(moment: dt.datetime):
    """Every event that occurred at or after `moment` has a larger id than this: the last
    event that occurred before `moment - ID_SLACK` was appended before `moment`, and ids
    grow with the append (chain order). One probe of the occurred_at index."""
    before = (
        AuditEvent.objects.filter(occurred_at__lt=moment - ID_SLACK)
        .order_by("-occurred_at")
        .values("pk")[:1]
    )
    return Coalesce(Subquery(before), Value(0), output_field=BigIntegerField())


def _id_below(moment: dt.datetime):
    """Every event that occurred before `moment` has a smaller id than this."""
    after = (
        AuditEvent.objects.filter(occurred_at__gte=moment + ID_SLACK)
        .order_by("occurred_at")
        .values("pk")[:1]
    )
    return Coalesce(Subquery(after), Value(2**63 - 1), output_field=BigIntegerField())


def _events_filtered_candidate(
    events: QuerySet[AuditEvent],
    criteria: dict,
    *,
    ranges: bool = True,
    id_bounds: bool = False,
    actor_id: bool = False,
) -> QuerySet:
    """Candidate for selectors.events_filtered, same rows:
    - ranges: the days as a range on occurred_at (local midnights) instead of
      `occurred_at__date`, which no index can answer;
    - id_bounds: also the ids that range can hold (see _id_above), so that walking the
      (agency, -id) or primary key index newest first starts at the range, not at today;
    - actor_id: the user as `actor_id = (SELECT id ...)`. A join on the user name hides
      which actor it is until run time, so the planner fetches all of the user's events
      and sorts them; a scalar subquery is an InitPlan parameter, and the (actor, -id)
      index hands out the page in order."""
    since, until, username = criteria.get("since"), criteria.get("until"), criteria.get("actor")
    replaced = {"actor": None if actor_id else username}
    if ranges:
        replaced.update(since=None, until=None)
    events = _EVENTS_FILTERED(events, {**criteria, **replaced})
    if actor_id and username:
        actor = User.objects.filter(username=username).values("pk")[:1]
        events = events.filter(actor_id=Subquery(actor))
    if ranges and since:
        start = _local_midnight(since)
        events = events.filter(occurred_at__gte=start)
        if id_bounds:
            events = events.filter(pk__gt=_id_above(start))
    if ranges and until:
        end = _local_midnight(until + dt.timedelta(days=1))
        events = events.filter(occurred_at__lt=end)
        if id_bounds:
            events = events.filter(pk__lt=_id_below(end))
    return events


def _anomalies_candidate(
    events: QuerySet[AuditEvent], *, now: dt.datetime | None = None, count_rows: bool = False
) -> list[selectors.Anomaly]:
    """Candidate for selectors.anomalies, same rules: the baseline and today as ranges on
    occurred_at instead of `occurred_at__date` (which casts every row); with count_rows,
    COUNT(*) instead of COUNT(id) and no ORDER BY where none is needed, so that an index
    holding (agency_id, occurred_at, actor_id, action, outcome, query_hash) answers
    without reading the table."""
    rules = settings.AUDIT_ANOMALY
    now = now or timezone.now()
    today = timezone.localdate(now)
    counted = Count("*") if count_rows else Count("pk")
    window = events.filter(occurred_at__gte=now - dt.timedelta(days=rules["window_days"]))
    found: list[selectors.Anomaly] = []

    reads = events.filter(action__in=["view", "search", "export"], actor__isnull=False)
    baseline_days = rules["baseline_days"]
    history = reads.filter(
        occurred_at__gte=_local_midnight(today - dt.timedelta(days=baseline_days)),
        occurred_at__lt=_local_midnight(today),
    )
    usual = dict(history.values_list("actor__username").annotate(n=counted))
    todays = reads.filter(
        occurred_at__gte=_local_midnight(today),
        occurred_at__lt=_local_midnight(today + dt.timedelta(days=1)),
    )
    for username, count in todays.values_list("actor__username").annotate(n=counted):
        average = usual.get(username, 0) / baseline_days
        if count >= rules["volume_min"] and count > rules["volume_factor"] * average:
            found.append(selectors.Anomaly("volume", username, f"{count} / {average:.0f}"))

    start, end = rules["working_hours"]
    off_hours = (
        window.filter(actor__isnull=False)
        .annotate(hour=ExtractHour("occurred_at"), weekday=ExtractIsoWeekDay("occurred_at"))
        .filter(Q(hour__lt=start) | Q(hour__gte=end) | Q(weekday__gte=6))
    )
    for username, count in off_hours.values_list("actor__username").annotate(n=counted):
        found.append(selectors.Anomaly("off_hours", username, str(count)))

    denied = window.filter(outcome=AuditEvent.Outcome.DENIED, actor__isnull=False)
    for username, count in denied.values_list("actor__username").annotate(n=counted):
        if count >= rules["denied_min"]:
            found.append(selectors.Anomaly("denied", username, str(count)))

    searched = (
        AuditEvent.objects.filter(
            action="search", occurred_at__gte=now - dt.timedelta(days=rules["window_days"])
        )
        .exclude(query_hash="")
        .values("query_hash")
        .annotate(agencies=Count("agency", distinct=True))
        .filter(agencies__gte=rules["same_name_agencies"])
    )
    own_searches = window.filter(action="search")
    if count_rows:
        own_searches = own_searches.order_by()
    own = set(own_searches.values_list("query_hash", flat=True))
    for row in searched:
        if row["query_hash"] in own:
            found.append(selectors.Anomaly("same_name", row["query_hash"], str(row["agencies"])))
    return found


@contextmanager
def _patched(**replacements: Callable) -> Iterator[None]:
    """Install candidates in audit.selectors (this process only); the views call them
    through the module, so the HTTP pages use them too."""
    originals = {name: getattr(selectors, name) for name in replacements}
    for name, candidate in replacements.items():
        setattr(selectors, name, candidate)
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(selectors, name, original)


def _candidate(*, id_bounds=False, actor_id=False, count_rows=False, dates=True):
    """A patch factory for Variant.patch."""
    replacements: dict[str, Callable] = {
        "events_filtered": partial(
            _events_filtered_candidate, ranges=dates, id_bounds=id_bounds, actor_id=actor_id
        )
    }
    if dates:
        replacements["anomalies"] = partial(_anomalies_candidate, count_rows=count_rows)
    return lambda: _patched(**replacements)


# --- the command ---------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Benchmark the audit review, 'who saw this record', anomalies and the hash chain "
        "with 10M synthetic events (only on a PostgreSQL database whose name contains 'bench')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=10_000_000, help="synthetic events")
        parser.add_argument("--agencies", type=int, default=len(AGENCY_WEIGHTS))
        parser.add_argument("--users", type=int, default=2_000, help="staff in all agencies")
        parser.add_argument(
            "--clients", type=int, default=1_000_000, help="records the events are about"
        )
        parser.add_argument("--days", type=int, default=365, help="time span of the events")
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per case")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--append-events", type=int, default=5_000, help="real events for chain_append"
        )
        parser.add_argument(
            "--chain-events", type=int, default=200_000, help="real chain for chain_verify"
        )
        parser.add_argument("--rebuild", action="store_true", help="drop and build the data")
        parser.add_argument("--skip-candidates", action="store_true")
        parser.add_argument("--skip-chain", action="store_true")
        parser.add_argument("--teardown", action="store_true", help="drop the synthetic data")

    def handle(self, *args, **options) -> None:
        self.verbosity = options["verbosity"]
        bench_database_required("ten million rows", "audit_bench")
        if options["teardown"]:
            started = time.perf_counter()
            self._teardown()
            self.stdout.write(f"Synthetic data dropped in {time.perf_counter() - started:.1f} s.")
            return
        if not 2 <= options["agencies"] <= len(AGENCY_WEIGHTS):
            raise CommandError(f"--agencies must lie between 2 and {len(AGENCY_WEIGHTS)}.")
        if options["users"] < 10 * options["agencies"] or options["clients"] <= TYPICAL_SLOT:
            raise CommandError(f"Need 10 staff per agency and more than {TYPICAL_SLOT} clients.")
        # The test client's WhiteNoise misses collectstatic's folder; pages still render.
        warnings.filterwarnings("ignore", message="No directory at")
        load_before = os.getloadavg()
        dataset = self._dataset(options)
        self._undo_interrupted_run()
        self._drop_events_of_earlier_runs(dataset)
        self._print_setup(dataset, load_before)

        with _http_settings():
            self._suite(dataset, options)

        if not options["skip_chain"]:
            self._chain(dataset, options)
        load_after = os.getloadavg()
        self.stdout.write(
            f"\nLoad average (1/5/15 min) before {_load(load_before)}, after {_load(load_after)} "
            f"on {os.cpu_count()} cores."
        )

    def _suite(self, dataset: Dataset, options: dict[str, Any]) -> None:
        cases = self._cases(dataset)
        self.stdout.write(self.style.MIGRATE_HEADING("\n== As migrated =="))
        baseline = self._run(cases, options["repeat"])
        self._print_table(baseline)
        self._print_plans(self._slowest(baseline), "slowest cases")
        if options["skip_candidates"]:
            return
        results = {"A: as migrated": baseline}
        for variant in self._candidate_variants():
            chosen = [case for case in cases if case.topics & variant.topics]
            self.stdout.write(self.style.MIGRATE_HEADING(f"\n== Variant: {variant.label} =="))
            try:
                execute_timed(variant.apply, self.stdout.write)
                with variant.patch() if variant.patch else nullcontext():
                    measured = self._run(chosen, options["repeat"])
                    self._print_table(measured)
                    self._print_plans(self._slowest(measured, limit=4), variant.label)
            finally:
                execute_timed(variant.undo, self.stdout.write)
            results[variant.label] = measured
        self._print_comparison(results)

    # --- data -----------------------------------------------------------------------------

    def _meta(self) -> dict[str, Any] | None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dataset'")  # noqa: S608
            row = cursor.fetchone()
        if row is None:
            return None
        return json.loads(row[0]) if isinstance(row[0], str) else row[0]

    def _dataset(self, options: dict[str, Any]) -> Dataset:
        meta = self._meta()
        built_in = None
        if options["rebuild"] or not self._has_size(meta, options):
            if meta is not None or Agency.objects.filter(slug__startswith=PREFIX).exists():
                self.stdout.write("Synthetic data of another size found; dropping it.")
                self._teardown()
            started = time.perf_counter()
            self._build(options)
            built_in = time.perf_counter() - started
            meta = self._meta()
        else:
            self.stdout.write("Reusing the synthetic events already in this database.")
        agencies = list(Agency.objects.filter(pk__in=meta["agencies"]))
        agencies.sort(key=lambda a: meta["agencies"].index(a.pk))
        staff = self._staff_of(agencies[0])
        return Dataset(
            meta=meta,
            agencies=agencies,
            supervisor=next(u for u, role in staff if role == Membership.Role.SUPERVISOR),
            busy=staff[0][0],
            quiet=[u for u, role in staff if role == Membership.Role.CASEWORKER][-1],
            hot=Client.objects.get(pk=meta["hot"]),
            typical=Client.objects.get(pk=meta["typical"]),
            built_in_s=built_in,
        )

    def _has_size(self, meta: dict[str, Any] | None, options: dict[str, Any]) -> bool:
        if meta is None:
            return False
        wanted = ("events", "agencies_count", "users", "clients", "days", "seed")
        if any(meta.get(key) != options[key.removesuffix("_count")] for key in wanted):
            return False
        if Agency.objects.filter(pk__in=meta["agencies"]).count() != len(meta["agencies"]):
            return False
        if not Client.objects.filter(pk__in=[meta["hot"], meta["typical"]]).count() == 2:
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {TABLE} WHERE id BETWEEN %s AND %s",  # noqa: S608
                [meta["first_id"], meta["last_id"]],
            )
            return cursor.fetchone()[0] == meta["events"]

    def _staff_of(self, agency: Agency) -> list[tuple[User, str]]:
        """The agency's staff in the order the synthetic events pick them: caseworkers
        first (the first is the busiest), then supervisors, then the agency admin."""
        order = {
            Membership.Role.CASEWORKER: 0,
            Membership.Role.SUPERVISOR: 1,
            Membership.Role.AGENCY_ADMIN: 2,
        }
        memberships = Membership.objects.filter(agency=agency).select_related("user")
        staff = [(m.user, m.role) for m in memberships]
        staff.sort(key=lambda pair: (order[pair[1]], pair[0].username))
        return staff

    def _build(self, options: dict[str, Any]) -> None:
        log = stepper("Building", self.stdout.write, width=60)
        with transaction.atomic():
            agencies = self._agencies_and_staff(options)
            log(f"{len(agencies)} agencies, {options['users']:,} staff (ORM, bulk)")
            hot, typical = self._measured_records(agencies[0])
            log("2 client records to look up (client_register)")
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cursor.execute("SELECT setseed(%s)", [(options["seed"] % 1000) / 1000])
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
                sequence = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s)", [sequence])
                base = cursor.fetchone()[0]
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the records' deferred checks
                dropped = self._drop_for_load(cursor)
                log(f"dropped {len(dropped)} secondary indexes and constraints for the load")
                end = timezone.now().replace(minute=0, second=0, microsecond=0)
                start = end - dt.timedelta(days=options["days"])
                params = self._build_params(agencies, options)
                sql = _chunk_sql(hot.pk, typical.pk, options["clients"])
                for slots in _chunks(_slots(start, end, options["events"])):
                    cursor.execute(
                        sql,
                        {
                            **params,
                            "base": base,
                            "starts": [s[0] for s in slots],
                            "firsts": [s[1] for s in slots],
                            "counts": [s[2] for s in slots],
                        },
                    )
                    last = slots[-1][1] + slots[-1][2]
                    log(
                        f"events up to {timezone.localtime(slots[-1][0]):%Y-%m-%d} "
                        f"({last:,} of {options['events']:,})"
                    )
                for name, definition in dropped:
                    cursor.execute(definition)
                    log(f"rebuilt {name}")
                last_id = base + options["events"] - 1
                cursor.execute("SELECT setval(%s, %s)", [sequence, last_id])
                meta = {
                    "events": options["events"],
                    "agencies_count": options["agencies"],
                    "users": options["users"],
                    "clients": options["clients"],
                    "days": options["days"],
                    "seed": options["seed"],
                    "first_id": base,
                    "last_id": last_id,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "agencies": [a.pk for a in agencies],
                    "hot": hot.pk,
                    "typical": typical.pk,
                }
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb)"
                )
                cursor.execute(
                    f"INSERT INTO {META_TABLE} VALUES ('dataset', %s) "  # noqa: S608
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    [json.dumps(meta)],
                )
        with connection.cursor() as cursor:
            for table in (
                TABLE,
                User._meta.db_table,
                Membership._meta.db_table,
                Agency._meta.db_table,
            ):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        log("VACUUM ANALYZE")

    def _agencies_and_staff(self, options: dict[str, Any]) -> list[Agency]:
        """Agencies through the service; their staff in bulk (a few thousand rows), with
        the memberships and group places membership_set would give them."""
        count = options["agencies"]
        weights = AGENCY_WEIGHTS[:count]
        agencies, users, memberships = [], [], []
        unusable = make_password(None)
        for i, weight in enumerate(weights):
            slug = f"{PREFIX}{i:02d}"
            agency = agency_create(
                name=f"Audit benchmark agency {i:02d}",
                slug=slug,
                kind=AGENCY_KINDS[i % len(AGENCY_KINDS)],
            )
            agencies.append(agency)
            size = max(10, round(options["users"] * weight / sum(weights)))
            supervisors = max(2, round(size * 0.04))
            roles = (
                [Membership.Role.CASEWORKER] * (size - supervisors - 1)
                + [Membership.Role.SUPERVISOR] * supervisors
                + [Membership.Role.AGENCY_ADMIN]
            )
            for j, role in enumerate(roles):
                user = User(username=f"{slug}-{role}-{j:04d}", password=unusable)
                users.append(user)
                memberships.append((user, agency, role))
        User.objects.bulk_create(users, batch_size=1000)
        Membership.objects.bulk_create(
            [Membership(user=u, agency=a, role=role) for u, a, role in memberships],
            batch_size=1000,
        )
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=u.pk, group_id=a.group_id) for u, a, _role in memberships],
            batch_size=1000,
        )
        return agencies

    def _measured_records(self, agency: Agency) -> tuple[Client, Client]:
        """Two records registered by the measured agency (whole-record permission row by
        access_rebuild): one with an active case (hot), one looked at now and then."""
        actor = self._staff_of(agency)[0][0]
        return tuple(
            client_register(
                agency=agency,
                actor=actor,
                fields={"family_name": "Auditbench", "given_names": given, "sex": "u"},
            )
            for given in ("Hot", "Typical")
        )

    def _drop_for_load(self, cursor) -> list[tuple[str, str]]:
        """Secondary indexes, the unique hash and the foreign keys: dropped for the load,
        recreated from their definitions (one index build and one join each)."""
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text,
                   pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [TABLE],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, 1
            """,
            [TABLE],
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {name}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        return [
            *((name, f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {d}") for name, d in constraints),
            *indexes,
        ]

    def _build_params(self, agencies: list[Agency], options: dict[str, Any]) -> dict[str, Any]:
        """Arrays the SQL picks from: staff per agency (offsets, sizes), kinds by weight."""
        users, roles, offsets, sizes = [], [], [], []
        for agency in agencies:
            staff = self._staff_of(agency)
            offsets.append(len(users))
            sizes.append(len(staff))
            users += [u.pk for u, _role in staff]
            roles += [role for _user, role in staff]
        weights = AGENCY_WEIGHTS[: len(agencies)]
        kinds_total = sum(weight for _kind, weight in KINDS)
        return {
            "agencies": [a.pk for a in agencies],
            "agency_bounds": _lower_bounds(weights),
            "users": users,
            "roles": roles,
            "offsets": offsets,
            "sizes": sizes,
            "kinds": [kind for kind, _weight in KINDS],
            "kind_bounds": _lower_bounds([w / kinds_total for _kind, w in KINDS]),
            "section_sets": [json.dumps(s) for s in SECTION_SETS],
            "field_sets": [json.dumps(s) for s in FIELD_SETS],
            "create_fields": json.dumps(CREATE_FIELDS),
            "names": NAMES,
        }

    def _undo_interrupted_run(self) -> None:
        """Candidate indexes left behind, indexes dropped for an append measurement and
        not yet rebuilt, the chain's schema: as before the interrupted run."""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {CHAIN_SCHEMA} CASCADE")
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
                [TABLE, "bench\\_audit\\_%"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                self.stdout.write(f"Dropped candidate index {name} of an interrupted run.")
        for definition in self._dropped_indexes():
            execute_timed(
                (definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1),),
                self.stdout.write,
            )
        self._set_dropped_indexes([])

    def _dropped_indexes(self) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dropped'")  # noqa: S608
            row = cursor.fetchone()
        if row is None:
            return []
        return json.loads(row[0]) if isinstance(row[0], str) else row[0]

    def _set_dropped_indexes(self, definitions: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {META_TABLE} VALUES ('dropped', %s) "  # noqa: S608
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [json.dumps(definitions)],
            )

    def _drop_events_of_earlier_runs(self, dataset: Dataset) -> None:
        """Real events appended by earlier runs (pages, chain_append) after the synthetic
        ones: removed through the purge switch of the append-only trigger, so that every
        run measures the same table."""
        users = list(User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL audit.purge = 'on'")
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE id > %s "  # noqa: S608
                "AND (agency_id = ANY(%s) OR actor_id = ANY(%s))",
                [dataset.meta["last_id"], dataset.meta["agencies"], users],
            )
            if cursor.rowcount:
                dataset.notes.append(f"{cursor.rowcount:,} events of earlier runs removed")

    def _teardown(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {CHAIN_SCHEMA} CASCADE")
        meta = self._meta() or {}
        agencies = list(Agency.objects.filter(slug__startswith=PREFIX))
        ids = [a.pk for a in agencies]
        groups = [a.group_id for a in agencies]
        users = list(User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True))
        first, last = meta.get("first_id", 0), meta.get("last_id", -1)
        with transaction.atomic(), connection.cursor() as cursor:
            # Anything in the log that is neither synthetic nor by the benchmark's staff?
            cursor.execute(
                f"SELECT count(*) FROM {TABLE} WHERE id NOT BETWEEN %s AND %s "  # noqa: S608
                "AND (agency_id IS NULL OR NOT agency_id = ANY(%s)) "
                "AND (actor_id IS NULL OR NOT actor_id = ANY(%s))",
                [first, last, ids, users],
            )
            if cursor.fetchone()[0] == 0:
                # Only benchmark events: TRUNCATE is no row event, the trigger allows it.
                cursor.execute(f"TRUNCATE {TABLE}")
            else:
                cursor.execute("SET LOCAL audit.purge = 'on'")
                cursor.execute(
                    f"DELETE FROM {TABLE} WHERE id BETWEEN %s AND %s "  # noqa: S608
                    "OR agency_id = ANY(%s) OR actor_id = ANY(%s)",
                    [first, last, ids, users],
                )
            clients = Client.objects.filter(registered_by__in=ids)
            ClientGroupObjectPermission.objects.filter(group_id__in=groups).delete()
            client_ids = list(clients.values_list("pk", flat=True))
            clients.delete()
            Client.history.filter(id__in=client_ids).delete()
            Membership.objects.filter(agency__in=ids).delete()
            User.objects.filter(pk__in=users).delete()
            Agency.objects.filter(pk__in=ids).delete()
            Group.objects.filter(pk__in=groups).delete()
            cursor.execute(f"DROP TABLE IF EXISTS {META_TABLE}")

    # --- the suite ------------------------------------------------------------------------

    def _cases(self, dataset: Dataset) -> list[Case]:
        supervisor = dataset.supervisor
        selectors_group = "audit list page 1/5 (selectors, as the view calls them)"
        today = timezone.localdate()

        def listing(criteria: dict[str, Any], page: int = 1) -> Callable[[], str]:
            oldest = criteria.get("order") == "oldest"

            def events():
                visible = selectors.events_visible_to(supervisor)
                return selectors.events_filtered(visible, criteria)

            after = None
            for _ in range(page - 1):
                _rows, after = selectors.events_page(events(), oldest_first=oldest, after=after)

            def fn() -> str:
                rows, cursor = selectors.events_page(events(), oldest_first=oldest, after=after)
                return f"{len(rows)} rows{', next' if cursor else ''}"

            return fn

        def accesses(client: Client, days: int) -> Callable[[], str]:
            def fn() -> str:
                rows = list(selectors.record_accesses(client.pk, days=days)[:2000])
                agencies = len({row.agency_id for row in rows})
                return f"{len(rows)} events, {agencies} agencies"

            return fn

        def anomalies() -> str:
            flags = selectors.anomalies(selectors.events_visible_to(supervisor))
            rules = Counter(flag.rule for flag in flags)
            return f"{len(flags)} flags " + ",".join(f"{k}:{n}" for k, n in sorted(rules.items()))

        def purge_anchor() -> str:
            return "genesis" if chain._purge_anchor() == chain.GENESIS else "purge found"

        busy, quiet = dataset.busy.username, dataset.quiet.username
        hot, typical = dataset.hot.pk, dataset.typical.pk
        ago = (today - dt.timedelta(days=100), today - dt.timedelta(days=87))
        one_day = today - dt.timedelta(days=180)
        dates, client, actor = frozenset({"dates"}), frozenset({"client"}), frozenset({"actor"})
        cases = [
            Case(selectors_group, "agency, newest first, page 1", listing({})),
            Case(selectors_group, "agency, newest first, page 5 (cursor)", listing({}, 5)),
            Case(selectors_group, "agency, oldest first, page 1", listing({"order": "oldest"})),
            Case(
                selectors_group,
                f"user (busiest) {busy[-20:]}, page 1",
                listing({"actor": busy}),
                actor,
            ),
            Case(selectors_group, "user (busiest), page 5", listing({"actor": busy}, 5), actor),
            Case(
                selectors_group,
                f"user (quiet) {quiet[-20:]}, page 1",
                listing({"actor": quiet}),
                actor,
            ),
            Case(selectors_group, f"client {hot} (hot), page 1", listing({"client": hot}), client),
            Case(
                selectors_group,
                f"client {typical} (typical), page 1",
                listing({"client": typical}),
                client,
            ),
            Case(selectors_group, "outcome denied, page 1", listing({"outcome": "denied"})),
            Case(
                selectors_group,
                "action view + 14 days, 3 months ago",
                listing({"action": "view", "since": ago[0], "until": ago[1]}),
                dates,
            ),
            Case(
                selectors_group,
                "action export + 14 days, 3 months ago",
                listing({"action": "export", "since": ago[0], "until": ago[1]}),
                dates,
            ),
            Case(
                selectors_group,
                "one day, 6 months ago (since = until)",
                listing({"since": one_day, "until": one_day}),
                dates,
            ),
            Case(
                selectors_group,
                "action export + last 30 days",
                listing({"action": "export", "since": today - dt.timedelta(days=30)}),
                dates,
            ),
        ]
        who = "who saw this record (record_accesses, [:2000] as the view)"
        cases += [
            Case(who, f"client {hot} (hot), 30 days", accesses(dataset.hot, 30), client),
            Case(who, f"client {hot} (hot), 365 days", accesses(dataset.hot, 365), client),
            Case(
                who, f"client {typical} (typical), 30 days", accesses(dataset.typical, 30), client
            ),
            Case(
                who, f"client {typical} (typical), 365 days", accesses(dataset.typical, 365), client
            ),
        ]
        cases += [
            Case(
                "anomalies (every /audit/ page computes them)",
                f"anomalies() for {dataset.agency.slug} (biggest agency)",
                anomalies,
                frozenset({"dates", "anomalies"}),
            ),
            Case(
                "chain_verify start",
                "_purge_anchor(): last purge event",
                purge_anchor,
                frozenset({"purge"}),
            ),
        ]
        cases += self._page_cases(dataset)
        return cases

    def _page_cases(self, dataset: Dataset) -> list[Case]:
        """Whole requests through the test client (middleware, ATOMIC_REQUESTS, template,
        the request's own audit event appended to the chain)."""
        http = HttpClient(HTTP_HOST=HOST)
        http.force_login(dataset.supervisor, backend=settings.AUTHENTICATION_BACKENDS[0])
        visible = selectors.events_visible_to(dataset.supervisor)
        after = None
        for _ in range(4):
            _rows, after = selectors.events_page(visible, oldest_first=False, after=after)
        event_list = reverse("audit:event-list")

        def get(url: str, query: dict[str, Any] | None = None) -> Callable[[], str]:
            def fn() -> str:
                response = http.get(url, query or {})
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                return f"200, {len(response.content) // 1024} KiB"

            return fn

        def accesses_url(client: Client) -> str:
            return reverse("audit:record-accesses", args=[client.pk])

        pages = "pages (HTTP, whole request, supervisor of the biggest agency)"
        # The log's pages compute the anomalies too; the record pages do not.
        log, record = frozenset({"dates", "anomalies"}), frozenset({"client"})
        return [
            Case(pages, "/audit/", get(event_list), log),
            Case(pages, "/audit/?after= (page 5)", get(event_list, {"after": after}), log),
            Case(
                pages,
                "/audit/?actor= (busiest user)",
                get(event_list, {"actor": dataset.busy.username}),
                log | {"actor"},
            ),
            Case(
                pages,
                "/audit/?client= (hot record)",
                get(event_list, {"client": dataset.hot.pk}),
                log | record,
            ),
            Case(pages, "/audit/clients/<hot>/ (30 days)", get(accesses_url(dataset.hot)), record),
            Case(
                pages,
                "/audit/clients/<hot>/?days=365",
                get(accesses_url(dataset.hot), {"days": 365}),
                record,
            ),
            Case(
                pages,
                "/audit/clients/<typical>/ (30 days)",
                get(accesses_url(dataset.typical)),
                record,
            ),
            Case(
                pages,
                "/audit/clients/<hot>/?days=365&format=csv",
                get(accesses_url(dataset.hot), {"days": 365, "format": "csv"}),
                record,
            ),
        ]

    def _run(self, cases: list[Case], repeat: int) -> list[Measurement]:
        # A long-running worker keeps its connection; no reconnect inside a case.
        connection.ensure_connection()
        connection.close_at = None
        return [self._measure(case, repeat) for case in cases]

    def _measure(self, case: Case, repeat: int) -> Measurement:
        case.fn()  # warm: plans, caches, buffers
        with CaptureQueriesContext(connection) as captured:
            result = case.fn()
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

    def _candidate_variants(self) -> list[Variant]:
        covering = (
            f"CREATE INDEX bench_audit_agency_time ON {TABLE} "
            "(agency_id, occurred_at) INCLUDE (actor_id, action, outcome, query_hash)"
        )
        searches = (
            f"CREATE INDEX bench_audit_search_time ON {TABLE} (occurred_at) "
            "INCLUDE (query_hash, agency_id) WHERE action = 'search' AND query_hash <> ''"
        )
        purge = f"CREATE INDEX bench_audit_purge ON {TABLE} (id) WHERE action = 'purge'"
        analyze = f"ANALYZE {TABLE}"
        drop_covering = "DROP INDEX bench_audit_agency_time"
        drop_searches = "DROP INDEX bench_audit_search_time"
        drop_purge = "DROP INDEX bench_audit_purge"
        dates = frozenset({"dates", "anomalies"})
        return [
            Variant("B: date ranges (query)", dates, patch=_candidate()),
            Variant("C: date ranges + id bounds (query)", dates, patch=_candidate(id_bounds=True)),
            Variant(
                "D: C + covering index, COUNT(*) in anomalies",
                dates,
                (covering, analyze),
                (drop_covering,),
                _candidate(id_bounds=True, count_rows=True),
            ),
            Variant(
                "E: D + partial index for name searches",
                dates,
                (covering, searches, analyze),
                (drop_covering, drop_searches),
                _candidate(id_bounds=True, count_rows=True),
            ),
            Variant(
                "F: user as actor_id subquery (query)",
                frozenset({"actor"}),
                patch=_candidate(actor_id=True, dates=False),
            ),
            Variant(
                "G: partial index on purge events", frozenset({"purge"}), (purge,), (drop_purge,)
            ),
            Variant(
                "H: all of B-G together",
                dates | {"actor", "purge"},
                (covering, searches, purge, analyze),
                (drop_covering, drop_searches, drop_purge),
                _candidate(id_bounds=True, count_rows=True, actor_id=True),
            ),
        ]

    # --- the hash chain -------------------------------------------------------------------

    def _chain(self, dataset: Dataset, options: dict[str, Any]) -> None:
        w = self.stdout.write
        w(self.style.MIGRATE_HEADING("\n== Hash chain =="))
        staff = self._staff_of(dataset.agency)
        rng = random.Random(options["seed"])  # noqa: S311 - reproducible synthetic events

        # 1. Appending as requests do, at the head of the ten-million-event table; then
        # again without the indexes nothing reads (bench only, rebuilt right after).
        total = options["append_events"]
        events, transactions, append = self._append(dataset, staff, rng, total)
        w(
            f"chain_append on the {dataset.meta['events']:,}-event table: {total:,} real events "
            f"in {transactions:,} transactions of 1-3 (as requests): {events:,.0f} events/s, "
            f"{append.result}; per transaction p50 {append.p50:.2f} ms, p95 {append.p95:.2f} "
            f"ms, max {append.max:.1f} ms; {append.queries} SQL for 2 events (lock, head, "
            f"2 INSERTs)"
        )
        redundant = self._redundant_indexes()
        if redundant:
            # Written down first: a run interrupted here rebuilds them when it starts again.
            self._set_dropped_indexes([definition for _name, definition in redundant])
            execute_timed(
                tuple(f"DROP INDEX {name}" for name, _definition in redundant), self.stdout.write
            )
            try:
                events, transactions, append = self._append(dataset, staff, rng, total)
            finally:
                execute_timed(
                    tuple(definition for _name, definition in redundant), self.stdout.write
                )
                self._set_dropped_indexes([])
            w(
                f"  the same without {', '.join(name for name, _d in redundant)}: "
                f"{events:,.0f} events/s, {append.result}; p50 {append.p50:.2f} ms, p95 "
                f"{append.p95:.2f} ms, max {append.max:.1f} ms"
            )
        w(
            "  the advisory lock serialises appends from the head lookup to COMMIT, so this is "
            "also about the ceiling for audited requests per second across all workers."
        )

        # 2. A real chain in a table of its own: built with chain_append, then verified.
        count = options["chain_events"]
        with self._chain_schema():
            started = time.perf_counter()
            built = 0
            while built < count:
                size = min(1000, count - built)
                events = [_real_event(rng, staff, dataset.agency) for _ in range(size)]
                with transaction.atomic():
                    chain.chain_append(events)
                built += size
            elapsed = time.perf_counter() - started
            w(
                f"chain_append in batches of 1,000 into an empty table ({CHAIN_SCHEMA}): "
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
            best = max(rates)
            w(
                f"chain_verify over the real chain of {count:,} events: "
                + ", ".join(f"{r:,.0f}" for r in rates)
                + f" events/s (3 runs, intact) -> 10,000,000 events in ~{1e7 / best / 60:.1f} "
                f"min at the best rate"
            )

        # 3. The same work over the big table: read in id order in batches, re-hash.
        slice_size = min(500_000, dataset.meta["events"])
        last = dataset.meta["first_id"] - 1
        checked = 0
        started = time.perf_counter()
        while checked < slice_size:
            batch = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk")[:5000])
            for event in batch:
                # Placeholders never match: the comparison is made, its result ignored.
                _ = event.hash == chain.event_hash(event, event.prev_hash)
            checked += len(batch)
            last = batch[-1].pk
        elapsed = time.perf_counter() - started
        w(
            f"verification work (read in id order, 5,000 a batch, re-hash, compare) over "
            f"{checked:,} synthetic events of the big table: {checked / elapsed:,.0f} events/s "
            f"-> 10,000,000 events in ~{1e7 / (checked / elapsed) / 60:.1f} min"
        )

    def _append(
        self, dataset: Dataset, staff: list[tuple[User, str]], rng: random.Random, total: int
    ) -> tuple[float, int, Measurement]:
        """Append `total` real events in transactions of 1-3 events, as requests do."""
        sizes = (1, 2, 3, 2)  # events per request: mostly one or two, sometimes three
        batches: list[int] = []
        while sum(batches) < total:
            batches.append(min(sizes[len(batches) % len(sizes)], total - sum(batches)))
        times = []
        queries = 0
        started = time.perf_counter()
        for n, size in enumerate(batches):
            events = [_real_event(rng, staff, dataset.agency) for _ in range(size)]
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) if n == 1 else nullcontext() as captured:
                with transaction.atomic():
                    chain.chain_append(events)
            times.append((time.perf_counter() - t0) * 1000)
            if captured is not None:
                queries = sum(
                    not query["sql"].startswith(TRANSACTION_CONTROL)
                    for query in captured.captured_queries
                )
        elapsed = time.perf_counter() - started
        rate = f"{len(batches) / elapsed:,.0f} transactions/s"
        return total / elapsed, len(batches), Measurement("chain", "", times, queries, rate, [])

    def _redundant_indexes(self) -> list[tuple[str, str]]:
        """Indexes no query uses: the LIKE index Django adds for the unique hash, and the
        single-column foreign-key indexes the (actor, -id) and (agency, -id) ones cover."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
                [TABLE],
            )
            indexes = cursor.fetchall()
        return [
            (name, definition)
            for name, definition in indexes
            if "varchar_pattern_ops" in definition
            or definition.endswith(("(actor_id)", "(agency_id)"))
        ]

    @contextmanager
    def _chain_schema(self) -> Iterator[None]:
        """An empty copy of the audit table (indexes, identity) in a schema of its own,
        first on the search path: the ORM then reads and writes it instead."""
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

    # --- output ---------------------------------------------------------------------------

    def _print_setup(self, dataset: Dataset, load: tuple[float, float, float]) -> None:
        w = self.stdout.write
        meta = dataset.meta
        server, version = server_settings(
            [
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "random_page_cost",
                "jit",
                "max_parallel_workers_per_gather",
                "synchronous_commit",
            ]
        )
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
                f"SELECT count(*) FROM {TABLE} WHERE agency_id = %s",  # noqa: S608
                [dataset.agency.pk],
            )
            own = cursor.fetchone()[0]
            cursor.execute(
                "SELECT datname, count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND pid <> pg_backend_pid() AND datname IS NOT NULL GROUP BY 1 ORDER BY 1"
            )
            others = cursor.fetchall()
        w(self.style.MIGRATE_HEADING("\n== Data =="))
        if dataset.built_in_s is not None:
            w(f"built in {dataset.built_in_s:.0f} s")
        w(f"PostgreSQL {version}: {server}")
        w(
            f"{TABLE}: ~{tuples:,} rows, table {table_size}, indexes {index_size}; synthetic ids "
            f"{meta['first_id']:,}..{meta['last_id']:,}, "
            f"{meta['start'][:16]} .. {meta['end'][:16]} UTC"
        )
        w("  " + ", ".join(f"{name} {size}" for name, size in indexes))
        w(
            f"{len(dataset.agencies)} agencies, {meta['users']:,} staff, events about "
            f"{meta['clients']:,} records; measured agency {dataset.agency.slug}: {own:,} events; "
            f"supervisor {dataset.supervisor.username}"
        )
        hot = AuditEvent.objects.filter(selectors._about_client(dataset.hot.pk)).count()
        typical = AuditEvent.objects.filter(selectors._about_client(dataset.typical.pk)).count()
        w(
            f"records: hot {dataset.hot.pk} in {hot:,} events, typical {dataset.typical.pk} in "
            f"{typical:,} events (own + in result lists, all agencies, all time)"
        )
        w(
            "hash/prev_hash of the synthetic events are unique placeholders (sha256 of the id), "
            "not a valid chain; the chain is measured on real events below."
        )
        for note in dataset.notes:
            w(note)
        busy = ", ".join(f"{name} ({n})" for name, n in others) or "none"
        w(
            f"load average {_load(load)} on {os.cpu_count()} cores; active queries in other "
            f"databases: {busy}"
        )

    def _print_table(self, measurements: list[Measurement]) -> None:
        w = self.stdout.write
        header = f"{'case':<52} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>4}  result"
        group = None
        w(header)
        w("-" * len(header))
        for m in measurements:
            if m.group != group:
                group = m.group
                w(self.style.HTTP_INFO(group))
            w(
                f"  {m.label[:50]:<50} {m.p50:8.1f} {m.p95:8.1f} {m.max:8.1f} "
                f"{m.queries:>4}  {m.result}"
            )
        if self.verbosity > 1:
            for m in measurements:
                w(self.style.HTTP_INFO(f"\nSQL of {m.label}:"))
                for sql, seconds in m.sql:
                    w(f"  {seconds * 1000:7.1f} ms  {_sql_summary(sql)}")

    def _slowest(self, measurements: list[Measurement], limit: int = 8) -> list[Measurement]:
        """Selector cases by p50 (the pages run the same queries), at least 20 ms."""
        chosen = [m for m in measurements if not m.group.startswith("pages") and m.p50 >= 20]
        return sorted(chosen, key=lambda m: -m.p50)[:limit]

    def _print_plans(self, measurements: list[Measurement], title: str) -> None:
        """EXPLAIN (ANALYZE, BUFFERS) of the slowest statements of each case, as they ran."""
        if not measurements:
            return
        w = self.stdout.write
        w(self.style.MIGRATE_HEADING(f"\nQuery plans, {title} (EXPLAIN ANALYZE, BUFFERS)"))
        with connection.cursor() as cursor:
            for m in measurements:
                statements = sorted(
                    (s for s in m.sql if s[0].startswith("SELECT") and s[1] >= 0.005),
                    key=lambda s: -s[1],
                )[:2]
                timing = ", ".join(f"{s * 1000:.0f}" for _sql, s in m.sql)
                w(self.style.HTTP_INFO(f"{m.label}: its {m.queries} queries took ms {timing}"))
                for sql, _seconds in statements:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                    plan = cursor.fetchone()[0]
                    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
                    top = plan["Plan"]
                    jit = plan.get("JIT", {}).get("Timing", {}).get("Total")
                    hit, read = top.get("Shared Hit Blocks", 0), top.get("Shared Read Blocks", 0)
                    w(
                        f"  execution {plan['Execution Time']:.1f} ms, planning "
                        f"{plan['Planning Time']:.1f} ms, buffers hit {hit:,} read {read:,}"
                        + (f", JIT {jit:.1f} ms" if jit else "")
                        + f"  [{_sql_summary(sql)}]"
                    )
                    for line in _plan_lines(top):
                        w(f"    {line}")

    def _print_comparison(self, results: dict[str, list[Measurement]]) -> None:
        w = self.stdout.write
        labels = list(results)
        w(self.style.MIGRATE_HEADING("\n== By variant: p50 / p95 ms (SQL queries) =="))
        for label in labels:
            w(f"  {label}")
        keys = [label.split(":")[0] for label in labels]
        w(f"{'case':<52}" + "".join(f" {key:>17}" for key in keys))
        for m in results[labels[0]]:
            cells = []
            for label in labels:
                other = next((o for o in results[label] if o.label == m.label), None)
                cells.append(
                    f"{other.p50:.0f} / {other.p95:.0f} ({other.queries})" if other else "-"
                )
            if any(cell != "-" for cell in cells[1:]):
                w(f"  {m.label[:50]:<50}" + "".join(f" {cell:>17}" for cell in cells))


# --- helpers -------------------------------------------------------------------------------


@contextmanager
def _http_settings() -> Iterator[None]:
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        ALLOWED_HOSTS=[HOST],
        # As `make test`: pages render without collectstatic's manifest.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield


def _load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{value:.2f}" for value in load)


def _lower_bounds(weights) -> list[float]:
    """Lower bounds of buckets for width_bucket(random(), bounds): bucket i has weight i."""
    total = sum(weights)
    bounds, cumulative = [], 0.0
    for weight in weights:
        bounds.append(cumulative / total)
        cumulative += weight
    return bounds


def _slots(start: dt.datetime, end: dt.datetime, total: int) -> list[tuple[dt.datetime, int, int]]:
    """Hours from start to end with how many events each gets (office hours in Berlin,
    quiet nights and weekends, use growing over the year): (start, first number, count)."""
    hours = int((end - start).total_seconds() // 3600)
    weights = []
    for h in range(hours):
        local = timezone.localtime(start + dt.timedelta(hours=h))
        weekday, hour = local.isoweekday(), local.hour
        if weekday <= 5:
            weight = {7: 0.6, 8: 1.0, 9: 1.3, 10: 1.3, 11: 1.2, 12: 0.8, 13: 1.0, 14: 1.1}.get(
                hour, {15: 1.0, 16: 0.7, 17: 0.4, 6: 0.15, 18: 0.15, 19: 0.1}.get(hour, 0.01)
            )
        elif weekday == 6:
            weight = 0.05 if 8 <= hour < 16 else 0.005
        else:
            weight = 0.01 if 9 <= hour < 15 else 0.003
        weights.append(weight * (0.7 + 0.6 * h / hours))
    scale = total / sum(weights)
    slots, cumulative, first = [], 0.0, 0
    for h, weight in enumerate(weights):
        cumulative += weight * scale
        upto = total if h == hours - 1 else round(cumulative)
        if upto > first:
            slots.append((start + dt.timedelta(hours=h), first, upto - first))
            first = upto
    return slots


def _chunks(slots: list[tuple[dt.datetime, int, int]]) -> Iterator[list]:
    chunk: list = []
    rows = 0
    for slot in slots:
        chunk.append(slot)
        rows += slot[2]
        if rows >= CHUNK_ROWS:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


def _remap_sql(column: str, hot: int, typical: int) -> str:
    """A permutation of record ids: the hot measured record takes the traffic of synthetic
    record 1 (one of the active cases), the typical one that of TYPICAL_SLOT."""
    first = f"(CASE {column} WHEN 1 THEN {hot} WHEN {hot} THEN 1 ELSE {column} END)"
    middle = 1 if hot == TYPICAL_SLOT else TYPICAL_SLOT  # where the first swap put it
    return (
        f"(CASE {first} WHEN {middle} THEN {typical} WHEN {typical} THEN {middle} ELSE {first} END)"
    )


def _record_sql(r_active: str, r_pick: str, clients: int) -> str:
    """A record id: an active case with probability HOT_SHARE, else any record."""
    return (
        f"(CASE WHEN {r_active} < {HOT_SHARE} THEN 1 + floor({r_pick} * {HOT_CLIENTS}) "
        f"ELSE 1 + floor({r_pick} * {clients}) END)::bigint"
    )


def _chunk_sql(hot: int, typical: int, clients: int) -> str:
    """INSERT ... SELECT of one chunk of hours (the %(...)s are the arrays of the slots)."""

    def id_list(count: str) -> str:
        record = _record_sql("random()", "random()", clients)
        ids = f"coalesce(jsonb_agg({_remap_sql('x.g', hot, typical)}), '[]'::jsonb)"
        drawn = f"(SELECT {record} AS g FROM generate_series(1, {count})) x"  # noqa: S608
        return f"(SELECT {ids} FROM {drawn})"  # noqa: S608 - numbers and SQL from this module

    record = _remap_sql("e.cid", hot, typical)
    grant_kinds = "('share', 'accept', 'decline', 'revoke', 'request', 'approve')"
    return f"""
        INSERT INTO {TABLE} (id, occurred_at, actor_id, agency_id, role, action, object_type,
            object_id, object_ids, fields, query_hash, history_id, outcome, request_id,
            client_ip, prev_hash, hash)
        SELECT
            e.id,
            e.occurred_at,
            CASE WHEN e.kind = 'login_failed' THEN NULL ELSE (%(users)s::bigint[])[e.u] END,
            CASE WHEN e.kind = 'login_failed' THEN NULL
                 ELSE (%(agencies)s::bigint[])[e.ag] END,
            CASE WHEN e.kind = 'login_failed' THEN '' ELSE (%(roles)s::text[])[e.u] END,
            CASE WHEN e.kind IN ('view_denied', 'view_document', 'audit_view') THEN 'view'
                 WHEN e.kind = 'search_other' THEN 'search' ELSE e.kind END,
            CASE WHEN e.kind = 'view_document' THEN
                      CASE WHEN e.r1 < 0.7 THEN 'clients.identitydocument'
                           ELSE 'clients.casenote' END
                 WHEN e.kind = 'audit_view' THEN 'audit.auditevent'
                 WHEN e.kind IN ('login', 'logout', 'login_failed', 'permission_change')
                      THEN 'auth.user'
                 WHEN e.kind IN ('share', 'accept', 'decline', 'revoke') THEN 'agencies.grant'
                 WHEN e.kind IN ('request', 'approve') THEN 'agencies.accessrequest'
                 ELSE 'clients.client' END,
            CASE WHEN e.kind IN ('view', 'view_denied', 'export', 'create', 'update')
                      THEN {record}::text
                 WHEN e.kind = 'view_document' THEN (1 + floor(e.r2 * 600000))::bigint::text
                 WHEN e.kind IN ('login', 'logout', 'permission_change')
                      THEN ((%(users)s::bigint[])[e.u])::text
                 WHEN e.kind IN {grant_kinds} THEN (1 + floor(e.r2 * 200000))::bigint::text
                 ELSE '' END,
            CASE WHEN e.kind = 'search' THEN {id_list("floor(26 * e.r4 * e.r4)::int")}
                 WHEN e.kind = 'search_other' THEN {id_list("floor(3 * e.r4)::int")}
                 WHEN e.kind = 'audit_view'
                      THEN (SELECT jsonb_agg(e.id - i) FROM generate_series(1, 50) i)
                 ELSE '[]'::jsonb END,
            CASE WHEN e.kind = 'view' THEN
                      (%(section_sets)s::jsonb[])[1 + floor(e.r1 * 4)::int]
                 WHEN e.kind = 'view_denied' THEN '["identity"]'::jsonb
                 WHEN e.kind = 'view_document' THEN '["documents"]'::jsonb
                 WHEN e.kind = 'update' THEN (%(field_sets)s::jsonb[])[1 + floor(e.r1 * 4)::int]
                 WHEN e.kind = 'create' THEN %(create_fields)s::jsonb
                 WHEN e.kind = 'export' THEN '["audit_accesses"]'::jsonb
                 ELSE '[]'::jsonb END,
            CASE WHEN e.kind = 'search'
                 THEN substr(md5('name:' || floor(%(names)s * power(e.r5, 3))::int), 1, 16)
                 ELSE '' END,
            CASE WHEN e.kind IN ('create', 'update') THEN e.id END,
            CASE WHEN e.kind IN ('view_denied', 'login_failed') THEN 'denied'
                 ELSE 'allowed' END,
            md5(e.id::text),
            CASE WHEN e.kind = 'login_failed'
                 THEN ('192.0.2.' || (1 + floor(e.r1 * 250))::int)::inet
                 ELSE ('10.' || e.ag || '.' || (e.u / 250) || '.' || (1 + mod(e.u, 250)))::inet
            END,
            encode(sha256(convert_to('synthetic-' || (e.id - 1), 'UTF8')), 'hex'),
            encode(sha256(convert_to('synthetic-' || e.id, 'UTF8')), 'hex')
        FROM (
            SELECT d.*,
                   {_record_sql("d.r3", "d.r2", clients)} AS cid,
                   (%(offsets)s::int[])[d.ag] + 1
                       + floor((%(sizes)s::int[])[d.ag] * power(d.r_actor, 1.3))::int AS u
            FROM (
                SELECT %(base)s::bigint + s.first_n + k AS id,
                       s.slot_start + ((k + random()) / s.cnt) * interval '1 hour'
                           AS occurred_at,
                       width_bucket(random(), %(agency_bounds)s::float8[]) AS ag,
                       (%(kinds)s::text[])[width_bucket(random(), %(kind_bounds)s::float8[])]
                           AS kind,
                       random() AS r_actor, random() AS r1, random() AS r2, random() AS r3,
                       random() AS r4, random() AS r5
                FROM unnest(%(starts)s::timestamptz[], %(firsts)s::bigint[], %(counts)s::int[])
                     AS s (slot_start, first_n, cnt)
                CROSS JOIN LATERAL generate_series(0, s.cnt - 1) AS k
            ) d
        ) e
    """  # noqa: S608 - table name from model meta, numbers from this module, values as parameters


def _real_event(rng: random.Random, staff: list[tuple[User, str]], agency: Agency) -> AuditEvent:
    """An event as audit_record writes it in a request: a view of a record, or a search
    with the ids it showed and a name fingerprint."""
    user, role = staff[int(len(staff) * rng.random() ** 1.3)]
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=user.pk,
        agency_id=agency.pk,
        role=role,
        request_id=uuid.uuid4().hex,
        client_ip=f"10.0.{rng.randrange(4)}.{rng.randrange(1, 250)}",
        object_type="clients.client",
    )
    if rng.random() < 0.7:
        event.action = AuditEvent.Action.VIEW
        event.object_id = str(rng.randrange(1, 1_000_001))
        event.fields = rng.choice(SECTION_SETS)
    else:
        event.action = AuditEvent.Action.SEARCH
        event.object_ids = [rng.randrange(1, 1_000_001) for _ in range(int(26 * rng.random() ** 2))]
        event.query_hash = f"{rng.getrandbits(64):016x}"
    return event


def _sql_summary(sql: str) -> str:
    text = " ".join(sql.split())
    where = text.find(" WHERE ")
    return (text[where + 1 : where + 200] if where >= 0 else text[:200]) + "..."


def _plan_lines(node: dict, depth: int = 0) -> Iterator[str]:
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
        yield from _plan_lines(child, depth + 1)
