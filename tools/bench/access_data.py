"""The access benchmark's data: a million synthetic records of several agencies, shaped
like what the portal writes itself, built with set-based SQL (COPY, INSERT ... SELECT).

- agencies and staff through the services (`agency_create`, `membership_set`);
- records with folded search names as the model derives them, passports for half;
- handovers to one other agency (grants: mostly active, some expired, revoked, pending);
- the permission rows `access.rows.access_rebuild` derives: the whole record for the
  registering agency, per active grant one row for identity and each granted section
  with its expiry (checked against access_rebuild on a sample after the build);
- the search and blocking keys, by the import's writer (`match_keys_copy`).

It is kept between runs and reused when it has the requested size.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from access.models import ClientGroupObjectPermission, Grant
from access.rows import access_rebuild, permission_ids
from agencies.models import Agency, LegalBasis, Membership, User
from agencies.services import agency_create, membership_set
from clients.models import Client, ClientMatchKey, IdentityDocument
from core.sections import IDENTITY, SECTIONS, WHOLE_RECORD_PERM
from tools.bench import people
from tools.bench.cleanup import synthetic_drop
from tools.bench.harness import Output, secondary_indexes_drop, stepper
from workflows.imports.writing import match_keys_copy

PREFIX = "bench-"  # agency slugs and user names of the synthetic data
AGENCY_KINDS = (
    Agency.Kind.REFUGEE_OFFICE,
    Agency.Kind.IMMIGRATION_OFFICE,
    Agency.Kind.SOCIAL_WELFARE_OFFICE,
    Agency.Kind.JOBCENTER,
    Agency.Kind.NGO,
)
GRANT_SECTIONS = (
    ["identity", "contact"],
    ["identity", "contact", "residence"],
    ["identity", "contact", "residence", "documents", "household"],
)
KEY_BATCH = 10_000  # records whose keys are derived and copied at a time
ROWS_CHECKED = 40  # (record, agency) pairs compared with access_rebuild after a build


@dataclass
class Dataset:
    agencies: list[Agency]
    user: User  # a caseworker of the measured agency (the first)
    picks: dict[str, Any]
    built_in_s: float | None
    notes: list[str]

    @property
    def agency(self) -> Agency:
        return self.agencies[0]


def dataset(options: dict[str, Any], out: Output) -> Dataset:
    agencies = _agencies()
    built_in = None
    notes = []
    if options["rebuild"] or not _has_size(agencies, options):
        if agencies:
            out.write("Synthetic data of another size found; dropping it.")
            teardown(out)
        started = time.perf_counter()
        _build(options, out)
        built_in = time.perf_counter() - started
        agencies = _agencies()
        notes.append(_rows_check(agencies))
    else:
        out.write("Reusing the synthetic data already in this database.")
    user = User.objects.get(username=f"{agencies[0].slug}-caseworker")
    return Dataset(agencies, user, _picks(agencies), built_in, notes)


def teardown(out: Output | None = None) -> None:
    agencies = [a.pk for a in _agencies()]
    users = User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True)
    synthetic_drop(
        agencies=agencies, users=list(users), warn=out.write if out is not None else None
    )


def _agencies() -> list[Agency]:
    return list(Agency.objects.filter(slug__startswith=PREFIX).order_by("slug"))


def _has_size(agencies: list[Agency], options: dict[str, Any]) -> bool:
    if len(agencies) != options["agencies"]:
        return False
    total = Client.objects.filter(registered_by__in=agencies).count()
    own = Client.objects.filter(registered_by=agencies[0]).count()
    return total == options["clients"] and own == options["visible"]


# --- building --------------------------------------------------------------------------------


def _build(options: dict[str, Any], out: Output) -> None:
    rng = random.Random(options["seed"])  # noqa: S311 - reproducible synthetic data
    log = stepper("Building", out.write, width=45)
    tables = [
        Client._meta.db_table,
        ClientGroupObjectPermission._meta.db_table,
        IdentityDocument._meta.db_table,
        Grant._meta.db_table,
        ClientMatchKey._meta.db_table,
    ]
    with transaction.atomic():
        agencies, users = _agencies_and_users(options["agencies"])
        log("agencies, groups and staff")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SELECT setseed(%s)", [(options["seed"] % 1000) / 1000])
            indexes = secondary_indexes_drop(cursor, tables)
            log(f"dropped {len(indexes)} secondary indexes for the load")
            people.clients_copy(cursor, rng, [a.pk for a in agencies], options)
            log(f"{options['clients']:,} clients (COPY)")
            _insert_documents(cursor, agencies)
            log("identity documents")
            _insert_grants(cursor, agencies, users, options["grant_share"])
            log("grants")
            _insert_permission_rows(cursor, agencies)
            log("permission rows")
            cursor.execute(
                f"SELECT id FROM {Client._meta.db_table} WHERE registered_by_id = ANY(%s) "  # noqa: S608
                "ORDER BY id",
                [[a.pk for a in agencies]],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            for start in range(0, len(ids), KEY_BATCH):
                match_keys_copy(ids[start : start + KEY_BATCH])
            log("search and blocking keys (match_keys_copy)")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred FK checks
            log("foreign key checks")
            for _name, definition in indexes:
                cursor.execute(definition)
            log(f"recreated {len(indexes)} indexes")
    with connection.cursor() as cursor:
        for table in [*tables, Agency._meta.db_table, User._meta.db_table]:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
    log("VACUUM ANALYZE")


def _agencies_and_users(count: int) -> tuple[list[Agency], list[User]]:
    agencies, users = [], []
    for i in range(count):
        slug = f"{PREFIX}{i:02d}"
        agency = agency_create(
            name=f"Benchmark agency {i:02d}", slug=slug, kind=AGENCY_KINDS[i % len(AGENCY_KINDS)]
        )
        user = User.objects.create(username=f"{slug}-caseworker", email="")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        membership_set(user=user, agency=agency, role=Membership.Role.CASEWORKER)
        agencies.append(agency)
        users.append(user)
    return agencies, users


def _insert_documents(cursor, agencies) -> None:
    """A passport for half the records; numbers unique (bijection of the client id)."""
    cursor.execute(
        f"""
        INSERT INTO {IdentityDocument._meta.db_table}
            (doc_type, number, issuing_country, issued_on, expires_on, created_at, client_id)
        SELECT 'passport',
               chr(65 + (k / 26000000)::int) || chr(65 + ((k / 1000000) %% 26)::int)
                   || lpad((k %% 1000000)::text, 6, '0'),
               split_part(c.nationalities, ',', 1),
               c.arrival_date - 400 - (random() * 3000)::int,
               c.arrival_date - 400 - (random() * 3000)::int + 3652,
               c.created_at,
               c.id
        FROM (SELECT *, (id * 982451653) %% 676000000 AS k
              FROM {Client._meta.db_table} WHERE registered_by_id = ANY(%s)) c
        WHERE random() < 0.5
        """,  # noqa: S608 - table names from model meta, values as parameters
        [[a.pk for a in agencies]],
    )


def _insert_grants(cursor, agencies, users, share: float) -> None:
    """Handovers to one other agency: mostly active, some expired, revoked or pending."""
    basis = LegalBasis.objects.order_by("pk").first()
    if basis is None:
        basis = LegalBasis.objects.create(code="bench", title="Benchmark")
    cursor.execute(
        f"""
        INSERT INTO {Grant._meta.db_table}
            (sections, legal_basis_note, decision_note, purpose, expires_on, status, origin,
             handover_id, created_at, decided_at, revoked_at, agency_id, client_id, created_by_id,
             decided_by_id, granted_by_id, revoked_by_id, legal_basis_id)
        SELECT (%(sections)s::jsonb[])[1 + floor(r3 * 3)::int],
               '', '', 'Benefits and counselling',
               CASE WHEN r1 < 0.15 THEN %(today)s::date - 1 - (r2 * 365)::int
                    WHEN r1 < 0.35 THEN %(today)s::date + 30 + (r2 * 700)::int END,
               CASE WHEN r4 < 0.05 THEN 'revoked' WHEN r4 < 0.08 THEN 'pending'
                    ELSE 'active' END,
               'handover', gen_random_uuid(),
               least(created_at + interval '10 days', now() - interval '2 days'),
               CASE WHEN r4 >= 0.05 AND r4 < 0.08 THEN NULL
                    ELSE least(created_at + interval '11 days', now() - interval '1 day')
               END,
               CASE WHEN r4 < 0.05 THEN created_at + interval '40 days' END,
               (%(agencies)s::bigint[])[1 + receiver], id,
               (%(users)s::bigint[])[1 + owner],
               CASE WHEN r4 >= 0.05 AND r4 < 0.08 THEN NULL
                    ELSE (%(users)s::bigint[])[1 + receiver] END,
               registered_by_id,
               CASE WHEN r4 < 0.05 THEN (%(users)s::bigint[])[1 + owner] END,
               %(basis)s
        FROM (
            SELECT c.id, c.created_at, c.registered_by_id, o.owner,
                   (o.owner + 1 + floor(random() * (%(n)s - 1))::int) %% %(n)s AS receiver,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4
            FROM {Client._meta.db_table} c
            CROSS JOIN LATERAL (
                SELECT array_position(%(agencies)s::bigint[], c.registered_by_id) - 1 AS owner
            ) o
            WHERE c.registered_by_id = ANY(%(agencies)s) AND random() < %(share)s
        ) s
        """,  # noqa: S608 - table names from model meta, values as parameters
        {
            "sections": [json.dumps(s) for s in GRANT_SECTIONS],
            "today": timezone.localdate(),
            "agencies": [a.pk for a in agencies],
            "users": [u.pk for u in users],
            "n": len(agencies),
            "basis": basis.pk,
            "share": share,
        },
    )


def _insert_permission_rows(cursor, agencies) -> None:
    """The rows access_rebuild derives (see module doc), by permission id."""
    table = ClientGroupObjectPermission._meta.db_table
    (whole,) = permission_ids(WHOLE_RECORD_PERM)
    ids = [a.pk for a in agencies]
    cursor.execute(
        f"""
        INSERT INTO {table} (content_object_id, group_id, permission_id, expires_on)
        SELECT c.id, a.group_id, %s, NULL
        FROM {Client._meta.db_table} c JOIN {Agency._meta.db_table} a
            ON a.id = c.registered_by_id
        WHERE a.id = ANY(%s)
        """,  # noqa: S608 - table names from model meta, values as parameters
        [whole, ids],
    )
    slugs = list(SECTIONS)
    cursor.execute(
        f"""
        INSERT INTO {table} (content_object_id, group_id, permission_id, expires_on)
        SELECT g.client_id, a.group_id, p.id, g.expires_on
        FROM {Grant._meta.db_table} g
        JOIN {Agency._meta.db_table} a ON a.id = g.agency_id
        CROSS JOIN LATERAL (
            SELECT jsonb_array_elements_text(g.sections) UNION SELECT %s
        ) s (slug)
        JOIN unnest(%s::text[], %s::int[]) AS p (slug, id) ON p.slug = s.slug
        WHERE g.status = 'active' AND g.granted_by_id = ANY(%s)
        """,  # noqa: S608 - table names from model meta, values as parameters
        [IDENTITY, slugs, permission_ids(*(SECTIONS[s].view_perm for s in slugs)), ids],
    )


def _rows_check(agencies: list[Agency]) -> str:
    """Rebuild the rows of a sample of (record, agency) pairs with access_rebuild and
    compare (rolled back): the generator must write what the portal would."""
    grants = Grant.objects.filter(granted_by__in=agencies).select_related("client", "agency")
    owned = Client.objects.filter(registered_by__in=agencies).select_related("registered_by")
    pairs = [(g.client, g.agency) for g in grants.order_by("pk")[: ROWS_CHECKED // 2]]
    pairs += [(c, c.registered_by) for c in owned.order_by("pk")[: ROWS_CHECKED - len(pairs)]]

    def rows(client: Client, agency: Agency) -> set[tuple[int, dt.date | None]]:
        found = ClientGroupObjectPermission.objects.filter(
            content_object=client, group_id=agency.group_id
        )
        return set(found.values_list("permission_id", "expires_on"))

    differ = 0
    with transaction.atomic():
        for client, agency in pairs:
            before = rows(client, agency)
            access_rebuild(client=client, agency=agency)
            differ += rows(client, agency) != before
        transaction.set_rollback(True)
    verdict = "equal" if not differ else f"{differ} DIFFER: the figures are not the portal's"
    return f"permission rows of {len(pairs)} (record, agency) pairs vs access_rebuild: {verdict}"


# --- what to look for --------------------------------------------------------------------------


def _picks(agencies: list[Agency]) -> dict[str, Any]:
    """Search terms and records from the data: a common and a rare family name among the
    measured agency's records, people with a full birth date here and at another agency,
    records to open (own, by a section grant, by an expired grant)."""
    agency = agencies[0]
    own = Client.objects.filter(registered_by=agency)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT family_name, count(*) FROM {Client._meta.db_table} "  # noqa: S608
            "WHERE registered_by_id = %s GROUP BY 1 ORDER BY 2 DESC, 1",
            [agency.pk],
        )
        counts = cursor.fetchall()
    common, rare = counts[0][0], counts[-1][0]
    dated = {"birth_day__isnull": False}
    person = own.filter(family_name=common, birth_year__isnull=False).order_by("pk").first()
    documented = (
        own.filter(documents__isnull=False, grants__status=Grant.Status.ACTIVE)
        .order_by("pk")
        .first()
    )
    hidden = Client.objects.filter(registered_by__in=agencies[1:], documents__isnull=False, **dated)
    elsewhere = hidden.exclude(grants__agency=agency).order_by("pk").first()
    active = Grant.objects.filter(agency=agency, status=Grant.Status.ACTIVE).order_by("pk")
    granted = active.filter(expires_on__isnull=True).first()
    expired = active.filter(expires_on__lt=timezone.localdate()).first()
    return {
        "common": common,
        "common_count": counts[0][1],
        "rare": rare,
        "rare_count": counts[-1][1],
        "distinct_family_names": len(counts),
        "person": person,
        "own_dated": own.filter(**dated).order_by("-pk").first(),
        "elsewhere": elsewhere,
        "documented": documented,
        "document": documented.documents.first() if documented else None,
        "granted": granted.client if granted else None,
        "expired": expired.client if expired else None,
        "azr": own.exclude(azr_number="").order_by("pk").values_list("azr_number", flat=True)[0],
        "phone": own.exclude(phone="").order_by("pk").first().phone.as_e164,
        "reference": own.order_by("-pk").values_list("reference_code", flat=True)[0],
    }
