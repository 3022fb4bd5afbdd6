"""The permission rows: derived from who registered a record and from its active grants
(`access.models.Grant`), and from nothing else. Every service that changes either calls
`access_rebuild`; the import writes the registering agency's rows in bulk."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission
from django.utils import timezone

from access.models import ClientGroupObjectPermission, Grant
from agencies.models import Agency
from clients.changes import access_change, changes_created_bulk, changes_write
from clients.models import Client
from core.sections import IDENTITY, SECTIONS, WHOLE_RECORD_PERM

_permission_ids: dict[str, int] = {}


def permission_ids(*codenames: str) -> list[int]:
    """Ids of the Client object permissions named (`view_client`, `view_<section>`).

    Cached per process: they are created by migrate and never change while it runs
    (`clear_permission_cache` empties the cache after a flush recreated them)."""
    missing = [name for name in codenames if name not in _permission_ids]
    if missing:
        _permission_ids.update(
            Permission.objects.filter(
                content_type__app_label="clients",
                content_type__model="client",
                codename__in=missing,
            ).values_list("codename", "pk")
        )
    return [_permission_ids[name] for name in codenames if name in _permission_ids]


def clear_permission_cache(**_kwargs) -> None:
    _permission_ids.clear()


_NOT_YET = object()


def _later(current, candidate):
    """The later of two last valid days, where None means 'no end'."""
    if current is _NOT_YET:
        return candidate
    if current is None or candidate is None:
        return None
    return max(current, candidate)


def access_rebuild(*, client: Client, agency: Agency) -> None:
    """Derive the agency's permission rows on one record from who registered it and
    from the agency's active grants. Called by every service that changes a grant."""
    wanted: dict[str, dt.date | None] = {}  # codename -> last valid day (None: no end)
    if client.registered_by_id == agency.pk:
        wanted[WHOLE_RECORD_PERM] = None
    grants = Grant.objects.filter(client=client, agency=agency, status=Grant.Status.ACTIVE)
    for grant in grants:
        for slug in {IDENTITY, *grant.sections}:
            codename = SECTIONS[slug].view_perm
            wanted[codename] = _later(wanted.get(codename, _NOT_YET), grant.expires_on)

    rows = ClientGroupObjectPermission.objects.filter(
        content_object=client, group_id=agency.group_id
    )
    found = {row.permission.codename: row for row in rows.select_related("permission")}
    before = sections_open({name: row.expires_on for name, row in found.items()})
    rows.exclude(permission__codename__in=wanted).delete()
    existing = {name: row for name, row in found.items() if name in wanted}
    ids = dict(zip(wanted, permission_ids(*wanted), strict=True))
    for codename, expires_on in wanted.items():
        row = existing.get(codename)
        if row is None:
            ClientGroupObjectPermission.objects.create(
                content_object=client,
                group_id=agency.group_id,
                permission_id=ids[codename],
                expires_on=expires_on,
            )
        elif row.expires_on != expires_on:
            row.expires_on = expires_on
            row.save(update_fields=["expires_on"])
    after = sections_open(wanted)
    if client.registered_by_id == agency.pk and WHOLE_RECORD_PERM not in found:
        before = after  # a registration: the feed has its `created` entry
    # The change feed: the agency gained or lost sections of the record.
    changes_write(access_change(client=client, agency_id=agency.pk, before=before, after=after))


def sections_open(expiry_by_codename: dict[str, dt.date | None], *, on=None) -> set[str]:
    """The sections rows (codename -> last valid day) open on a day (today)."""
    on = on or timezone.localdate()
    codenames = {name for name, end in expiry_by_codename.items() if end is None or end >= on}
    if WHOLE_RECORD_PERM in codenames:
        return set(SECTIONS)
    return {slug for slug, section in SECTIONS.items() if section.view_perm in codenames}


def access_grant_owner_bulk(*, clients: list[Client], agency: Agency) -> None:
    """The registering agency's `view_client` row for many new records at once (the row
    access_rebuild derives for a registration); for bulk imports of records that have no
    grants yet."""
    (permission_id,) = permission_ids(WHOLE_RECORD_PERM)
    # The change feed's `created` entries, as save_tracked writes them for one record.
    changes_created_bulk(client for client in clients if client.registered_by_id == agency.pk)
    ClientGroupObjectPermission.objects.bulk_create(
        ClientGroupObjectPermission(
            content_object_id=client.pk,
            group_id=agency.group_id,
            permission_id=permission_id,
            expires_on=None,
        )
        for client in clients
        if client.registered_by_id == agency.pk
    )
