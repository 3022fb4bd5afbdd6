"""Reads of the organisation: who acts for which agency, in which role."""

from __future__ import annotations

from agencies.models import Agency, Membership


def membership_for(user) -> Membership | None:
    """The user's membership in an active agency, if the user is active (cached on the
    user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    membership = getattr(user, "_cached_membership", False)
    if membership is False:
        membership = Membership.objects.select_related("agency").filter(user=user).first()
        user._cached_membership = membership
    if membership is None or not membership.agency.is_active:
        return None
    return membership


def agency_for(user) -> Agency | None:
    membership = membership_for(user)
    return membership.agency if membership else None
