"""The fields a merge compares and chooses between, and their values as stored, shown
and kept for an undo: every field of the record's forms, in form order, labelled as on
the forms. Birth date and household membership are chosen as a whole."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, Household
from core.sections import SECTIONS


# (choice name, label, model fields, section) per field.
def _merge_fields() -> tuple[tuple[str, Any, tuple[str, ...], str], ...]:
    fields = []
    for slug, section in SECTIONS.items():
        for name in section.fields:
            if name == "birth_date":
                columns, label = ("birth_year", "birth_month", "birth_day"), _BIRTH_DATE
            else:
                columns, label = (name,), capfirst(Client._meta.get_field(name).verbose_name)
            fields.append((name, label, columns, slug))
    fields.append(("household", _HOUSEHOLD, ("household", "household_role"), "household"))
    return tuple(fields)


_BIRTH_DATE = gettext_lazy("Date of birth")
_HOUSEHOLD = gettext_lazy("Household membership")
MERGE_FIELDS = _merge_fields()
LABELS = {name: label for name, label, _fields, _section in MERGE_FIELDS}
CHOICE_NAMES = tuple(name for name, _label, _fields, _section in MERGE_FIELDS)
MODEL_FIELDS = {name: fields for name, _label, fields, _section in MERGE_FIELDS}
SECTION_OF = {name: section for name, _label, _fields, section in MERGE_FIELDS}
# Stored "empty" values: a field holding one of these yields to the other record's value.
_EMPTY = (None, "", [], False, "u", "unknown")


def stored(client: Client, name: str) -> Any:
    """A comparable form of one merge field (plain values, no model objects)."""
    if name == "birth_date":
        return [client.birth_year, client.birth_month, client.birth_day]
    if name == "household":
        return [client.household_id, client.household_role] if client.household_id else None
    value = getattr(client, name)
    if name == "nationalities":
        return [str(country.code) for country in value]
    if name == "country_of_birth":
        return str(value.code) if value else ""
    if name == "phone":
        return value.as_e164 if value else ""
    return value


def is_empty(name: str, value: Any) -> bool:
    if name == "birth_date":
        return value[0] is None
    return value in _EMPTY


def to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def model_values(client: Client, name: str) -> dict[str, Any]:
    """The model field values behind one merge field, ready for client_update."""
    if name == "household":
        return {"household": client.household, "household_role": client.household_role}
    return {field: getattr(client, field) for field in MODEL_FIELDS[name]}


def from_json(name: str, value: Any) -> dict[str, Any]:
    """Model field values from a stored `json(stored(...))`."""
    if name == "birth_date":
        return dict(zip(("birth_year", "birth_month", "birth_day"), value, strict=True))
    if name == "household":
        if not value:
            return {"household": None, "household_role": ""}
        return {
            "household": Household.objects.get(pk=value[0]),
            "household_role": value[1],
        }
    if name == "arrival_date" and value:
        return {name: dt.date.fromisoformat(value)}
    return {name: value}


def shown(client: Client, name: str) -> str:
    """A value as the detail page shows it (labels, not codes)."""
    if name == "birth_date":
        return str(client.birth_date) or "–"
    if name == "household":
        if not client.household_id:
            return "–"
        return f"{client.household} ({client.get_household_role_display()})"
    if name == "nationalities":
        return ", ".join(country.name for country in client.nationalities) or "–"
    if name == "country_of_birth":
        return client.country_of_birth.name if client.country_of_birth else "–"
    if name == "languages":
        return client.get_languages_display() or "–"
    if name == "arrival_date":
        return client.arrival_date.strftime("%d.%m.%Y") if client.arrival_date else "–"
    field = Client._meta.get_field(name)
    if field.choices:
        return str(getattr(client, f"get_{name}_display")()) or "–"
    value = getattr(client, name)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value) if value not in (None, "") else "–"
