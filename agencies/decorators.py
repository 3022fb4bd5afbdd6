from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from agencies.access import membership_for


def agency_member_required(view):
    """Caseworker screens are for staff acting for an agency; others get 403, no data."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.membership = membership_for(request.user)
        if request.membership is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
