"""Supervisors review the audit log: their staff's events, who saw a record, anomalies."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from agencies import access
from agencies.decorators import agency_member_required
from audit import selectors
from audit.csv import csv_text
from audit.forms import EventFilterForm
from audit.models import AuditEvent
from audit.services import audit_buffer, audit_record


def supervisor_required(view):
    """Supervisors, agency admins and central admins; reading the log is audited too."""

    @never_cache
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with audit_buffer():
            if not (request.user.is_superuser or access.is_supervising(request.user)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

    return wrapped


@supervisor_required
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    visible = selectors.events_visible_to(request.user)
    criteria = form.cleaned_data if form.is_valid() else {}
    events = selectors.events_filtered(visible, criteria)
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


@agency_member_required
def record_accesses(request: HttpRequest, pk: int) -> HttpResponse:
    """Who saw this record, in every agency: the answer to a GDPR Art. 15 request."""
    if not access.is_supervising(request.user):
        raise PermissionDenied
    client = access.get_client_for(request, pk, section="identity")
    days = _days(request)
    events = list(selectors.record_accesses(client.pk, days=days)[:2000])
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
