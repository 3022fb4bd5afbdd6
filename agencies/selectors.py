"""Reads for the inbox, the journey and the existence hints of the search."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies import access
from agencies.models import AccessRequest, Agency, Grant

HINT_SALT = "agencies.access-request"
HINT_MAX_AGE = 24 * 60 * 60  # a search hit can be turned into a request for one day


def handovers_incoming(agency: Agency) -> list[list[Grant]]:
    """Pending handovers to the agency, one list of grants per handover (a household)."""
    grants = (
        Grant.objects.filter(agency=agency, status=Grant.Status.PENDING)
        .select_related("client", "granted_by", "legal_basis", "created_by")
        .order_by("handover_id", "pk")
    )
    groups = [list(group) for _key, group in itertools.groupby(grants, key=lambda g: g.handover_id)]
    return sorted(groups, key=lambda group: group[0].created_at, reverse=True)


def requests_to_decide(agency: Agency) -> QuerySet[AccessRequest]:
    return (
        AccessRequest.objects.filter(holding_agency=agency, status=AccessRequest.Status.PENDING)
        .select_related("client", "requesting_agency", "legal_basis", "requested_by")
        .order_by("created_at")
    )


def requests_made(agency: Agency, *, days: int = 30) -> QuerySet[AccessRequest]:
    """The agency's own requests: open ones and decisions of the last `days` days."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        AccessRequest.objects.filter(requesting_agency=agency, created_at__gte=since)
        .select_related("client", "holding_agency", "legal_basis", "grant")
        .order_by("-created_at")
    )


def grants_on(client) -> QuerySet[Grant]:
    return Grant.objects.filter(client=client).select_related(
        "agency", "granted_by", "legal_basis", "created_by"
    )


@dataclass(frozen=True)
class JourneyStep:
    when: dt.datetime | dt.date
    agency: str
    what: str  # registered, handed_over, accepted, declined, revoked, expired, approved
    legal_basis: str = ""
    purpose: str = ""
    by_agency: str = ""


def journey(client, *, viewer: Agency) -> list[JourneyStep]:
    """The person's path through the offices, oldest first.

    The registering agency sees the whole path; any other agency only the steps it took
    part in, since which offices a person visits (a counselling NGO, say) is itself
    personal data that a grant did not cover.
    """
    steps = [JourneyStep(client.created_at, client.registered_by.name, "registered")]
    grants = grants_on(client).order_by("created_at")
    if viewer.pk != client.registered_by_id:
        grants = grants.filter(Q(agency=viewer) | Q(granted_by=viewer))
    for grant in grants:
        basis = str(grant.legal_basis)
        common = {
            "agency": grant.agency.name,
            "legal_basis": basis,
            "purpose": grant.purpose,
            "by_agency": grant.granted_by.name,
        }
        first = "handed_over" if grant.origin == Grant.Origin.HANDOVER else "approved"
        steps.append(JourneyStep(grant.created_at, what=first, **common))
        if grant.decided_at and grant.origin == Grant.Origin.HANDOVER:
            decided = "accepted" if grant.status != Grant.Status.DECLINED else "declined"
            steps.append(JourneyStep(grant.decided_at, what=decided, **common))
        if grant.revoked_at:
            steps.append(JourneyStep(grant.revoked_at, what="revoked", **common))
        elif grant.status == Grant.Status.ACTIVE and grant.is_expired:
            steps.append(JourneyStep(grant.expires_on, what="expired", **common))
    return sorted(steps, key=lambda step: _as_datetime(step.when))


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.max))


@dataclass(frozen=True)
class ExistenceHint:
    """That a record exists elsewhere, and no more than a person would need to ask for it."""

    agency: str
    family_initial: str
    birth_year: int | None
    token: str
    client_id: int  # for the audit log only; never rendered


def existence_hints(user, clients: QuerySet, *, limit: int = 10) -> list[ExistenceHint]:
    """Records matching a search that the user's agency may not see, reduced to hints.

    `clients` is the same search run over all records; the caller decides whether the
    criteria were specific enough to ask this at all.
    """
    agency = access.agency_for(user)
    if agency is None:
        return []
    hidden = access.clients_hidden_from(user, clients)
    hidden = hidden.select_related("registered_by").order_by("pk")
    return [hint_of(user, client) for client in hidden[:limit]]


def hint_of(user, client) -> ExistenceHint:
    """The hint for one record the user's agency may not see (`registered_by` loaded)."""
    return ExistenceHint(
        agency=client.registered_by.name,
        family_initial=client.family_name[:1].upper(),
        birth_year=client.birth_year,
        token=hint_for(user, client),
        client_id=client.pk,
    )


def client_from_hint(user, token: str):
    """The record behind a hint issued to the user's own agency, or None."""
    from clients.models import Client

    agency = access.agency_for(user)
    try:
        data = signing.loads(token, salt=HINT_SALT, max_age=HINT_MAX_AGE)
    except signing.BadSignature:
        return None
    if agency is None or data.get("agency") != agency.pk:
        return None
    return Client.objects.select_related("registered_by").filter(pk=data.get("client")).first()


def hint_for(user, client) -> str:
    agency = access.agency_for(user)
    return signing.dumps({"client": client.pk, "agency": agency.pk}, salt=HINT_SALT)
