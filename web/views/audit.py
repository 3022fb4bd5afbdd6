"""Supervisors review the audit log: their staff's events, who saw a record, anomalies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access import selectors as access_selectors
from access.guards import audited_view, get_client_for, staff_required
from audit import selectors
from audit.forms import EventFilterForm
from audit.models import AuditEvent
from audit.services import audit_record
from core.csv import csv_text


@audited_view(may=policy.may_read_audit)
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    visible = selectors.events_of(policy.audit_scope(request.user))
    criteria = form.cleaned_data if form.is_valid() else {}
    record = None
    if criteria.get("client"):
        record = access_selectors.record_objects(criteria["client"])
    events = selectors.events_filtered(visible, criteria, record=record)
    after = request.GET.get("after")
    page, cursor = selectors.events_page(
        events,
        oldest_first=criteria.get("order") == "oldest",
        after=int(after) if after and after.isdigit() else None,
    )
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="audit.auditevent",
        object_ids=[event.pk for event in page],
        fields=[name for name, value in criteria.items() if value],
    )
    context = {
        "form": form,
        "events": page,
        "cursor": cursor,
        "anomalies": selectors.anomalies(visible),
        "query": _query_without_cursor(request),
    }
    return render(request, "audit/event_list.html", context)


@staff_required(may=policy.may_read_record_accesses)
def record_accesses(request: HttpRequest, pk: int) -> HttpResponse:
    """Who saw this record, in every agency: the answer to a GDPR Art. 15 request."""
    client = get_client_for(request, pk, section="identity")
    days = _days(request)
    objects = access_selectors.record_objects(client.pk)
    events = list(selectors.record_accesses(objects, days=days)[:2000])
    if request.GET.get("format") == "csv":
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            obj=client,
            fields=["audit_accesses"],
        )
        return _csv_response(client, events)
    audit_record(
        actor=request.user, action=AuditEvent.Action.VIEW, obj=client, fields=["audit_accesses"]
    )
    context = {"client": client, "events": events, "days": days}
    return render(request, "audit/record_accesses.html", context)


def _csv_response(client, events: list[AuditEvent]) -> HttpResponse:
    header = [
        _("Time"),
        _("Agency"),
        _("User"),
        _("Role"),
        _("Action"),
        _("Sections"),
        _("Outcome"),
    ]
    rows = (
        [
            timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            event.agency.name if event.agency else "",
            event.actor.get_username() if event.actor else "",
            event.role_label,
            event.get_action_display(),
            ", ".join(event.fields),
            event.get_outcome_display(),
        ]
        for event in events
    )
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="accesses-{client.pk}.csv"'
    return response


def _days(request: HttpRequest) -> int:
    raw = request.GET.get("days", "30")
    return min(int(raw), 3650) if raw.isdigit() and int(raw) > 0 else 30


def _query_without_cursor(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()
