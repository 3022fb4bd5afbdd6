"""Removing a benchmark's synthetic data: its agencies, their staff and groups, the records
they registered, their audit events, and every row that refers to any of these.

The referring rows are found from the foreign keys in the database, not from a list of
tables, so that a table added or renamed later is not forgotten (a benchmark's teardown
failed after the duplicates migration for want of that).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Q

from agencies.models import Agency, User
from audit.models import AuditEvent
from clients.models import Client, IdentityDocument

CLIENTS = Client._meta.db_table
EVENTS = AuditEvent._meta.db_table
# simple-history's tables carry no foreign keys: their rows go by the record's columns.
HISTORY = (
    (Client.history.model._meta.db_table, "registered_by_id", "agency"),
    (IdentityDocument.history.model._meta.db_table, "client_id", "client"),
)


def references(table: str) -> list[tuple[str, str, str]]:
    """(table, column, referenced column) of the foreign keys pointing at `table`, from
    other tables (a self-reference is deleted with the rows themselves)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, r.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND c.conrelid <> c.confrelid
            ORDER BY 1, 2
            """,
            [table],
        )
        return cursor.fetchall()


def _referring_tables(table: str, found: set[str] | None = None) -> set[str]:
    found = set() if found is None else found
    for child, _column, _key in references(table):
        if child not in found:
            found.add(child)
            _referring_tables(child, found)
    return found


def _delete(cursor, table: str, where: str, params: list, path: tuple[str, ...] = ()) -> int:
    """Delete the rows of `table` matching `where`, after the rows that refer to them."""
    q = connection.ops.quote_name
    for child, column, key in references(table):
        if child in path:
            continue
        inner = f"{q(column)} IN (SELECT {q(key)} FROM {q(table)} WHERE {where})"  # noqa: S608
        _delete(cursor, child, inner, params, (*path, table))
    cursor.execute(f"DELETE FROM {q(table)} WHERE {where}", params)  # noqa: S608 - names from the catalog
    return cursor.rowcount


def synthetic_drop(
    *,
    agencies: list[int],
    users: list[int],
    events: Q | None = None,
    warn: Callable[[str], Any] | None = None,
) -> None:
    """Drop the agencies, users and their groups, the records the agencies registered,
    the audit events by them (and those `events` names), and all that refers to these.
    Tables holding nothing else are truncated (seconds instead of minutes at a million
    rows); the audit log then starts a new chain."""
    groups = list(Agency.objects.filter(pk__in=agencies).values_list("group_id", flat=True))
    ours = Q(agency__in=agencies) | Q(actor__in=users)
    if events is not None:
        ours |= events
    q = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if not AuditEvent.objects.exclude(ours).exists():
            # TRUNCATE is no row event: the append-only trigger lets it through.
            cursor.execute(f"TRUNCATE {EVENTS}")
        else:
            # Dev tools on the bench database as its superuser: no trigger fires (the
            # append-only one lets only the purge role delete, which may not exist here).
            cursor.execute("SET LOCAL session_replication_role = replica")
            deleted, _by_model = AuditEvent.objects.filter(ours).delete()
            if deleted and warn is not None:
                warn("Benchmark audit events deleted: this database's audit chain is broken.")

        registered = f"SELECT id FROM {CLIENTS} WHERE registered_by_id = ANY(%s)"  # noqa: S608
        for table, column, kind in HISTORY:
            match = "= ANY(%s)" if kind == "agency" else f"IN ({registered})"
            cursor.execute(f"DELETE FROM {q(table)} WHERE {column} {match}", [agencies])  # noqa: S608
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {CLIENTS} WHERE NOT registered_by_id = ANY(%s))",  # noqa: S608
            [agencies],
        )
        if not cursor.fetchone()[0]:
            # Only synthetic records: they and all that hangs off them go at once. Listed,
            # not CASCADE: a table outside the closure would make this fail, not vanish.
            tables = [CLIENTS, *sorted(_referring_tables(CLIENTS))]
            cursor.execute(f"TRUNCATE {', '.join(q(t) for t in tables)}")
        else:
            _delete(cursor, CLIENTS, "registered_by_id = ANY(%s)", [agencies])
        _delete(cursor, Agency._meta.db_table, "id = ANY(%s)", [agencies])
        _delete(cursor, Group._meta.db_table, "id = ANY(%s)", [groups])
        _delete(cursor, User._meta.db_table, "id = ANY(%s)", [users])
