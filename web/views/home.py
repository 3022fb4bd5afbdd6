"""The start page for the day: the records the user opened lately, what waits in the
inbox, the user's open access requests and the agency's registrations today."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from access import policy, recent
from access.guards import clients_shown, staff_required
from clients.forms import ClientSearchForm

# Today's registrations are listed by name up to this many; above, only counted.
TODAY_LISTED = 10
REQUESTS_LISTED = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff of an agency get their start page; central admins, who act for no agency,
    the page they came for."""
    if policy.is_staff_member(request.user):
        return start_page(request)
    if policy.may_read_audit(request.user):
        return redirect("audit:event-list")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("account:security")


@staff_required
def start_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    opened = recent.records_opened_by(user)
    today = recent.registered_today(user)
    today_count = today.count()
    today_listed = list(today[:TODAY_LISTED]) if today_count <= TODAY_LISTED else []
    requests = list(recent.requests_open_by(user)[: REQUESTS_LISTED + 1])
    shown = {item.client.pk for item in opened} | {client.pk for client in today_listed}
    clients_shown(request, sorted(shown), fields=["identity", "start_page"])
    search_form = ClientSearchForm()
    search_form.fields["name"].help_text = ""  # the search page explains; here it is short
    context = {
        "search_form": search_form,
        "opened": opened,
        "waiting": recent.inbox_waiting(user),
        "requests": requests[:REQUESTS_LISTED],
        "more_requests": len(requests) > REQUESTS_LISTED,
        "today_count": today_count,
        "today_listed": today_listed,
    }
    return render(request, "home.html", context)
