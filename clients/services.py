"""Writes to the client record. Keyword-only, atomic, validated; each writes history and audit.

Views and commands call these; nothing else creates or changes a client.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies import access
from agencies.models import Agency
from audit.services import audit_record
from clients.choices import HouseholdRole
from clients.matching.keys import match_keys_write, match_records
from clients.matching.score import Match
from clients.models import (
    CaseNote,
    Client,
    ClientMatchKey,
    DuplicatePair,
    Household,
    IdentityDocument,
)


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
    _save_tracked(client, actor=actor)
    match_keys_refresh(clients=[client])
    access.access_rebuild(client=client, agency=agency)
    audit_record(
        actor=actor,
        action="create",
        obj=client,
        fields=_names(fields, birth_date),
        history_id=_latest_history(client),
    )
    if document:
        document_add(client=client, actor=actor, fields=document)
    return client


@transaction.atomic
def client_update(
    *, client: Client, actor, fields: dict[str, Any], seen_version: str | None = None
) -> Client:
    """Change some fields; only changed ones are written, history keeps the old values.

    Compares with the row as stored (locked), not with the caller's copy, which a
    bound ModelForm has already overwritten. With `seen_version` (the record's
    `version` when the form was opened) a change made meanwhile by someone else is
    refused instead of silently overwritten.
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    if seen_version is not None and seen_version != client.version:
        raise ValidationError(
            _(
                "Someone else changed this record after you opened the form. Your input is "
                "kept below; please compare it with the record and save again."
            ),
            code="stale",
        )
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
    _save_tracked(client, actor=actor, update_fields=[*changed, "search_name", "updated_at"])
    match_keys_refresh(clients=[client])
    audit_record(
        actor=actor, action="update", obj=client, fields=changed, history_id=_latest_history(client)
    )
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
        anchor = client_update(
            client=anchor,
            actor=actor,
            fields={"household": household, "household_role": HouseholdRole.HEAD},
        )
    return client_register(
        agency=agency,
        actor=actor,
        fields={**fields, "household": anchor.household, "household_role": role},
    )


@transaction.atomic
def document_add(*, client: Client, actor, fields: dict[str, Any]) -> IdentityDocument:
    document = IdentityDocument(client=client, **fields)
    _save_tracked(document, actor=actor)
    match_keys_refresh(clients=[client])
    audit_record(actor=actor, action="create", obj=document, fields=list(fields))
    return document


@transaction.atomic
def document_update(
    *, document: IdentityDocument, actor, fields: dict[str, Any]
) -> IdentityDocument:
    document = IdentityDocument.objects.select_for_update().get(pk=document.pk)
    changed = [name for name, value in fields.items() if getattr(document, name) != value]
    if not changed:
        return document
    for name in changed:
        setattr(document, name, fields[name])
    _save_tracked(document, actor=actor, update_fields=changed)
    match_keys_refresh(clients=[document.client])
    audit_record(
        actor=actor,
        action="update",
        obj=document,
        fields=changed,
        history_id=_latest_history(document),
    )
    return document


def _save_tracked(obj: Client | IdentityDocument, *, actor, update_fields=None) -> None:
    """Validate in full, then save with the actor named in the change history."""
    if isinstance(obj, Client):
        obj.refresh_search_name()
    obj.full_clean()
    obj._history_user = actor
    obj.save(update_fields=update_fields)


def _latest_history(obj: Client | IdentityDocument) -> int | None:
    """The change-history entry that holds the values this update wrote."""
    return obj.history.order_by("-history_id").values_list("history_id", flat=True).first()


def _names(fields: dict[str, Any], birth_date) -> list[str]:
    names = [name for name, value in fields.items() if value not in ("", None, [], False)]
    if birth_date is not None and birth_date.year is not None:
        names.append("birth_date")
    return names


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


def duplicate_pair_record(
    *,
    client_ids: tuple[int, int],
    score: float,
    reasons: list[str],
    source: str,
    note: str = "",
) -> DuplicatePair | None:
    """Put a pair on the review queue, or refresh its score while it is still open.

    A decided pair (merged, not the same person) is left as decided: never proposed again.
    """
    low, high = sorted(client_ids)
    pair, created = DuplicatePair.objects.get_or_create(
        client_a_id=low,
        client_b_id=high,
        defaults={"score": score, "reasons": reasons, "source": source, "note": note},
    )
    if created:
        return pair
    if pair.status != DuplicatePair.Status.OPEN:
        return None
    pair.score, pair.reasons = score, reasons
    update_fields = ["score", "reasons"]
    if note:
        pair.note, pair.source = note, source
        update_fields += ["note", "source"]
    pair.save(update_fields=update_fields)
    return pair


@transaction.atomic
def intake_duplicates_confirm(
    *, client: Client, actor, matches: list[tuple[int, Match]], reason: str
) -> None:
    """A caseworker registered `client` although it probably matches `matches`: the
    pairs go to the supervisors' review queue with the reason given."""
    for other_id, match in matches:
        duplicate_pair_record(
            client_ids=(client.pk, other_id),
            score=match.score,
            reasons=match.reasons,
            source=DuplicatePair.Source.INTAKE,
            note=reason,
        )
    audit_record(
        actor=actor,
        action="create",
        obj=client,
        fields=["duplicate_override"],
        object_ids=[client.pk, *(other_id for other_id, _m in matches)],
    )


@transaction.atomic
def duplicate_pairs_queue(*, pairs: list[tuple[int, int, Match]]) -> tuple[int, int]:
    """Bulk form of duplicate_pair_record for the batch report: new pairs are queued,
    open ones get the new score, decided ones stay decided. Returns (new, refreshed)."""
    wanted = {tuple(sorted((a, b))): match for a, b, match in pairs}
    existing = {
        (pair.client_a_id, pair.client_b_id): pair
        for pair in DuplicatePair.objects.filter(
            client_a_id__in={a for a, _b in wanted}, client_b_id__in={b for _a, b in wanted}
        )
    }
    new, refreshed = [], []
    for (a, b), match in wanted.items():
        pair = existing.get((a, b))
        if pair is None:
            new.append(
                DuplicatePair(
                    client_a_id=a,
                    client_b_id=b,
                    score=match.score,
                    reasons=match.reasons,
                    source=DuplicatePair.Source.REPORT,
                )
            )
        elif pair.status == DuplicatePair.Status.OPEN:
            pair.score, pair.reasons = match.score, match.reasons
            refreshed.append(pair)
    DuplicatePair.objects.bulk_create(new, batch_size=2000)
    DuplicatePair.objects.bulk_update(refreshed, ["score", "reasons"], batch_size=2000)
    return len(new), len(refreshed)
