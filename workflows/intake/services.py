"""Registering a person once, at first contact: the record, its first document, the
registering agency's access to it, and household members joining it.

The duplicate check before saving is `workflows.intake.check`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from access.rows import access_rebuild
from agencies.models import Agency
from audit.services import audit_record
from clients import services as client_services
from clients.choices import HouseholdRole
from clients.history import latest_history_id, save_tracked
from clients.models import Client, Household


class AlreadyRegistered(Exception):  # noqa: N818 - an outcome, not a failure
    """This intake form (its token) was saved before: nothing new was written; `client`
    is the record the first submission created."""

    def __init__(self, client: Client):
        super().__init__(client.pk)
        self.client = client


def registered_with_token(*, agency: Agency, token: uuid.UUID) -> Client | None:
    """The record an intake form with this token created, or None. A token used by
    another agency is refused: it was never shown to this one."""
    client = Client.objects.filter(intake_token=token).first()
    if client is not None and client.registered_by_id != agency.pk:
        raise ValidationError(
            _("This form cannot be saved again. Please open the form anew."), code="token"
        )
    return client


@transaction.atomic
def client_register(
    *,
    agency: Agency,
    actor,
    fields: dict[str, Any],
    document: dict[str, Any] | None = None,
    intake_token: uuid.UUID | None = None,
) -> Client:
    """Register a person once; the registering agency may see and change the record.

    With `intake_token` (the intake form's one-time token; the pages always send one)
    the form is saved at most once: a repeated or concurrent submission raises
    `AlreadyRegistered` with the first one's record and writes nothing. The database's
    unique constraint decides the race: the second insert waits for the first
    transaction and fails when it commits.
    """
    if intake_token is not None:
        if done := registered_with_token(agency=agency, token=intake_token):
            raise AlreadyRegistered(done)
    fields = dict(fields)
    birth_date = fields.pop("birth_date", None)
    client = Client(registered_by=agency, intake_token=intake_token, **fields)
    if birth_date is not None:
        client.birth_date = birth_date
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            save_tracked(client, actor=actor)
    except (IntegrityError, ValidationError):
        # A concurrent submission committed first: its token is now taken, found either
        # by the model's constraint check before the insert (ValidationError) or by the
        # unique index at the insert (IntegrityError).
        done = intake_token and registered_with_token(agency=agency, token=intake_token)
        if not done:
            raise  # another constraint or field
        raise AlreadyRegistered(done) from None
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
    *,
    anchor: Client,
    agency: Agency,
    actor,
    role: str,
    fields: dict[str, Any],
    intake_token: uuid.UUID | None = None,
) -> Client:
    """Register a new person into the anchor's household (founding it if needed);
    `intake_token` as for `client_register`."""
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
            # Only the household link, under the lock just taken: nothing a form showed.
            seen_version=client_services.IGNORE_VERSION,
        )
    return client_register(
        agency=agency,
        actor=actor,
        fields={**fields, "household": anchor.household, "household_role": role},
        intake_token=intake_token,
    )


def _names(fields: dict[str, Any], birth_date) -> list[str]:
    names = [name for name, value in fields.items() if value not in ("", None, [], False)]
    if birth_date is not None and birth_date.year is not None:
        names.append("birth_date")
    return names
