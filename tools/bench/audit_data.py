"""The audit benchmark's data: ten million synthetic events, built with set-based SQL
(INSERT ... SELECT over generate_series, in chunks, with secondary indexes and
constraints dropped for the load and rebuilt).

~10 agencies of unequal size with ~2,000 staff (through `membership_set`), mostly views
and searches of records out of a million, searches showing up to 25 records, twelve
months of office hours, some refused attempts, search fingerprints. Two real records
(`client_register`) take the traffic of an active case ("hot") and of a record looked at
now and then ("typical"). Hash and prev_hash are unique placeholders, not a valid chain
(the chain is measured on real events, see `tools.bench.audit`). What was built is kept
in a table of this database and reused when it has the requested size.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.services import agency_create, membership_set
from clients.models import Client
from tools.bench import audit_events as events
from tools.bench.audit_events import TABLE
from tools.bench.cleanup import synthetic_drop
from tools.bench.harness import Output, execute_timed, stepper, whole_table_index
from workflows.intake.services import client_register

PREFIX = "auditbench-"  # agency slugs and user names of the synthetic data
META_TABLE = "bench_audit_meta"  # what was built (this database only)
CHAIN_SCHEMA = "bench_audit_chain"  # a table of real, chained events for chain_verify
CANDIDATE_PREFIX = "bench_audit_"  # candidate indexes, dropped if a run left them behind

# Share of the events per agency (the first is the big one that is measured).
AGENCY_WEIGHTS = (30, 18, 12, 10, 8, 7, 5, 4, 3, 3)
AGENCY_KINDS = (
    Agency.Kind.REFUGEE_OFFICE,
    Agency.Kind.SOCIAL_WELFARE_OFFICE,
    Agency.Kind.IMMIGRATION_OFFICE,
    Agency.Kind.JOBCENTER,
    Agency.Kind.NGO,
)


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


def dataset(options: dict[str, Any], out: Output) -> Dataset:
    meta = _meta()
    built_in = None
    if options["rebuild"] or not _has_size(meta, options):
        if meta is not None or Agency.objects.filter(slug__startswith=PREFIX).exists():
            out.write("Synthetic data of another size found; dropping it.")
            teardown(out)
        started = time.perf_counter()
        _build(options, out)
        built_in = time.perf_counter() - started
        meta = _meta()
    else:
        out.write("Reusing the synthetic events already in this database.")
    agencies = list(Agency.objects.filter(pk__in=meta["agencies"]))
    agencies.sort(key=lambda a: meta["agencies"].index(a.pk))
    staff = staff_of(agencies[0])
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


def staff_of(agency: Agency) -> list[tuple[User, str]]:
    """The agency's staff in the order the synthetic events pick them: caseworkers first
    (the first is the busiest), then supervisors, then the agency admin."""
    order = {
        Membership.Role.CASEWORKER: 0,
        Membership.Role.SUPERVISOR: 1,
        Membership.Role.AGENCY_ADMIN: 2,
    }
    memberships = Membership.objects.filter(agency=agency).select_related("user")
    staff = [(m.user, m.role) for m in memberships]
    staff.sort(key=lambda pair: (order[pair[1]], pair[0].username))
    return staff


def _meta() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dataset'")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def _has_size(meta: dict[str, Any] | None, options: dict[str, Any]) -> bool:
    if meta is None:
        return False
    wanted = ("events", "agencies_count", "users", "clients", "days", "seed")
    if any(meta.get(key) != options[key.removesuffix("_count")] for key in wanted):
        return False
    if Agency.objects.filter(pk__in=meta["agencies"]).count() != len(meta["agencies"]):
        return False
    if Client.objects.filter(pk__in=[meta["hot"], meta["typical"]]).count() != 2:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {TABLE} WHERE id BETWEEN %s AND %s",  # noqa: S608
            [meta["first_id"], meta["last_id"]],
        )
        return cursor.fetchone()[0] == meta["events"]


# --- building --------------------------------------------------------------------------------


def _build(options: dict[str, Any], out: Output) -> None:
    log = stepper("Building", out.write, width=60)
    with transaction.atomic():
        agencies = _agencies_and_staff(options)
        log(f"{len(agencies)} agencies, {options['users']:,} staff (membership_set)")
        hot, typical = _measured_records(agencies[0])
        log("2 client records to look up (client_register)")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SELECT setseed(%s)", [(options["seed"] % 1000) / 1000])
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            base = cursor.fetchone()[0]
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the records' deferred checks
            dropped = _drop_for_load(cursor)
            log(f"dropped {len(dropped)} secondary indexes and constraints for the load")
            end = timezone.now().replace(minute=0, second=0, microsecond=0)
            start = end - dt.timedelta(days=options["days"])
            params = _build_params(agencies)
            sql = events.chunk_sql(hot.pk, typical.pk, options["clients"])
            for slots in events.chunks(events.slots(start, end, options["events"])):
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
            _meta_set(cursor, "dataset", meta)
    with connection.cursor() as cursor:
        for table in (TABLE, User._meta.db_table, Membership._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
    log("VACUUM ANALYZE")


def _agencies_and_staff(options: dict[str, Any]) -> list[Agency]:
    """Agencies and memberships through the services; the users in bulk."""
    weights = AGENCY_WEIGHTS[: options["agencies"]]
    agencies, staff = [], []
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
            staff.append((User(username=f"{slug}-{role}-{j:04d}", password=unusable), agency, role))
    User.objects.bulk_create([user for user, _agency, _role in staff], batch_size=1000)
    for user, agency, role in staff:
        membership_set(user=user, agency=agency, role=role)
    return agencies


def _measured_records(agency: Agency) -> tuple[Client, Client]:
    """Two records registered by the measured agency: one with an active case (hot), one
    looked at now and then (typical)."""
    actor = staff_of(agency)[0][0]
    return tuple(
        client_register(
            agency=agency,
            actor=actor,
            fields={"family_name": "Auditbench", "given_names": given, "sex": "u"},
        )
        for given in ("Hot", "Typical")
    )


def _drop_for_load(cursor) -> list[tuple[str, str]]:
    """Secondary indexes, the unique hash and the foreign keys: dropped for the load,
    recreated from their definitions (one index build and one join each)."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [TABLE],
    )
    indexes = [(name, whole_table_index(ddl)) for name, ddl in cursor.fetchall()]
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


def _build_params(agencies: list[Agency]) -> dict[str, Any]:
    """Arrays the SQL picks from: staff per agency (offsets, sizes), kinds by weight."""
    users, roles, offsets, sizes = [], [], [], []
    for agency in agencies:
        staff = staff_of(agency)
        offsets.append(len(users))
        sizes.append(len(staff))
        users += [u.pk for u, _role in staff]
        roles += [role for _user, role in staff]
    weights = AGENCY_WEIGHTS[: len(agencies)]
    kinds_total = sum(weight for _kind, weight in events.KINDS)
    return {
        "agencies": [a.pk for a in agencies],
        "agency_bounds": events.lower_bounds(weights),
        "users": users,
        "roles": roles,
        "offsets": offsets,
        "sizes": sizes,
        "kinds": [kind for kind, _weight in events.KINDS],
        "kind_bounds": events.lower_bounds([w / kinds_total for _kind, w in events.KINDS]),
        "section_sets": [json.dumps(s) for s in events.SECTION_SETS],
        "field_sets": [json.dumps(s) for s in events.FIELD_SETS],
        "create_fields": json.dumps(events.CREATE_FIELDS),
        "names": events.NAMES,
    }


# --- between runs ----------------------------------------------------------------------------


def undo_interrupted_run(out: Output) -> None:
    """Candidate indexes left behind, indexes dropped for an append measurement and not
    yet rebuilt, the chain's schema: as before the interrupted run."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {CHAIN_SCHEMA} CASCADE")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
            [TABLE, CANDIDATE_PREFIX.replace("_", "\\_") + "%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            out.write(f"Dropped candidate index {name} of an interrupted run.")
    for definition in dropped_indexes():
        execute_timed(
            (definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1),), out.write
        )
    dropped_indexes_set([])


def dropped_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dropped'")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return []
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def dropped_indexes_set(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        _meta_set(cursor, "dropped", definitions)


def _meta_set(cursor, key: str, value) -> None:
    cursor.execute(
        f"INSERT INTO {META_TABLE} VALUES (%s, %s) "  # noqa: S608
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [key, json.dumps(value)],
    )


def drop_events_of_earlier_runs(data: Dataset) -> None:
    """Real events appended by earlier runs (pages, chain_append) after the synthetic
    ones: removed with the triggers off (bench database only), so that every run
    measures the same table."""
    users = list(User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        # Dev tools on the bench database as its superuser: no trigger fires (the
        # append-only one lets only the purge role delete, and that role may not exist here).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE id > %s "  # noqa: S608
            "AND (agency_id = ANY(%s) OR actor_id = ANY(%s))",
            [data.meta["last_id"], data.meta["agencies"], users],
        )
        if cursor.rowcount:
            data.notes.append(f"{cursor.rowcount:,} events of earlier runs removed")


def teardown(out: Output | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {CHAIN_SCHEMA} CASCADE")
    meta = _meta() or {}
    agencies = list(Agency.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
    users = list(User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True))
    synthetic_drop(
        agencies=agencies,
        users=users,
        events=Q(pk__range=(meta.get("first_id", 0), meta.get("last_id", -1))),
        warn=out.write if out is not None else None,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {META_TABLE}")
