"""The change feed: "what changed in records shared with my agency since cursor X", so an
agency system syncs without full exports. Ids, section names and versions only; the
system then fetches what it needs through the API (with its own audit).

Reads the change log (`clients.models.ChangeEntry`) through the permission rows, as the
pages' lists do (`policy.visible_record`): a record change appears to every agency that
sees the record *when the feed is read*, narrowed to the sections the agency holds;
a grant entry (sections gained or lost) only to the agency concerned. Sections that end
at a grant's end date change no row, so `grant_expiries_record` writes their entries
(nightly, idempotent).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, Q
from django.utils import timezone

from access import policy
from access.models import ClientGroupObjectPermission
from access.rows import permission_ids, sections_open
from agencies.models import Agency
from agencies.selectors import membership_for
from clients.changes import access_change, changes_write, feed_horizon
from clients.models import ChangeEntry, Client
from core.sections import IDENTITY, SECTIONS, WHOLE_RECORD_PERM, section_list

PAGE_MAX = 100
IDENTITY_PERM = SECTIONS[IDENTITY].view_perm
_CODENAMES = (WHOLE_RECORD_PERM, *(section.view_perm for section in SECTIONS.values()))


@dataclass(frozen=True)
class FeedItem:
    cursor: int
    client_id: int
    kind: str
    sections: list[str]
    version: str
    merged_into_id: int | None
    at: dt.datetime


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    # Continue after this cursor. Entries the agency may not see are passed over, so a
    # page may hold fewer items than asked for while `has_more` is still true.
    next_cursor: int
    has_more: bool


def feed_for(user, *, after: int = 0, limit: int = PAGE_MAX) -> FeedPage:
    """The changes after cursor `after` in records the user's agency sees (in the sections
    it holds), and its own grants started and ended; at most `limit` (<= 100)."""
    limit = max(1, min(limit, PAGE_MAX))
    membership = membership_for(user)
    if membership is None:
        return FeedPage([], after, False)
    horizon = feed_horizon()
    window = ChangeEntry.objects.filter(id__gt=after, id__lte=horizon).order_by("id")
    group_id = membership.agency.group_id
    if _few_records(group_id):
        # From the agency's records to their entries (index-only walks of the rows and
        # of change_client_idx): walking the log by id would pass over ~99% of it.
        ids = _entry_ids_of_records(group_id, after=after, horizon=horizon, limit=limit)
        records = list(ChangeEntry.objects.filter(pk__in=ids))
    else:
        # Along the log by id, each entry checked against the rows.
        visible = policy.visible_record(user, OuterRef("client_id"))
        records = list(window.filter(visible, agency__isnull=True)[:limit])
    grants = list(window.filter(agency_id=membership.agency_id)[:limit])
    # Two walks merged: the first `limit` of their union lie below both walks' ends.
    unique = {entry.pk: entry for entry in [*records, *grants]}
    entries = sorted(unique.values(), key=lambda entry: entry.pk)[:limit]
    held = _sections_held(membership.agency.group_id, {e.client_id for e in entries})
    items = []
    for entry in entries:
        if entry.agency_id not in (None, membership.agency_id):
            continue  # another agency's grant
        if entry.agency_id is None:
            sections = section_list(set(entry.sections) & held.get(entry.client_id, set()))
            if not sections:
                continue  # nothing the agency holds changed
        else:
            sections = entry.sections
        items.append(
            FeedItem(
                cursor=entry.pk,
                client_id=entry.client_id,
                kind=entry.kind,
                sections=sections,
                version=entry.version,
                merged_into_id=entry.merged_into_id,
                at=entry.created_at,
            )
        )
    if len(entries) < limit:
        # Everything up to the horizon was looked at: continue from there.
        return FeedPage(items, max(after, horizon), False)
    return FeedPage(items, entries[-1].pk, True)


# Up to this many permission rows (records) an agency's feed starts from its records:
# their entries cost one index probe per record, a walk along the log ~100 / (share of
# records the agency sees) probes per page; both meet at ~sqrt(100 x entries).
FEW_RECORDS = 20_000


def _few_records(group_id: int) -> bool:
    """Whether the agency sees few records: counted at most to FEW_RECORDS (an
    index-only walk of access_row_visible_idx). The SQLite try-out walks the log."""
    if connection.vendor != "postgresql":
        return False  # its SQL below is PostgreSQL's (= ANY, LATERAL)
    table = ClientGroupObjectPermission._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE group_id = %s "  # noqa: S608
            "AND permission_id = ANY(%s) LIMIT %s) few",
            [group_id, permission_ids(WHOLE_RECORD_PERM, IDENTITY_PERM), FEW_RECORDS],
        )
        return cursor.fetchone()[0] < FEW_RECORDS


def _entry_ids_of_records(group_id: int, *, after: int, horizon: int, limit: int) -> list[int]:
    """The first `limit` entry ids after `after` of the records the agency sees today.
    LATERAL keeps the planner from walking the log instead."""
    rows = ClientGroupObjectPermission._meta.db_table
    entries = ChangeEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.id
            FROM (SELECT DISTINCT content_object_id FROM {rows}
                  WHERE group_id = %(group)s AND permission_id = ANY(%(permissions)s)
                    AND (expires_on IS NULL OR expires_on >= %(today)s)) v
            CROSS JOIN LATERAL (
                SELECT id FROM {entries}
                WHERE client_id = v.content_object_id AND id > %(after)s AND id <= %(horizon)s
                ORDER BY id LIMIT %(limit)s
            ) e
            ORDER BY e.id LIMIT %(limit)s
            """,  # noqa: S608 - table names from model meta, values as parameters
            {
                "group": group_id,
                "permissions": permission_ids(WHOLE_RECORD_PERM, IDENTITY_PERM),
                "today": timezone.localdate(),
                "after": after,
                "horizon": horizon,
                "limit": limit,
            },
        )
        return [pk for (pk,) in cursor.fetchall()]


def feed_latest_cursor() -> int:
    """Where a system that has just copied everything starts following the feed."""
    return feed_horizon()


def _sections_held(group_id: int, client_ids: set[int]) -> dict[int, set[str]]:
    """The sections the agency's valid rows open on each record, in one query."""
    if not client_ids:
        return {}
    today = timezone.localdate()
    names = dict(zip(permission_ids(*_CODENAMES), _CODENAMES, strict=True))
    rows = ClientGroupObjectPermission.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        group_id=group_id,
        content_object_id__in=client_ids,
        permission_id__in=list(names),
    ).values_list("content_object_id", "permission_id")
    codenames: dict[int, dict[str, None]] = defaultdict(dict)
    for client_id, permission_id in rows:
        codenames[client_id][names[permission_id]] = None
    return {client_id: sections_open(found) for client_id, found in codenames.items()}


def grant_expiries_record(*, today: dt.date | None = None, days: int = 7) -> int:
    """Write the feed's `grant_ended` entries for sections whose last valid day was one
    of the `days` days before `today` (no row changes at midnight, so nothing else
    does). Idempotent: run it nightly (a missed night is caught up by the next run);
    returns the number of entries written."""
    today = today or timezone.localdate()
    ending = ClientGroupObjectPermission.objects.filter(
        expires_on__lt=today, expires_on__gte=today - dt.timedelta(days=days)
    ).values_list("content_object_id", "group_id", "expires_on")
    ended = sorted(set(ending))
    if not ended:
        return 0
    agency_of = dict(
        Agency.objects.filter(group_id__in={group for _c, group, _d in ended}).values_list(
            "group_id", "pk"
        )
    )
    rows: dict[tuple[int, int], dict[str, dt.date | None]] = defaultdict(dict)
    names = dict(zip(permission_ids(*_CODENAMES), _CODENAMES, strict=True))
    for (
        client_id,
        group_id,
        permission_id,
        expires_on,
    ) in ClientGroupObjectPermission.objects.filter(
        content_object_id__in={client for client, _g, _d in ended},
        group_id__in=set(agency_of),
    ).values_list("content_object_id", "group_id", "permission_id", "expires_on"):
        if permission_id in names:
            rows[(client_id, group_id)][names[permission_id]] = expires_on
    versions = dict(
        Client.objects.filter(pk__in={client for client, _g, _d in ended}).values_list(
            "pk", "updated_at"
        )
    )
    entries = []
    for client_id, group_id, last_day in ended:
        if group_id not in agency_of:
            continue
        found = rows[(client_id, group_id)]
        client = Client(pk=client_id, updated_at=versions.get(client_id))
        entries += [
            entry
            for entry in access_change(
                client=client,
                agency_id=agency_of[group_id],
                before=sections_open(found, on=last_day),
                after=sections_open(found, on=last_day + dt.timedelta(days=1)),
                dedupe_key=f"expiry:{client_id}:{agency_of[group_id]}:{last_day.isoformat()}",
            )
            if entry.kind == ChangeEntry.Kind.GRANT_ENDED
        ]
    before = ChangeEntry.objects.filter(dedupe_key__in=[e.dedupe_key for e in entries]).count()
    changes_write(entries, ignore_conflicts=True)
    return len(entries) - before
