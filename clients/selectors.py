"""Reads of client records. Every queryset starts from agencies.access, so no list
can forget the permission filter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from agencies import access
from clients.dates import PartialDate
from clients.matching.keys import match_records
from clients.matching.score import (
    DEFAULT_THRESHOLD,
    REASON_LABELS,
    Match,
    MatchRecord,
    score_pair,
)
from clients.models import Client, ClientMatchKey, IdentityDocument, fold
from clients.sections import IDENTITY, reasons_visible, section_of_field


def client_search(
    user,
    *,
    name: str = "",
    birth_date: PartialDate | None = None,
    document_number: str = "",
    azr_number: str = "",
    phone: str = "",
    reference_code: str = "",
    everywhere: bool = False,
) -> QuerySet[Client]:
    """Clients visible to `user` matching every given criterion.

    Names match case- and accent-insensitively, each word anywhere in any name
    field. Transliteration-aware matching replaces `_name_filter` later. A criterion
    from a section (documents, phone from contact) only matches records whose section
    the user may see. With `everywhere`, the same search over all records, for the
    existence hints of agencies.selectors (never shown as records).
    """
    if everywhere:
        clients = Client.objects.all()
    else:
        clients = access.clients_visible_to(user)
    # A merged record only redirects to its survivor: never a result, never a hint.
    clients = clients.filter(merged_into__isnull=True)
    clients = _name_filter(clients, name)
    if name:
        # Folded names start with the family name; ordering by them lets PostgreSQL stop
        # early instead of walking the name index (1.3 s -> ~0.3 s for a common name).
        clients = clients.order_by("search_name", "pk")
    if birth_date is not None and birth_date.year is not None:
        clients = clients.filter(_birth_date_q(birth_date))
    if document_number:
        clients = clients.filter(Exists(_documents_numbered(document_number)))
        if not everywhere:
            clients = clients.filter(pk__in=access.clients_visible_to(user, section="documents"))
    if azr_number:
        clients = clients.filter(azr_number=azr_number)
    if phone:
        clients = clients.filter(phone=_e164(phone))
        if not everywhere:
            clients = clients.filter(pk__in=access.clients_visible_to(user, section="contact"))
    if reference_code:
        clients = clients.filter(reference_code=reference_code)
    return clients


def search_is_specific(
    *,
    name: str = "",
    birth_date=None,
    document_number="",
    azr_number="",
    phone="",
    reference_code="",
    **_other,
) -> bool:
    """Specific enough to tell that a record exists elsewhere, without inviting trawling."""
    if document_number or azr_number or phone or reference_code:
        return True
    return bool(birth_date) and len(fold(name).replace(" ", "")) >= 4


def _documents_numbered(number: str) -> QuerySet[IdentityDocument]:
    return IdentityDocument.objects.filter(client=OuterRef("pk"), number=number)


def _name_filter(clients: QuerySet[Client], name: str) -> QuerySet[Client]:
    for word in fold(name).split():
        clients = clients.filter(search_name__contains=word)
    return clients


def _birth_date_q(birth_date: PartialDate) -> Q:
    """Match the known parts; a record with a less precise date may still be the person."""
    condition = Q(birth_year=birth_date.year)
    if birth_date.month is not None:
        condition &= Q(birth_month=birth_date.month) | Q(birth_month__isnull=True)
    if birth_date.day is not None:
        condition &= Q(birth_day=birth_date.day) | Q(birth_day__isnull=True)
    return condition


def _e164(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "DE")
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def household_members(user, client: Client) -> QuerySet[Client]:
    """The other members of the client's household that the same user may see."""
    if client.household_id is None:
        return Client.objects.none()
    return (
        access.clients_visible_to(user)
        .filter(household_id=client.household_id, merged_into__isnull=True)
        .exclude(pk=client.pk)
        .order_by("household_role", "pk")
    )


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
            label = str(document_records[-1].instance)
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
                        str(previous.instance.birth_date) or "–",
                        str(record.instance.birth_date) or "–",
                    )
                )
            for change in visible:
                if change.field in _BIRTH_PARTS:
                    continue
                changes.append(
                    FieldChange(
                        str(record.instance._meta.get_field(change.field).verbose_name),
                        _display(previous.instance, change.field),
                        _display(record.instance, change.field),
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


# Shown at intake from this score on ("possible"); DEFAULT_THRESHOLD and up is "probable".
INTAKE_THRESHOLD = 0.5
# The intake check scores the records sharing the most blocking keys with the typed one
# (a duplicate shares several: name + year, name + day/month, name + full date, ...),
# and shows the best few: bounded work even for the most common names.
MAX_CANDIDATES = 80
MAX_SHOWN = 8


@dataclass
class DuplicateCandidate:
    client: Client
    match: Match
    labels: list[str] = field(default_factory=list)  # reasons the reader may see, translated

    @property
    def probable(self) -> bool:
        return self.match.score >= DEFAULT_THRESHOLD


def duplicate_candidates(
    record: MatchRecord, *, exclude_ids: Iterable[int] = (), threshold: float = INTAKE_THRESHOLD
) -> list[DuplicateCandidate]:
    """Existing records that may be the same person as `record`, best first.

    Not filtered by permission: callers split the result with `access.clients_hidden_from`
    and show hidden ones only as existence hints.
    """
    keys = list(dict.fromkeys(key[:64] for key in record.blocking_keys()))
    if not keys:
        return []
    ranked = (
        ClientMatchKey.objects.filter(key__in=keys)
        .exclude(client_id__in=list(exclude_ids))
        .values("client_id")
        .annotate(shared=Count("*"))
        .order_by("-shared", "client_id")[:MAX_CANDIDATES]
    )
    candidates = match_records(
        client_model=Client,
        document_model=IdentityDocument,
        ids=[row["client_id"] for row in ranked],
    )
    scored = [(score_pair(record, other), other.id) for other in candidates]
    best = sorted(
        ((match, pk) for match, pk in scored if match.score >= threshold),
        key=lambda item: (-item[0].score, item[1]),
    )[:MAX_SHOWN]
    clients = Client.objects.select_related("registered_by").in_bulk([pk for _m, pk in best])
    return [DuplicateCandidate(clients[pk], match) for match, pk in best]


def match_records_all() -> list[MatchRecord]:
    """Every record that can still be a duplicate (not merged), for the batch report."""
    return match_records(client_model=Client, document_model=IdentityDocument)


def reason_labels(codes: list[str], *, sections: frozenset[str] = frozenset({IDENTITY})) -> list:
    """Translated labels of the match reasons a reader who sees `sections` of both
    records may read (identity only, unless told more)."""
    return [REASON_LABELS.get(code, code) for code in reasons_visible(codes, sections)]
