"""The change log behind the change feed (`clients.models.ChangeEntry`, read by
`access.feed`): written in the transaction of each change, ids and section names only.

Cursor safety: ids come from a sequence, so a transaction may take id 103, another 105
and commit first. A reader that served 105 would skip 103 for ever. Writers therefore
hold a shared advisory lock from their first entry to their commit, and a reader takes
the same lock exclusively for a moment (`feed_horizon`): when it gets it, no writer is
in flight, and every id up to the largest one visible is final. Writers never wait for
each other, only for that moment.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from clients.models import ChangeEntry, Client, IdentityDocument
from core.sections import SECTIONS, section_list, section_of_field

# Any constant: identifies the change feed's advisory lock in pg_locks.
_LOCK_KEY = 0x4645454443  # "FEEDC"
ALL_SECTIONS = tuple(SECTIONS)


def _writer_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_LOCK_KEY])


def feed_horizon() -> int:
    """The largest entry id below which no entry can still appear (0: none yet)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Session-level and released at once: waits only for writers in flight.
            cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
            try:
                cursor.execute(f"SELECT max(id) FROM {ChangeEntry._meta.db_table}")  # noqa: S608
                (horizon,) = cursor.fetchone()
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
        else:
            cursor.execute(f"SELECT max(id) FROM {ChangeEntry._meta.db_table}")  # noqa: S608
            (horizon,) = cursor.fetchone()
    return horizon or 0


def changes_write(entries: Iterable[ChangeEntry], *, ignore_conflicts: bool = False) -> None:
    """Append entries (in the caller's transaction)."""
    entries = list(entries)
    if not entries:
        return
    _writer_lock()
    ChangeEntry.objects.bulk_create(entries, ignore_conflicts=ignore_conflicts)


def change_after_save(obj: Client | IdentityDocument, *, created: bool, update_fields) -> None:
    """The entry for a tracked save (called by `clients.history.save_tracked`)."""
    if isinstance(obj, IdentityDocument):
        entry = ChangeEntry(
            client_id=obj.client_id,
            kind=ChangeEntry.Kind.UPDATED,
            sections=["documents"],
            version=obj.client.version,
        )
    elif created:
        entry = ChangeEntry(
            client_id=obj.pk,
            kind=ChangeEntry.Kind.CREATED,
            sections=list(ALL_SECTIONS),
            version=obj.version,
        )
    elif update_fields is not None and "merged_into" in update_fields and obj.merged_into_id:
        entry = ChangeEntry(
            client_id=obj.pk,
            kind=ChangeEntry.Kind.MERGED,
            sections=list(ALL_SECTIONS),
            version=obj.version,
            merged_into_id=obj.merged_into_id,
        )
    else:
        if update_fields is None or "merged_into" in update_fields:
            # A whole save, or a merge undone: the record is back in every section.
            sections = list(ALL_SECTIONS)
        else:
            sections = section_list(filter(None, map(section_of_field, update_fields)))
        if not sections:  # only derived fields (search name, time stamps)
            return
        entry = ChangeEntry(
            client_id=obj.pk, kind=ChangeEntry.Kind.UPDATED, sections=sections, version=obj.version
        )
    changes_write([entry])


def changes_created_bulk(clients: Iterable[Client]) -> None:
    """`created` entries for records written in bulk (imports)."""
    changes_write(
        ChangeEntry(
            client_id=client.pk,
            kind=ChangeEntry.Kind.CREATED,
            sections=list(ALL_SECTIONS),
            version=client.version,
        )
        for client in clients
    )


def access_change(
    *, client: Client, agency_id: int, before: set[str], after: set[str], dedupe_key=None
) -> list[ChangeEntry]:
    """Entries for an agency gaining (`grant_started`) or losing (`grant_ended`) sections
    of a record; `before`/`after` are section slugs. Not written: returned."""
    entries = []
    gained, lost = section_list(after - before), section_list(before - after)
    if gained:
        entries.append(
            ChangeEntry(
                client_id=client.pk,
                agency_id=agency_id,
                kind=ChangeEntry.Kind.GRANT_STARTED,
                sections=gained,
                version=client.version,
            )
        )
    if lost:
        entries.append(
            ChangeEntry(
                client_id=client.pk,
                agency_id=agency_id,
                kind=ChangeEntry.Kind.GRANT_ENDED,
                sections=lost,
                version=client.version,
                dedupe_key=dedupe_key,
            )
        )
    return entries
