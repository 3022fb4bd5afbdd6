"""Readable audit events: what the codes an event keeps (object type and id, field and
section names, "to:<agency>") mean, in the reader's language.

An event knows ids only. A record is named, and linked, only when the reader's agency
may open it (`access.selectors.clients_visible_among`), else it is "record no. 313": the
audit log must not become a way around the access rules. User names are shown for the
reader's own agency's staff (central admins: everyone's). Every lookup is one query for
a whole page of events, so a page costs the same number of queries whatever it shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from access import policy
from access import selectors as access_selectors
from audit import selectors
from audit.forms import EventFilterForm
from audit.models import AuditEvent
from clients.forms import ClientSearchForm
from clients.models import Client
from core.sections import SECTIONS

CLIENT = "clients.client"
USER = "auth.user"
HANDOVER_PREFIX = "to:"
# A list that showed at most this many records names those the reader may open.
NAMED_IN_LIST = 5

# Object types whose model has moved or that name no model.
_TYPE_LABELS = {
    "access.grant": gettext_lazy("Access grant no. %(id)s"),
    "agencies.grant": gettext_lazy("Access grant no. %(id)s"),
    "access.accessrequest": gettext_lazy("Access request no. %(id)s"),
    "agencies.accessrequest": gettext_lazy("Access request no. %(id)s"),
    "ratelimit": gettext_lazy("Rate limit “%(id)s”"),
    "audit.anchor": gettext_lazy("Audit log anchor"),
    "audit.chain": gettext_lazy("Audit log chain"),
    "audit.auditevent": gettext_lazy("Audit log"),
}

# Codes events keep in their field list that are neither a section nor a model field.
CODES = {
    "admin": gettext_lazy("in the administration"),
    "history": gettext_lazy("change history"),
    "print": gettext_lazy("printed"),
    "start_page": gettext_lazy("start page"),
    "existence_hint": gettext_lazy("existence hint (record of another agency)"),
    "duplicate_check": gettext_lazy("duplicate check at intake"),
    "duplicate_override": gettext_lazy("saved despite a probable duplicate"),
    "duplicate_queue": gettext_lazy("duplicate review queue"),
    "duplicate_report": gettext_lazy("duplicate report"),
    "audit_accesses": gettext_lazy("who saw this record"),
    "audit_log": gettext_lazy("audit log"),
    "inbox": gettext_lazy("inbox"),
    "undo": gettext_lazy("undone"),
    "grants": gettext_lazy("access grants"),
    "merge_grant": gettext_lazy("access kept after the merge"),
    "merge_proposal": gettext_lazy("merge proposal"),
    "locked_out": gettext_lazy("locked out"),
    "account": gettext_lazy("per account"),
    "address": gettext_lazy("per address"),
    "unlocked": gettext_lazy("unlocked"),
    "ratelimit": gettext_lazy("rate limit"),
    "password": gettext_lazy("password"),
    "second_factor": gettext_lazy("second factor"),
    "second_factor_reset": gettext_lazy("second factor reset"),
    "backup_codes": gettext_lazy("backup codes"),
    "sessions_ended": gettext_lazy("sessions ended"),
    "row_errors": gettext_lazy("rows with errors"),
    "remarks": gettext_lazy("import remarks"),
    "azr_export": gettext_lazy("export in the AZR shape"),
    "json": "JSON",
    "xml": "XML",
    "channel:api": gettext_lazy("through the API"),
}
API_KEY_PREFIX = "api_key:"


@dataclass(frozen=True)
class Named:
    """An object as the reader may see it: a text, and a link where the reader may go."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class EventLabels:
    object: Named | None
    shown: str = ""  # "12 records shown"
    shown_records: list[Named] = field(default_factory=list)  # those the reader may open
    fields: list[str] = field(default_factory=list)

    @property
    def fields_text(self) -> str:
        return ", ".join(self.fields)


class EventLabeller:
    """Labels for a page of events, read for `user` with a fixed number of queries."""

    def __init__(self, user, events: Iterable[AuditEvent]) -> None:
        events = list(events)
        record_ids: set[int] = set()
        user_ids: set[int] = set()
        slugs: set[str] = set()
        for event in events:
            if event.object_type == CLIENT:
                record_ids.update(_ids([event.object_id]))
                if len(event.object_ids) <= NAMED_IN_LIST:
                    record_ids.update(_ids(event.object_ids))
            elif event.object_type == USER:
                user_ids.update(_ids([event.object_id]))
            slugs.update(
                name.removeprefix(HANDOVER_PREFIX)
                for name in event.fields
                if isinstance(name, str) and name.startswith(HANDOVER_PREFIX)
            )
        self.records = access_selectors.clients_visible_among(user, record_ids)
        self.usernames = (
            selectors.usernames(user_ids, agency=policy.audit_scope(user)) if user_ids else {}
        )
        self.agencies = selectors.agency_names(slugs)

    def labels(self, event: AuditEvent) -> EventLabels:
        shown = ""
        shown_records: list[Named] = []
        if event.object_ids:
            count = len(event.object_ids)
            if event.object_type == CLIENT:
                shown = ngettext("%(count)s record shown", "%(count)s records shown", count)
                if count <= NAMED_IN_LIST:
                    shown_records = [
                        self._record(pk) for pk in _ids(event.object_ids) if pk in self.records
                    ]
            else:
                shown = ngettext("%(count)s shown", "%(count)s shown", count)
            shown = shown % {"count": count}
        return EventLabels(
            object=self.object_of(event),
            shown=shown,
            shown_records=shown_records,
            fields=[self.field_label(event, name) for name in event.fields],
        )

    def object_of(self, event: AuditEvent) -> Named | None:
        kind, pk = event.object_type, event.object_id
        if not kind:
            return None
        if kind == CLIENT and pk.isdigit():
            if int(pk) in self.records:
                return self._record(int(pk))
            return Named(_("Record no. %(id)s") % {"id": pk})
        if kind == USER and pk.isdigit():
            name = self.usernames.get(int(pk))
            return Named(name or _("User account no. %(id)s") % {"id": pk})
        if kind in _TYPE_LABELS:
            return Named(str(_TYPE_LABELS[kind]) % {"id": pk})
        model = _model(kind)
        if model is None:
            return Named(f"{kind} {pk}".strip())
        if not pk:
            return Named(capfirst(str(model._meta.verbose_name_plural)))
        return Named(
            _("%(type)s no. %(id)s") % {"type": capfirst(str(model._meta.verbose_name)), "id": pk}
        )

    def field_label(self, event: AuditEvent, name) -> str:
        """A section, model field or code by its label; unknown codes as they are."""
        if not isinstance(name, str):
            return str(name)
        if name.startswith(HANDOVER_PREFIX):
            slug = name.removeprefix(HANDOVER_PREFIX)
            return _("handover to %(agency)s") % {"agency": self.agencies.get(slug, slug)}
        if name.startswith(API_KEY_PREFIX):
            return _("API key no. %(id)s") % {"id": name.removeprefix(API_KEY_PREFIX)}
        if event.object_type == "audit.auditevent" and name in EventFilterForm.base_fields:
            return str(EventFilterForm.base_fields[name].label)
        return field_label(name, model=_model(event.object_type))

    def _record(self, pk: int) -> Named:
        return Named(self.records[pk].display_name, reverse("clients:client-detail", args=[pk]))


def field_label(name: str, *, model: type[models.Model] | None = None) -> str:
    if name in CODES:
        return str(CODES[name])
    if name in SECTIONS:
        return str(SECTIONS[name].label)
    for owner in (model, Client):
        if owner is None:
            continue
        try:
            return str(owner._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            pass
    search_field = ClientSearchForm.base_fields.get(name)
    if search_field is not None and search_field.label:
        return str(search_field.label)
    return name


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _ids(values: Iterable) -> list[int]:
    """The integer ids among `values` (ids are stored as text or JSON numbers)."""
    found = []
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            found.append(value)
        elif isinstance(value, str) and value.isdigit():
            found.append(int(value))
    return found
