"""Supervisors review the audit log: their staff's events, who saw a record, anomalies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access import selectors as access_selectors
from access.guards import audited_view, clients_shown, get_client_for, staff_required
from audit import selectors
from audit.forms import EventFilterForm
from audit.models import AuditEvent
from audit.services import audit_record
from core.csv import csv_text
from core.params import positive_int
from web.views.audit_labels import EventLabeller, EventLabels


@audited_view(may=policy.may_read_audit)
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    visible = selectors.events_of(policy.audit_scope(request.user))
    criteria = form.cleaned_data if form.is_valid() else {}
    record = None
    if criteria.get("client"):
        record = access_selectors.record_objects(criteria["client"])
    events = selectors.events_filtered(visible, criteria, record=record)
    page, cursor = selectors.events_page(
        events,
        oldest_first=criteria.get("order") == "oldest",
        after=positive_int(request.GET.get("after")),
    )
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="audit.auditevent",
        object_ids=[event.pk for event in page],
        fields=[name for name, value in criteria.items() if value],
    )
    labeller = EventLabeller(request.user, page)
    # The page names these records: a read of their identity, like any list of people.
    clients_shown(request, sorted(labeller.records), fields=["identity", "audit_log"])
    # On the first page only, and at most every five minutes per scope: six aggregates
    # over the window cost ~0.4 s at 3 million events, ~1 s at 10 million (issue 13).
    anomalies_as_of, anomalies = (
        _anomalies(request.user, visible) if request.GET.get("after") is None else (None, [])
    )
    context = {
        "form": form,
        "events": page,
        "rows": [(event, labeller.labels(event)) for event in page],
        "cursor": cursor,
        "anomalies": anomalies[:ANOMALIES_LISTED],
        "anomalies_as_of": anomalies_as_of,
        "anomalies_more": max(0, len(anomalies) - ANOMALIES_LISTED),
        "query": _query_without_cursor(request),
    }
    return render(request, "audit/event_list.html", context)


# The rules count over days; once a minute per agency they cost a tenth of a core at
# ten agencies and stalled the page (and those queued behind it) for a second.
ANOMALIES_CACHED = 300  # seconds
# The first ones are listed, the rest counted: at ten million events the rules flagged
# over a thousand, whose list cost ~50 ms to render on every first page (issue 13).
ANOMALIES_LISTED = 20


def _anomalies(user, visible) -> tuple[dt.datetime, list[selectors.Anomaly]]:
    """The flags of the user's scope and when they were computed."""
    scope = policy.audit_scope(user)
    key = f"audit-anomalies:v2:{scope.pk if scope is not None else 'all'}"
    return cache.get_or_set(
        key, lambda: (timezone.now(), selectors.anomalies(visible)), ANOMALIES_CACHED
    )


@staff_required(may=policy.may_read_record_accesses)
def record_accesses(request: HttpRequest, pk: int) -> HttpResponse:
    """Who saw this record: the answer to a GDPR Art. 15 request. The registering agency
    sees every agency's accesses; another agency its own and, by name only, the
    registering agency's (`policy.record_accesses_scope`)."""
    client = get_client_for(request, pk, section="identity")
    days = _days(request)
    scope = policy.record_accesses_scope(request.user, client)
    objects = access_selectors.record_objects(client.pk, taking_part=scope.taking_part)
    events = selectors.record_accesses(
        objects,
        days=days,
        agencies=scope.agency_ids,
        by_name=scope.by_name,
        by_name_actions=scope.by_name_actions,
    )[:2000]
    events = list(events)
    labeller = EventLabeller(request.user, [e for e in events if scope.shows_in_full(e.agency_id)])
    named = sorted(set(labeller.records) - {client.pk})  # the record itself: read above
    as_csv = request.GET.get("format") == "csv"
    action = AuditEvent.Action.EXPORT if as_csv else AuditEvent.Action.VIEW
    clients_shown(request, named, action=action, fields=["identity", "audit_accesses"])
    rows = [
        AccessRow.of(event, in_full=scope.shows_in_full(event.agency_id), labeller=labeller)
        for event in events
    ]
    if as_csv:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            obj=client,
            fields=["audit_accesses"],
        )
        return _csv_response(client, rows)
    audit_record(
        actor=request.user, action=AuditEvent.Action.VIEW, obj=client, fields=["audit_accesses"]
    )
    context = {"client": client, "rows": rows, "days": days, "everyone": scope.everyone}
    return render(request, "audit/record_accesses.html", context)


@dataclass(frozen=True)
class AccessRow:
    """One line of "who saw this record". Built from what the reader may see, so that
    neither the page nor the CSV can show more: an event of an agency shown by name only
    keeps its time, agency, action and outcome."""

    occurred_at: dt.datetime
    agency: str
    agency_id: int | None
    action: str
    action_label: str
    outcome: str
    outcome_label: str
    user: str = ""
    role: str = ""
    labels: EventLabels | None = None  # the object, records shown, sections: readable
    sections: str = ""  # readable labels
    codes: str = ""  # the codes the event keeps
    shown: int = 0  # a list or search: how many records it showed
    in_full: bool = False

    @property
    def object(self) -> str:
        """The object as text, with how many records a list showed (for the CSV)."""
        if self.labels is None:
            return ""
        named = self.labels.object.text if self.labels.object else ""
        return ", ".join(part for part in (named, self.labels.shown) if part)

    @classmethod
    def of(cls, event: AuditEvent, *, in_full: bool, labeller: EventLabeller) -> AccessRow:
        shown = {
            "occurred_at": event.occurred_at,
            "agency": event.agency.name if event.agency else "",
            "agency_id": event.agency_id,
            "action": event.action,
            "action_label": event.action_label,
            "outcome": event.outcome,
            "outcome_label": event.outcome_label,
        }
        if not in_full:
            return cls(**shown)
        labels = labeller.labels(event)
        return cls(
            **shown,
            user=event.actor.get_username() if event.actor else "",
            role=event.role_label,
            labels=labels,
            sections=labels.fields_text,
            codes=", ".join(str(name) for name in event.fields),
            shown=len(event.object_ids),
            in_full=True,
        )


def _csv_response(client, rows: list[AccessRow]) -> HttpResponse:
    header = [
        _("Time"),
        _("Agency"),
        _("User"),
        _("Role"),
        _("Action"),
        _("Object"),
        _("Sections"),
        _("Outcome"),
        _("Codes"),
    ]
    lines = (
        [
            timezone.localtime(row.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            row.agency,
            row.user,
            row.role,
            row.action_label,
            row.object,
            row.sections,
            row.outcome_label,
            row.codes,
        ]
        for row in rows
    )
    response = HttpResponse(csv_text(header, lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="accesses-{client.pk}.csv"'
    return response


def _days(request: HttpRequest) -> int:
    return positive_int(request.GET.get("days"), maximum=3650) or 30


def _query_without_cursor(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()
