"""The synthetic audit events of `tools.bench.audit_data`: what staff do and how often,
when (office hours in Berlin, quiet nights and weekends, use growing over the year),
about which records (an active case now and then, most records rarely), and the
INSERT ... SELECT that writes them a chunk of hours at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from audit.models import AuditEvent

TABLE = AuditEvent._meta.db_table
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
NAMES = 300_000  # distinct searched names (fingerprints), popularity falling off steeply
CHUNK_ROWS = 1_000_000


def typical_slot(clients: int) -> int:
    """The synthetic record whose traffic the typical record takes: one in the middle,
    far from the active cases (1..HOT_CLIENTS)."""
    return clients // 2


def lower_bounds(weights) -> list[float]:
    """Lower bounds of buckets for width_bucket(random(), bounds): bucket i has weight i."""
    total = sum(weights)
    bounds, cumulative = [], 0.0
    for weight in weights:
        bounds.append(cumulative / total)
        cumulative += weight
    return bounds


def slots(start: dt.datetime, end: dt.datetime, total: int) -> list[tuple[dt.datetime, int, int]]:
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


def chunks(slots: list[tuple[dt.datetime, int, int]]) -> Iterator[list]:
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


def _remap_sql(column: str, hot: int, typical: int, clients: int) -> str:
    """A permutation of record ids: the hot measured record takes the traffic of synthetic
    record 1 (one of the active cases), the typical one that of `typical_slot`."""
    slot = typical_slot(clients)
    first = f"(CASE {column} WHEN 1 THEN {hot} WHEN {hot} THEN 1 ELSE {column} END)"
    middle = 1 if hot == slot else slot  # where the first swap put it
    return (
        f"(CASE {first} WHEN {middle} THEN {typical} WHEN {typical} THEN {middle} ELSE {first} END)"
    )


def _record_sql(r_active: str, r_pick: str, clients: int) -> str:
    """A record id: an active case with probability HOT_SHARE, else any record."""
    return (
        f"(CASE WHEN {r_active} < {HOT_SHARE} THEN 1 + floor({r_pick} * {HOT_CLIENTS}) "
        f"ELSE 1 + floor({r_pick} * {clients}) END)::bigint"
    )


def chunk_sql(hot: int, typical: int, clients: int) -> str:
    """INSERT ... SELECT of one chunk of hours (the %(...)s are the arrays of the slots)."""

    def id_list(count: str) -> str:
        record = _record_sql("random()", "random()", clients)
        ids = f"coalesce(jsonb_agg({_remap_sql('x.g', hot, typical, clients)}), '[]'::jsonb)"
        drawn = f"(SELECT {record} AS g FROM generate_series(1, {count})) x"  # noqa: S608
        return f"(SELECT {ids} FROM {drawn})"  # noqa: S608 - numbers and SQL from this module

    record = _remap_sql("e.cid", hot, typical, clients)
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
                 WHEN e.kind IN ('share', 'accept', 'decline', 'revoke') THEN 'access.grant'
                 WHEN e.kind IN ('request', 'approve') THEN 'access.accessrequest'
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
