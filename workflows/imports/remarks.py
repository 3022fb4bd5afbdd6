"""Import remarks on a record: read with the record page, resolved by its agency.

A remark keeps a raw value from another system's file (personal data): who reads it is
the policy's answer (`access.policy.import_remarks_visible_to`); resolving erases the
value and keeps who resolved it, when and how. Audit events name the remark by id.
"""

from __future__ import annotations

from itertools import groupby

from django.db import transaction
from django.utils import timezone

from access import policy
from audit.models import AuditEvent
from audit.services import audit_record
from clients.models import Client
from workflows.imports.models import ClientImport, ImportRemark


def remarks_shown(user, client: Client) -> list[ImportRemark]:
    """The open remarks of `client` the user may read, oldest import and row first."""
    remarks = ImportRemark.objects.filter(client=client, resolved_at__isnull=True)
    return list(
        policy.import_remarks_visible_to(user, client, remarks)
        .select_related("run")
        .order_by("run_id", "row", "pk")
    )


def remark_for(user, client: Client, pk: int) -> ImportRemark | None:
    """Remark `pk` of `client`, open or resolved, if the user may read it."""
    remarks = ImportRemark.objects.filter(pk=pk)
    return policy.import_remarks_visible_to(user, client, remarks).first()


def rows_with_remarks(run: ClientImport, *, limit: int) -> list[dict]:
    """The first `limit` rows of a run that were imported with remarks, for its result
    page: row, record id, "column: reason" (never the value), all resolved or not."""
    remarks = ImportRemark.objects.filter(run=run)
    rows = remarks.order_by("row").values_list("row", flat=True).distinct()
    if last := list(rows[limit - 1 : limit]):
        remarks = remarks.filter(row__lte=last[0])
    found = remarks.order_by("row", "pk").values_list(
        "row", "client_id", "column", "reason", "resolved_at"
    )
    result = []
    for row, group in groupby(found, key=lambda entry: entry[0]):
        entries = list(group)
        result.append(
            {
                "row": row,
                "client_id": entries[0][1],
                "remarks": [
                    f"{column}: {ImportRemark.Reason(reason).label}"
                    for _row, _client, column, reason, _at in entries
                ],
                "resolved": all(entry[4] is not None for entry in entries),
            }
        )
    return result


@transaction.atomic
def remark_resolve(*, remark: ImportRemark, actor, resolution: str) -> bool:
    """Mark the remark resolved (the record corrected, or the value dismissed) and erase
    the raw value. False if it was resolved already (a second click, another desk)."""
    locked = ImportRemark.objects.select_for_update().get(pk=remark.pk)
    if locked.resolved_at is not None:
        return False
    locked.resolution = ImportRemark.Resolution(resolution)
    locked.resolved_at = timezone.now()
    locked.resolved_by = actor
    locked.value = ""
    locked.save(update_fields=["resolution", "resolved_at", "resolved_by", "value"])
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, fields=["resolution", "value"]
    )
    return True
