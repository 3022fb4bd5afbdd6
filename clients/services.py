"""Writes to the client record. Keyword-only, atomic, validated; each writes history and audit.

Views, workflows and commands call these; nothing else changes a client. Registering a
person also gives the registering agency access, so it is a workflow
(`workflows.intake.services.client_register`).
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Agency
from audit.services import audit_record
from clients.history import latest_history_id, save_tracked
from clients.matchkeys import match_keys_write, match_records
from clients.models import CaseNote, Client, ClientMatchKey, IdentityDocument


class _Unchecked(enum.Enum):
    IGNORE_VERSION = "ignore-version"


# For callers that change a record without a form someone opened (merge, undo, household
# founding, imports, seeds): they say so, so that a page cannot skip the check by default.
IGNORE_VERSION = _Unchecked.IGNORE_VERSION
SeenVersion = str | Literal[_Unchecked.IGNORE_VERSION]


def version_check(*, seen_version: SeenVersion, current: str) -> None:
    """Refuse a change made from a form opened on another state of the object: someone
    else saved meanwhile, or the form did not say which state it saw (a missing or empty
    version is refused, never waved through)."""
    if seen_version is IGNORE_VERSION:
        return
    if not seen_version or seen_version != current:
        raise ValidationError(
            _(
                "Someone else changed this record after you opened the form. Your input is "
                "kept below; please compare it with the record and save again."
            ),
            code="stale",
        )


@transaction.atomic
def client_update(
    *, client: Client, actor, fields: dict[str, Any], seen_version: SeenVersion
) -> Client:
    """Change some fields; only changed ones are written, history keeps the old values.

    Compares with the row as stored (locked), not with the caller's copy, which a
    bound ModelForm has already overwritten. `seen_version` is the record's `version`
    when the form was opened: a change made meanwhile by someone else is refused instead
    of silently overwritten. Only callers without a form pass `IGNORE_VERSION`.
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    version_check(seen_version=seen_version, current=client.version)
    fields = dict(fields)
    fields.pop("seen_version", None)
    if "birth_date" in fields:
        birth_date = fields.pop("birth_date")
        fields.update(
            birth_year=birth_date.year, birth_month=birth_date.month, birth_day=birth_date.day
        )
    changed = [name for name, value in fields.items() if getattr(client, name) != value]
    if not changed:
        return client
    for name in changed:
        setattr(client, name, fields[name])
    save_tracked(client, actor=actor, update_fields=[*changed, "search_name", "updated_at"])
    match_keys_refresh(clients=[client])
    audit_record(
        actor=actor,
        action="update",
        obj=client,
        fields=changed,
        history_id=latest_history_id(client),
    )
    return client


@transaction.atomic
def document_add(*, client: Client, actor, fields: dict[str, Any]) -> IdentityDocument:
    document = IdentityDocument(client=client, **fields)
    save_tracked(document, actor=actor)
    match_keys_refresh(clients=[client])
    audit_record(actor=actor, action="create", obj=document, fields=list(fields))
    return document


@transaction.atomic
def document_update(
    *, document: IdentityDocument, actor, fields: dict[str, Any], seen_version: SeenVersion
) -> IdentityDocument:
    """Correct a document; `seen_version` as for `client_update`."""
    document = IdentityDocument.objects.select_for_update().get(pk=document.pk)
    version_check(seen_version=seen_version, current=document.version)
    fields = dict(fields)
    fields.pop("seen_version", None)
    changed = [name for name, value in fields.items() if getattr(document, name) != value]
    if not changed:
        return document
    for name in changed:
        setattr(document, name, fields[name])
    save_tracked(document, actor=actor, update_fields=changed)
    match_keys_refresh(clients=[document.client])
    audit_record(
        actor=actor,
        action="update",
        obj=document,
        fields=changed,
        history_id=latest_history_id(document),
    )
    return document


@transaction.atomic
def case_note_add(*, client: Client, agency: Agency, actor, text: str) -> CaseNote:
    note = CaseNote(client=client, agency=agency, author=actor, text=text)
    note.full_clean()
    note.save()
    audit_record(actor=actor, action="create", obj=note, fields=["case_notes"])
    return note


def match_keys_refresh(*, clients: list[Client]) -> None:
    """Rewrite the blocking keys of `clients`, as saved. Merged records keep no keys:
    they are never proposed again."""
    ids = [client.pk for client in clients]
    ClientMatchKey.objects.filter(client_id__in=ids).delete()
    records = match_records(client_model=Client, document_model=IdentityDocument, ids=ids)
    match_keys_write(records=records, key_model=ClientMatchKey)
