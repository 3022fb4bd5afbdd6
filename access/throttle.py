"""Rate limits on every page that answers about people a user may not see: the search
(and its existence hints), the intake's duplicate check, and turning a hint into an
access request. A caseworker at work stays far below them; someone trawling the register
(hundreds of searches for single letters and birth years) is stopped after a few dozen.

Limits count per user and per agency (`settings.PORTAL_RATE_LIMITS`, django-ratelimit on
the shared cache: Redis when `REDIS_URL` is set). Hitting one is answered with a
translated page (429), written to the audit log as a refusal, logged for the operator's
monitoring and mailed once per window to the supervisors of the user's agency.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django_ratelimit.core import get_usage

from access.guards import record_denied
from agencies.notify import supervisors_mail

alerts = logging.getLogger("portal.alerts")

_KEYS: dict[str, Callable[[str, HttpRequest], str]] = {
    "user": lambda _group, request: f"user:{request.user.pk}",
    "agency": lambda _group, request: f"agency:{request.membership.agency_id}",
}


def throttled(group: str, *, counts: Callable[[HttpRequest], bool] | None = None):
    """Count the view's requests in `group` (see settings.PORTAL_RATE_LIMITS), or only
    those for which `counts(request)` is true; past a limit, answer 429 instead of
    running the view. Goes inside `staff_required`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if counts is not None and not counts(request):
                return view(request, *args, **kwargs)
            exceeded = limit_exceeded(request, group)
            if exceeded is not None:
                return _refuse(request, group, exceeded)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def limit_exceeded(request: HttpRequest, group: str) -> str | None:
    """Count this request; the first limit it exceeds ("user:30/m"), or None."""
    exceeded = None
    for scope, rates in settings.PORTAL_RATE_LIMITS[group].items():
        for rate in rates:
            usage = get_usage(
                request,
                group=f"{group}:{scope}:{rate}",
                key=_KEYS[scope],
                rate=rate,
                method=request.method,
                increment=True,
            )
            if usage is not None and usage["should_limit"] and exceeded is None:
                exceeded = f"{scope}:{rate}"
    return exceeded


def limit_refusal_record(request: HttpRequest, group: str, exceeded: str) -> None:
    """A request refused for a limit: audited, logged and mailed once per window. The
    pages answer it with a page (below), the API with problem details."""
    record_denied(request, "ratelimit", group, exceeded)
    _alert_once(request, group, exceeded)


def _refuse(request: HttpRequest, group: str, exceeded: str) -> HttpResponse:
    limit_refusal_record(request, group, exceeded)
    context = {"group": group, "per_agency": exceeded.startswith("agency")}
    # An htmx request (the duplicate check) gets the message where its answer would go.
    template = "includes/too_many_requests.html" if request.htmx else "429.html"
    return render(request, template, context, status=429)


def _alert_once(request: HttpRequest, group: str, exceeded: str) -> None:
    """Tell the operator's monitoring and the agency's supervisors, once per window."""
    membership = request.membership
    window = settings.PORTAL_RATE_LIMIT_ALERT_WINDOW
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    if not cache.add(f"ratelimit-alert:{group}:{request.user.pk}", 1, timeout=window):
        return
    # Ids only: whoever reads the log can look the user up in the admin.
    alerts.warning(
        "rate limit reached: group=%s limit=%s user=%s agency=%s",
        group,
        exceeded,
        request.user.pk,
        membership.agency_id,
    )
    supervisors_mail(
        agency_id=membership.agency_id,
        subject=gettext_lazy("Registration portal: a user reached a search limit"),
        body=gettext_lazy(
            "The user %(username)s of %(agency)s reached the limit of %(limit)s "
            "for %(group)s. Further requests are refused until the limit resets. "
            "Please check in the audit log whether this was ordinary work."
        ),
        context={
            "username": request.user.get_username(),
            "agency": membership.agency.name,
            "limit": exceeded,
            "group": _GROUP_LABELS.get(group, group),
        },
    )


_GROUP_LABELS = {
    "lookup": gettext_lazy("searches and duplicate checks"),
    "hint": gettext_lazy("access requests from search hints"),
}
