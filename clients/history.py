"""The change history of a record (django-simple-history): saving with the actor named,
and reading the history back as a person reads it.

Every tracked write goes through `save_tracked`, so the history names who changed what
and the change feed (`clients.changes`) learns which sections changed;
workflows that change records themselves (merge, undo) use it and `latest_history_id`
as the services do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from clients.changes import change_after_save
from clients.models import Client, IdentityDocument
from core.sections import section_of_field


def save_tracked(
    obj: Client | IdentityDocument, *, actor, update_fields=None, reason: str = ""
) -> None:
    """Validate, then save with the actor (and a reason) in the change history."""
    if isinstance(obj, Client):
        obj.refresh_search_name()
    _validate(obj, update_fields)
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    created = obj._state.adding
    obj.save(update_fields=update_fields)
    # The change feed's entry, in the same transaction as the change.
    change_after_save(obj, created=created, update_fields=update_fields)


# The columns an error of a model's clean() is about, where its name says less: a value
# kept in several columns, a rule over several (writing any of them may break it).
_COLUMNS_OF = {
    "birth_date": {"birth_year", "birth_month", "birth_day"},
    "household_role": {"household", "household_id", "household_role"},
    "number": {"number", "doc_type", "issuing_country"},
    "expires_on": {"issued_on", "expires_on"},
}


def _validate(obj, update_fields) -> None:
    """A new object in full; a change by the fields it writes. A fault the stored record
    had before in fields the change leaves alone (a birth date an old import put in the
    future) must not refuse a new address, which the agency saving it may not even be
    allowed to correct; the section holding the fault still shows it when edited."""
    try:
        obj.full_clean()
    except ValidationError as error:
        if update_fields is None or not hasattr(error, "error_dict"):
            raise
        written = set(update_fields)
        kept = {
            name: messages
            for name, messages in error.error_dict.items()
            if name == NON_FIELD_ERRORS or _COLUMNS_OF.get(name, {name}) & written
        }
        if kept:
            raise ValidationError(kept) from None


def latest_history_id(obj: Client | IdentityDocument) -> int | None:
    """The change-history entry that holds the values the last save wrote."""
    return obj.history.order_by("-history_id").values_list("history_id", flat=True).first()


def client_history(client: Client, *, sections: frozenset[str]) -> list[HistoryEntry]:
    """The client's and their documents' changes, newest first, as a person reads them.

    Only changes to fields of `sections` appear: a history must not show what the
    record itself would not.
    """
    entries: list[HistoryEntry] = []
    records = list(client.history.select_related("history_user").order_by("history_date"))
    entries += _entries(records, label=None, sections=sections)
    if "documents" in sections:
        documents = IdentityDocument.history.filter(client_id=client.pk).select_related(
            "history_user"
        )
        by_document: dict[int, list] = {}
        for record in documents.order_by("history_date"):
            by_document.setdefault(record.id, []).append(record)
        for document_records in by_document.values():
            label = str(_instance(document_records[-1]))
            entries += _entries(document_records, label=label, sections=sections)
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted (simple-history's history_type)
    subject: str | None
    changes: list[FieldChange]


_BIRTH_PARTS = {"birth_year", "birth_month", "birth_day"}


def _entries(records: list, *, label: str | None, sections: frozenset[str]) -> list[HistoryEntry]:
    entries = []
    previous = None
    for record in records:
        changes: list[FieldChange] = []
        if previous is not None:
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            visible = [
                change
                for change in delta.changes
                # the client itself: only fields of sections the reader may see
                if label is not None or section_of_field(change.field) in sections
            ]
            changed = {change.field for change in visible}
            if changed & _BIRTH_PARTS:
                changes.append(
                    FieldChange(
                        str(_("date of birth")),
                        str(_instance(previous).birth_date) or "–",
                        str(_instance(record).birth_date) or "–",
                    )
                )
            for change in visible:
                if change.field in _BIRTH_PARTS:
                    continue
                changes.append(
                    FieldChange(
                        str(record.instance_type._meta.get_field(change.field).verbose_name),
                        _display(_instance(previous), change.field),
                        _display(_instance(record), change.field),
                    )
                )
        if previous is None or changes or record.history_type != "~":
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=record.history_user.get_username() if record.history_user else "–",
                    kind=record.history_type,
                    subject=label,
                    changes=changes,
                )
            )
        previous = record
    return entries


def _instance(record):
    """The record as it was, from the history row alone. simple-history's `.instance`
    reads the fields it does not track from the database, one query per access (265
    queries for a record with 31 versions); none of them is shown here."""
    cached = getattr(record, "_portal_instance", None)
    if cached is None:
        model = record.instance_type
        cached = model(
            **{
                field.attname: getattr(record, field.attname)
                for field in model._meta.concrete_fields
                if hasattr(record, field.attname)
            }
        )
        record._portal_instance = cached
    return cached


def _display(instance, field_name: str) -> str:
    """A field's value as the detail page shows it (labels, not codes)."""
    field = instance._meta.get_field(field_name)
    if field.choices and not getattr(field, "multiple", False):
        value = getattr(instance, f"get_{field_name}_display")()
    elif field_name == "languages":
        value = instance.get_languages_display()
    elif field_name == "nationalities":
        value = ", ".join(country.name for country in instance.nationalities)
    elif field.is_relation:
        related_id = getattr(instance, field.attname)
        value = f"{field.verbose_name} {related_id}" if related_id else None
    else:
        value = getattr(instance, field_name)
        if hasattr(value, "name") and hasattr(value, "code"):  # a single country
            value = value.name
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif hasattr(value, "strftime"):
            value = formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value) if value not in (None, "") else "–"
