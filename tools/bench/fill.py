"""The load benchmark's database (`manage.py bench_fill`): a fresh database with the demo
agencies and staff (`seed_demo`, no clients), five more agencies, bench users who sign in
with a known password, a million records as the portal writes them, and ten million audit
events on a valid hash chain.

Built with set-based SQL and COPY, reusing the access and audit benchmarks' generators:
- records (`people`): names of five traditions, a share with the name in its original
  script (Cyrillic, Arabic), partial birth dates, search names as the model folds them;
- households (members of one agency sharing a family name), passports for half,
  handovers (grants, some pending in the inboxes) and the permission rows
  `access_rebuild` derives, so that each agency sees ~100k records;
- the change history simple-history writes ("+" for every record, document and
  household, "~" for a fifth of the records whose address changed);
- search and blocking keys by the import's writer (`match_keys_copy`);
- audit events by `audit_events.chunk_sql` into a staging table, then linked in id
  order by `audit.chain.event_hash` (the function chain_verify checks with) and copied
  into the audit table after the events already there.

What was built is recorded in a table of the database; `--reuse` keeps it when it has the
requested size.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from types import SimpleNamespace
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection, transaction
from tqdm import tqdm

from access.models import ClientGroupObjectPermission, Grant
from agencies.models import Agency, Membership, User
from agencies.services import agency_create, membership_set
from audit import chain
from audit.models import AuditEvent
from clients.models import Client, ClientMatchKey, Household, IdentityDocument
from core.identity.names import fold_accents
from tools.bench import access_data, audit_data, people, scripts
from tools.bench import audit_events as events
from tools.bench.harness import BENCH_MARKER, Output, secondary_indexes_drop, stepper
from workflows.imports.writing import match_keys_copy

BENCH_PASSWORD = "bench-load-2026"  # noqa: S105 - synthetic users of a benchmark database
META_TABLE = "bench_fill_meta"
STAGE_TABLE = "bench_fill_audit_stage"
EXTRA_AGENCIES = (
    ("sozialamt-sp", "Sozialamt Spandau", Agency.Kind.SOCIAL_WELFARE_OFFICE),
    ("jobcenter-sp", "Jobcenter Spandau", Agency.Kind.JOBCENTER),
    ("sozialamt-lb", "Sozialamt Lichtenberg", Agency.Kind.SOCIAL_WELFARE_OFFICE),
    ("diakonie", "Diakonie Berlin", Agency.Kind.NGO),
    ("awo", "AWO Berlin", Agency.Kind.NGO),
)
CASEWORKERS = 8  # bench users per agency
SUPERVISORS = 2
KEY_BATCH = 10_000
CHAIN_BATCH = 50_000
HOUSEHOLD_SHARE = 0.35
MOVED_SHARE = 5  # one record in MOVED_SHARE has a "~" version (a new address)
FIRST_ADDRESS = "Erstaufnahme, Oranienburger Str. 285"
EVENT_COLUMNS = (
    "id occurred_at actor_id agency_id role action object_type object_id object_ids fields "
    "query_hash history_id outcome request_id client_ip prev_hash hash"
).split()


def bench_username(slug: str, role: str, number: int) -> str:
    return f"{slug}.bench-{role}-{number:02d}"


def fill(options: dict[str, Any], out: Output) -> None:
    _bench_database_name()
    wanted = {"clients": options["clients"], "events": options["events"], "seed": options["seed"]}
    if options["reuse"]:
        meta = _meta()
        if meta is not None and all(meta.get(k) == v for k, v in wanted.items()):
            out.write(f"Reusing the bench data in this database (built {meta['built_at']}).")
            return
        out.write("No bench data of this size here: filling.")
    started = time.perf_counter()
    log = stepper("bench_fill", out.write, width=55)
    _database_recreate()
    call_command("migrate", verbosity=0)
    log("fresh database, migrated")
    call_command("seed_demo", force=True, clients=0, password=BENCH_PASSWORD, stdout=_Quiet())
    agencies = _agencies()
    staff = _bench_users(agencies)
    users = sum(map(len, staff.values()))
    log(f"{len(agencies)} agencies, {users} bench users (password {BENCH_PASSWORD!r})")
    rng = random.Random(options["seed"])  # noqa: S311 - reproducible synthetic data
    _records(options, agencies, staff, rng, log)
    _vacuum(
        Client,
        Client.history.model,
        Household,
        IdentityDocument,
        Grant,
        ClientGroupObjectPermission,
        ClientMatchKey,
    )
    log("VACUUM ANALYZE")
    _audit_events(options, agencies, log)
    elapsed = time.perf_counter() - started
    _meta_set({**wanted, "built_at": time.strftime("%Y-%m-%d %H:%M"), "seconds": elapsed})
    out.write(f"bench_fill: done in {elapsed / 60:.1f} min.")


class _Quiet:
    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


# --- database ----------------------------------------------------------------------------------


def _bench_database_name() -> str:
    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor != "postgresql" or BENCH_MARKER not in name.lower():
        raise CommandError(
            f"bench_fill drops and rebuilds its database: refusing {name!r} (PostgreSQL, "
            f"a name containing {BENCH_MARKER!r}, e.g. portal_bench)."
        )
    return name


def _database_recreate() -> None:
    """Drop and create the database (through the server's maintenance database)."""
    name = _bench_database_name()
    db = settings.DATABASES["default"]
    connection.close()
    with psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    ) as admin:
        quoted = '"' + name.replace('"', '""') + '"'
        admin.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {quoted}")
        # Where the server offers it (shared_preload_libraries): the statistics the
        # benchmark reads its slowest statements from, in this database only.
        admin.execute(f"ALTER DATABASE {quoted} SET track_io_timing = on")


def _meta() -> dict[str, Any] | None:
    try:
        connection.ensure_connection()
    except OperationalError:  # a new machine: the bench database does not exist yet
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [META_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dataset'")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def _meta_set(value: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb)"
        )
        cursor.execute(
            f"INSERT INTO {META_TABLE} VALUES ('dataset', %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value)],
        )


def _vacuum(*models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- agencies and users ------------------------------------------------------------------------


def _agencies() -> list[Agency]:
    """The demo agencies (seed_demo) and five more: ten agencies of ~100k records each."""
    for slug, name, kind in EXTRA_AGENCIES:
        if not Agency.objects.filter(slug=slug).exists():
            agency_create(name=name, slug=slug, kind=kind)
            admin = User.objects.create(username=f"{slug}.admin", password=make_password(None))
            agency = Agency.objects.get(slug=slug)
            membership_set(user=admin, agency=agency, role=Membership.Role.AGENCY_ADMIN)
    return list(Agency.objects.order_by("pk"))


def _bench_users(agencies: list[Agency]) -> dict[int, list[User]]:
    """Caseworkers and supervisors per agency, one password hash for all (hashing it a
    hundred times would take a minute), no second factor (the portal runs with
    SECOND_FACTOR_REQUIRED=0 for the benchmark)."""
    password = make_password(BENCH_PASSWORD)
    staff: dict[int, list[User]] = {}
    roles = [(Membership.Role.CASEWORKER, n) for n in range(1, CASEWORKERS + 1)] + [
        (Membership.Role.SUPERVISOR, n) for n in range(1, SUPERVISORS + 1)
    ]
    with transaction.atomic():
        for agency in agencies:
            staff[agency.pk] = []
            for role, number in roles:
                user = User.objects.create(
                    username=bench_username(agency.slug, role, number),
                    first_name="Bench",
                    last_name=f"{role.title()} {number:02d}",
                    password=password,
                )
                membership_set(user=user, agency=agency, role=role)
                staff[agency.pk].append(user)
    return staff


# --- records -----------------------------------------------------------------------------------


def _records(options, agencies, staff, rng, log) -> None:
    total = options["clients"]
    ids = [a.pk for a in agencies]
    tables = [
        Client._meta.db_table,
        Client.history.model._meta.db_table,
        ClientGroupObjectPermission._meta.db_table,
        IdentityDocument._meta.db_table,
        IdentityDocument.history.model._meta.db_table,
        Grant._meta.db_table,
        ClientMatchKey._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SELECT setseed(%s)", [(options["seed"] % 1000) / 1000])
        indexes = secondary_indexes_drop(cursor, tables)
        log(f"dropped {len(indexes)} secondary indexes for the load")
        shape = {"clients": total, "visible": total // len(agencies)}
        rows = tqdm(
            _with_original_scripts(people._client_rows(rng, ids, shape), rng),
            total=total,
            desc="records (COPY)",
            unit=" rows",
            mininterval=2,
        )
        columns = ", ".join(people.CLIENT_COLUMNS)
        with cursor.cursor.copy(f"COPY {Client._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        log(f"{total:,} records (COPY)")
        households = _households(cursor, ids)
        log(f"{households:,} households")
        access_data._insert_documents(cursor, agencies)
        log("identity documents (passports for half)")
        caseworkers = [staff[a.pk][0] for a in agencies]
        access_data._insert_grants(cursor, agencies, caseworkers, options["grant_share"])
        log("handovers (grants)")
        access_data._insert_permission_rows(cursor, agencies)
        log("permission rows")
        _history(cursor, agencies, caseworkers)
        log("change history (+ for every row, ~ for a fifth of the records)")
        cursor.execute(f"SELECT id FROM {Client._meta.db_table} ORDER BY id")  # noqa: S608
        client_ids = [pk for (pk,) in cursor.fetchall()]
        for start in tqdm(range(0, len(client_ids), KEY_BATCH), desc="match keys", unit=" batches"):
            match_keys_copy(client_ids[start : start + KEY_BATCH])
        log("search and blocking keys (match_keys_copy)")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        log("foreign key checks")
        for _name, definition in tqdm(indexes, desc="indexes", unit=" indexes"):
            cursor.execute(definition)
        log(f"recreated {len(indexes)} indexes")


def _with_original_scripts(rows, rng: random.Random):
    """Give a share of the records their name in the original script, as intake staff
    type it from a passport, and fold it into the search name as the model does."""
    position = {name: i for i, name in enumerate(people.CLIENT_COLUMNS)}
    family, given = position["family_name"], position["given_names"]
    family_original = position["family_name_original"]
    given_original = position["given_names_original"]
    country, search = position["country_of_birth"], position["search_name"]
    names = [family, given, position["birth_name"], position["former_names"]]
    for row in rows:
        where = row[country]
        if where in ("UA", "MD") and rng.random() < 0.6:
            write = scripts.cyrillic
        elif where in ("SY", "IQ", "AF") and rng.random() < 0.5:
            write = scripts.arabic
        else:
            yield row
            continue
        row = list(row)
        row[family_original] = write(row[family])
        row[given_original] = write(row[given])
        row[search] = fold_accents(
            " ".join([*(row[i] for i in names), row[family_original], row[given_original]])
        )
        yield row


def _households(cursor, agencies: list[int]) -> int:
    """Up to three members of one agency who share a family name form a household (a
    head, a partner, a child), for about a third of the records."""
    clients, households = Client._meta.db_table, Household._meta.db_table
    cursor.execute(
        f"""
        CREATE TEMP TABLE bench_households ON COMMIT DROP AS
        SELECT array_agg(id ORDER BY id) AS ids, min(created_at) AS created_at,
               nextval(pg_get_serial_sequence(%s, 'id')) AS household_id
        FROM (
            SELECT id, created_at, registered_by_id, family_name,
                   (row_number() OVER (PARTITION BY registered_by_id, family_name
                                       ORDER BY id) - 1) / 3 AS grp
            FROM {clients} WHERE registered_by_id = ANY(%s) AND random() < %s
        ) s
        GROUP BY registered_by_id, family_name, grp HAVING count(*) > 1
        """,  # noqa: S608 - table names from model meta, values as parameters
        [households, agencies, HOUSEHOLD_SHARE],
    )
    cursor.execute(
        f"INSERT INTO {households} (id, created_at) "  # noqa: S608
        "SELECT household_id, created_at FROM bench_households"
    )
    count = cursor.rowcount
    cursor.execute(
        f"""
        UPDATE {clients} c
        SET household_id = h.household_id,
            household_role = CASE m.ord WHEN 1 THEN 'head' WHEN 2 THEN 'spouse_partner'
                                        ELSE 'child' END
        FROM bench_households h CROSS JOIN LATERAL unnest(h.ids) WITH ORDINALITY AS m (id, ord)
        WHERE c.id = m.id
        """  # noqa: S608
    )
    return count


def _history_insert(cursor, model, constants: dict[str, str], *, where: str = "TRUE", params=()):
    """INSERT ... SELECT of history rows from the model's rows: each history column takes
    the row's column of the same name or an SQL expression from `constants`."""
    history = model.history.model
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    names, values = [], []
    for field in history._meta.concrete_fields:
        if field.attname == "history_id":
            continue
        names.append(connection.ops.quote_name(field.column))
        if field.attname in constants:
            values.append(constants[field.attname])
        elif field.attname in columns:
            values.append("s." + connection.ops.quote_name(columns[field.attname]))
        else:
            raise NotImplementedError(f"history column not written: {field.attname}")
    cursor.execute(
        f"INSERT INTO {history._meta.db_table} ({', '.join(names)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {model._meta.db_table} s WHERE {where}",
        params,
    )


def _history(cursor, agencies: list[Agency], caseworkers: list[User]) -> None:
    by_agency = (
        "(SELECT m.u FROM unnest(%s::bigint[], %s::bigint[]) AS m (a, u) "
        "WHERE m.a = s.registered_by_id)"
    )
    params = [[a.pk for a in agencies], [u.pk for u in caseworkers]]
    moved = f"mod(s.id, {MOVED_SHARE}) = 0"
    _history_insert(
        cursor,
        Client,
        {
            "history_date": "s.created_at",
            "history_type": "'+'",
            "history_change_reason": "NULL",
            "history_user_id": by_agency,
            "street": f"CASE WHEN {moved} THEN '{FIRST_ADDRESS}' ELSE s.street END",
            "district": f"CASE WHEN {moved} THEN 'mitte' ELSE s.district END",
            "postcode": f"CASE WHEN {moved} THEN '10117' ELSE s.postcode END",
        },
        params=params,
    )
    _history_insert(
        cursor,
        Client,
        {
            "history_date": "s.created_at + interval '20 days'",
            "history_type": "'~'",
            "history_change_reason": "NULL",
            "history_user_id": by_agency,
        },
        where=moved,
        params=params,
    )
    cursor.execute(
        f"UPDATE {Client._meta.db_table} s SET updated_at = s.created_at + interval '20 days' "  # noqa: S608
        f"WHERE {moved}"
    )
    _history_insert(
        cursor,
        IdentityDocument,
        {
            "history_date": "s.created_at",
            "history_type": "'+'",
            "history_change_reason": "NULL",
            "history_user_id": "NULL",
        },
    )
    _history_insert(
        cursor,
        Household,
        {
            "history_date": "s.created_at",
            "history_type": "'+'",
            "history_change_reason": "NULL",
            "history_user_id": "NULL",
        },
    )


# --- audit events ------------------------------------------------------------------------------


def _audit_events(options, agencies: list[Agency], log) -> None:
    """Synthetic events (audit_events.chunk_sql) into a staging table, then linked and
    copied after the events already in the table (seed_demo's, the users')."""
    total = options["events"]
    if not total:
        return
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {Client._meta.db_table}")  # noqa: S608
        clients = cursor.fetchone()[0] or 1
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
        cursor.execute(f"CREATE UNLOGGED TABLE {STAGE_TABLE} (LIKE {table} INCLUDING DEFAULTS)")
        cursor.execute("SELECT setseed(%s)", [(options["seed"] % 1000) / 1000])
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
        base = cursor.fetchone()[0]
    params = audit_data._build_params(agencies)
    sql = events.chunk_sql(1, clients // 2, clients).replace(
        f"INSERT INTO {table} ", f"INSERT INTO {STAGE_TABLE} ", 1
    )
    now = time.time()
    end = _hour(now)
    start = _hour(now - options["days"] * 86400)
    slots = events.slots(start, end, total)
    with tqdm(total=total, desc="audit events (staged)", unit=" events") as bar:
        for chunk in events.chunks(slots):
            with connection.cursor() as cursor:
                cursor.execute(
                    sql,
                    {
                        **params,
                        "base": base,
                        "starts": [s[0] for s in chunk],
                        "firsts": [s[1] for s in chunk],
                        "counts": [s[2] for s in chunk],
                    },
                )
            bar.update(sum(s[2] for s in chunk))
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {STAGE_TABLE} ADD PRIMARY KEY (id)")
    log(f"{total:,} audit events staged (audit_events.chunk_sql)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        dropped = audit_data._drop_for_load(cursor)
        head = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
        prev = head if head is not None else chain.GENESIS
        _chain_copy(cursor, prev, base, total)
        for _name, definition in tqdm(dropped, desc="audit indexes", unit=" indexes"):
            cursor.execute(definition)
        cursor.execute("SELECT setval(%s, %s)", [sequence, base + total - 1])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {STAGE_TABLE}")
        cursor.execute(f"VACUUM ANALYZE {table}")
    log("audit events linked (event_hash) and copied, indexes rebuilt")
    _chain_sample_check()
    log("hash chain checked at its start and end (event_hash on the saved events)")


def _hour(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch - epoch % 3600, tz=dt.UTC)


def _chain_copy(cursor, prev: str, base: int, total: int) -> None:
    """Read the staged events in id order, link them with the function chain_verify
    checks with, and COPY them into the audit table, a batch at a time."""
    read = [c for c in EVENT_COLUMNS if c not in ("prev_hash", "hash")]
    select = (
        f"SELECT {', '.join(read[:-1])}, host(client_ip) FROM {STAGE_TABLE} "  # noqa: S608
        "WHERE id >= %s AND id < %s ORDER BY id"
    )
    copy_sql = f"COPY {AuditEvent._meta.db_table} ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
    event = SimpleNamespace()
    with tqdm(total=total, desc="audit chain (event_hash, COPY)", unit=" events") as bar:
        for start in range(base, base + total, CHAIN_BATCH):
            cursor.execute(select, [start, start + CHAIN_BATCH])
            rows = cursor.fetchall()
            linked = []
            for row in rows:
                values = dict(zip(read, row, strict=True))
                values["object_ids"] = json.loads(values["object_ids"])
                values["fields"] = json.loads(values["fields"])
                event.__dict__.update(values)
                digest = chain.event_hash(event, prev)
                linked.append(
                    (
                        *row[:8],
                        json.dumps(values["object_ids"]),
                        json.dumps(values["fields"]),
                        *row[10:],
                        prev,
                        digest,
                    )
                )
                prev = digest
            with cursor.cursor.copy(copy_sql) as copy:
                for values in linked:
                    copy.write_row(values)
            bar.update(len(rows))


def _chain_sample_check(size: int = 5_000) -> None:
    """The first and last events as the ORM reads them, against their hashes (a full
    walk is `manage.py verify_audit_chain`, minutes at ten million)."""
    first = list(AuditEvent.objects.order_by("pk")[:size])
    last = list(AuditEvent.objects.order_by("-pk")[: size + 1])[::-1]
    for batch in (first, last):
        for before, event in zip(batch, batch[1:], strict=False):
            if event.prev_hash != before.hash or event.hash != chain.event_hash(
                event, event.prev_hash
            ):
                raise CommandError(f"bench_fill: the hash chain breaks at event {event.pk}")
