"""Registering a person once, at first contact: the record, its first document, the
registering agency's access to it, and household members joining it.

The duplicate check before saving is `workflows.intake.check`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from access.rows import access_rebuild
from agencies.models import Agency
from audit.services import audit_record
from clients import services as client_services
from clients.choices import HouseholdRole
from clients.history import latest_history_id, save_tracked
from clients.models import Client, Household


@transaction.atomic
def client_register(
    *,
    agency: Agency,
    actor,
    fields: dict[str, Any],
    document: dict[str, Any] | None = None,
) -> Client:
    """Register a person once; the registering agency may see and change the record."""
    fields = dict(fields)
    birth_date = fields.pop("birth_date", None)
    client = Client(registered_by=agency, **fields)
    if birth_date is not None:
        client.birth_date = birth_date
    save_tracked(client, actor=actor)
    client_services.match_keys_refresh(clients=[client])
    access_rebuild(client=client, agency=agency)
    audit_record(
        actor=actor,
        action="create",
        obj=client,
        fields=_names(fields, birth_date),
        history_id=latest_history_id(client),
    )
    if document:
        client_services.document_add(client=client, actor=actor, fields=document)
    return client


@transaction.atomic
def household_member_add(
    *, anchor: Client, agency: Agency, actor, role: str, fields: dict[str, Any]
) -> Client:
    """Register a new person into the anchor's household (founding it if needed)."""
    # Locked and re-read, so two caseworkers adding members at once found one household.
    anchor = Client.objects.select_for_update().get(pk=anchor.pk)
    if anchor.household_id is None:
        household = Household()
        household._history_user = actor
        household.save()
        anchor = client_services.client_update(
            client=anchor,
            actor=actor,
            fields={"household": household, "household_role": HouseholdRole.HEAD},
        )
    return client_register(
        agency=agency,
        actor=actor,
        fields={**fields, "household": anchor.household, "household_role": role},
    )


def _names(fields: dict[str, Any], birth_date) -> list[str]:
    names = [name for name, value in fields.items() if value not in ("", None, [], False)]
    if birth_date is not None and birth_date.year is not None:
        names.append("birth_date")
    return names
