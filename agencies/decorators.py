from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache

from agencies.access import membership_for


def agency_member_required(view):
    """Caseworker screens are for staff acting for an agency; others get 403, no data."""

    @never_cache  # personal data must not stay in the browser cache of a shared terminal
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.membership = membership_for(request.user)
        if request.membership is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
