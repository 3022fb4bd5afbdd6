"""Reads for the inbox and the journey of a person through the offices."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from access.models import AccessRequest, Grant
from agencies.models import Agency


def handovers_incoming(agency: Agency) -> list[list[Grant]]:
    """Pending handovers to the agency, one list of grants per handover (a household)."""
    return handover_groups(handover_ids_incoming(agency))


def handover_ids_incoming(agency: Agency) -> QuerySet:
    """The ids of the pending handovers to the agency, newest first (to paginate on:
    a page then loads only its own handovers' grants)."""
    return (
        Grant.objects.filter(agency=agency, status=Grant.Status.PENDING)
        .values("handover_id")
        .annotate(offered_at=Min("created_at"))
        .order_by("-offered_at", "handover_id")
        .values_list("handover_id", flat=True)
    )


def handover_groups(handover_ids, *, status: str = Grant.Status.PENDING) -> list[list[Grant]]:
    """The grants of these handovers in their status, one list per handover, in the order
    of the ids given."""
    ids = list(handover_ids)
    grants = (
        Grant.objects.filter(handover_id__in=ids, status=status)
        .select_related("client", "agency", "granted_by", "legal_basis", "created_by")
        .order_by("handover_id", "pk")  # the person the handover was made from first
    )
    groups = {key: list(group) for key, group in itertools.groupby(grants, lambda g: g.handover_id)}
    return [groups[key] for key in ids if key in groups]


def handover_waiting_count(agency: Agency) -> int:
    """How many handovers wait for the agency's acceptance (one COUNT query)."""
    return (
        Grant.objects.filter(agency=agency, status=Grant.Status.PENDING)
        .values("handover_id")
        .distinct()
        .count()
    )


def handovers_declined(agency: Agency, *, days: int = 30) -> QuerySet:
    """The ids of the agency's own handovers declined in the last `days` days, newest
    first: the agency that offered them reads the reason in its inbox."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        Grant.objects.filter(
            granted_by=agency,
            origin=Grant.Origin.HANDOVER,
            status=Grant.Status.DECLINED,
            decided_at__gte=since,
        )
        .values("handover_id")
        .annotate(declined_at=Max("decided_at"))
        .order_by("-declined_at", "handover_id")
        .values_list("handover_id", flat=True)
    )


def requests_to_decide(agency: Agency) -> QuerySet[AccessRequest]:
    return (
        AccessRequest.objects.filter(holding_agency=agency, status=AccessRequest.Status.PENDING)
        .select_related("client", "requesting_agency", "legal_basis", "requested_by")
        .order_by("created_at")
    )


def requests_waiting_count(agency: Agency) -> int:
    return AccessRequest.objects.filter(
        holding_agency=agency, status=AccessRequest.Status.PENDING
    ).count()


def requests_made(agency: Agency, *, days: int = 30) -> QuerySet[AccessRequest]:
    """The agency's own requests: open ones and decisions of the last `days` days."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        AccessRequest.objects.filter(requesting_agency=agency, created_at__gte=since)
        .select_related("client", "holding_agency", "legal_basis", "grant")
        .order_by("-created_at")
    )


def grants_on(client) -> QuerySet[Grant]:
    # The client too: policy.may_revoke reads grant.client for each grant listed.
    return Grant.objects.filter(client=client).select_related(
        "agency", "granted_by", "legal_basis", "created_by", "client"
    )


@dataclass(frozen=True)
class JourneyStep:
    when: dt.datetime | dt.date
    agency: str
    # registered, handed_over, accepted, declined, revoked, expired, approved;
    # merge_access, merge_access_ended (the grant a merge across agencies gave)
    what: str
    legal_basis: str = ""
    purpose: str = ""
    by_agency: str = ""


def journey(client, *, viewer: Agency, grants: Iterable[Grant] | None = None) -> list[JourneyStep]:
    """The person's path through the offices, oldest first; `grants`: those of
    `grants_on(client)` when the caller has read them already.

    The registering agency sees the whole path; any other agency only the steps it took
    part in, since which offices a person visits (a counselling NGO, say) is itself
    personal data that a grant did not cover.
    """
    steps = [JourneyStep(client.created_at, client.registered_by.name, "registered")]
    if grants is None:
        grants = grants_on(client).order_by("created_at")
    if viewer.pk != client.registered_by_id:
        grants = [g for g in grants if viewer.pk in (g.agency_id, g.granted_by_id)]
    for grant in grants:
        basis = str(grant.legal_basis)
        common = {
            "agency": grant.agency.name,
            "legal_basis": basis,
            "purpose": grant.purpose,
            "by_agency": grant.granted_by.name,
        }
        merge = grant.origin == Grant.Origin.MERGE
        first = {Grant.Origin.HANDOVER: "handed_over", Grant.Origin.MERGE: "merge_access"}
        steps.append(
            JourneyStep(grant.created_at, what=first.get(grant.origin, "approved"), **common)
        )
        if grant.decided_at and grant.origin == Grant.Origin.HANDOVER:
            decided = "accepted" if grant.status != Grant.Status.DECLINED else "declined"
            steps.append(JourneyStep(grant.decided_at, what=decided, **common))
        if grant.revoked_at:
            ended = "merge_access_ended" if merge else "revoked"
            steps.append(JourneyStep(grant.revoked_at, what=ended, **common))
        elif grant.status == Grant.Status.ACTIVE and grant.is_expired:
            steps.append(JourneyStep(grant.expires_on, what="expired", **common))
    return sorted(steps, key=lambda step: _as_datetime(step.when))


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.max))
