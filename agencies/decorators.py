from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found, permission_denied

from agencies.access import membership_for
from audit.models import AuditEvent
from audit.services import audit_buffer, audit_record


def agency_member_required(view):
    """Caseworker screens are for staff acting for an agency; others get 403, no data."""

    @never_cache  # personal data must not stay in the browser cache of a shared terminal
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with audit_buffer():
            request.membership = membership_for(request.user)
            try:
                if request.membership is None:
                    audit_record(
                        actor=request.user,
                        action=AuditEvent.Action.VIEW,
                        object_type="page",
                        object_id=request.resolver_match.view_name,
                        outcome=AuditEvent.Outcome.DENIED,
                    )
                    raise PermissionDenied
                return view(request, *args, **kwargs)
            except (Http404, PermissionDenied) as denial:
                # Answered here, not raised: the transaction then commits and keeps the
                # denied attempt that agencies.access recorded.
                if isinstance(denial, Http404):
                    return page_not_found(request, denial)
                return permission_denied(request, denial)

    return wrapped
