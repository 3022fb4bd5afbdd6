"""Writes of the organisation: agencies and their staff."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from agencies.models import Agency, Membership, User


@transaction.atomic
def agency_create(*, name: str, slug: str, kind: str) -> Agency:
    group, _created = Group.objects.get_or_create(name=f"agency:{slug}")
    agency = Agency(name=name, slug=slug, kind=kind, group=group)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def membership_set(*, user: User, agency: Agency, role: str) -> Membership:
    """Put a user into one agency with a role, and into that agency's permission group only."""
    membership, _created = Membership.objects.update_or_create(
        user=user, defaults={"agency": agency, "role": role}
    )
    membership_sync_groups(user=user)
    return membership


def membership_sync_groups(*, user: User) -> None:
    """Keep the user's agency groups equal to their membership (the source of truth)."""
    agency_groups = Group.objects.filter(agency__isnull=False)
    user.groups.remove(*agency_groups.exclude(agency__memberships__user=user))
    membership = user.membership_or_none
    if membership is not None:
        user.groups.add(membership.agency.group_id)
