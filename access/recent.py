"""Reads for a user's start page: the records the user opened lately, what waits in the
agency's inbox, the user's own open requests, the agency's registrations today.

Every record listed here passes `policy.clients_visible_to`: a record the user opened
last week but may no longer see (a grant ended) is not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from access import policy
from access.models import AccessRequest, Grant
from agencies.selectors import membership_for
from audit.models import AuditEvent
from clients.models import Client

# The newest reads of a record the user's recent records are taken from: bounds the
# grouping to a few hundred rows of the (actor, -id) index, however long the user's log.
READS_LOOKED_AT = 500
RECORD_FIELDS = ("pk", "family_name", "given_names", "birth_year", "birth_month", "birth_day")


@dataclass(frozen=True)
class RecentRecord:
    client: Client
    opened_at: dt.datetime


def records_opened_by(user, *, limit: int = 10) -> list[RecentRecord]:
    """The last `limit` distinct records the user opened (newest first), of those the
    user's agency may still see. Two queries: the audit log, then the records."""
    reads = AuditEvent.objects.filter(
        actor=user,
        action=AuditEvent.Action.VIEW,
        object_type="clients.client",
        outcome=AuditEvent.Outcome.ALLOWED,
    ).exclude(object_id="")
    newest = reads.order_by("-id").values("id")[:READS_LOOKED_AT]
    # A few more than asked for: some may have become invisible since.
    opened = list(
        AuditEvent.objects.filter(id__in=newest)
        .values("object_id")
        .annotate(last_id=Max("id"), opened_at=Max("occurred_at"))
        .order_by("-last_id")[: limit * 3]
    )
    when = {int(row["object_id"]): row["opened_at"] for row in opened if row["object_id"].isdigit()}
    if not when:
        return []
    clients = {
        client.pk: client
        for client in policy.clients_visible_to(user)
        .filter(pk__in=list(when), merged_into__isnull=True)
        .only(*RECORD_FIELDS)
    }
    return [RecentRecord(clients[pk], at) for pk, at in when.items() if pk in clients][:limit]


@dataclass(frozen=True)
class Waiting:
    handovers: int  # pending handovers to the user's agency (a household counts once)
    requests_to_decide: int  # other agencies' requests the user may decide


def inbox_waiting(user) -> Waiting:
    """What waits in the agency's inbox, counted as the inbox lists it."""
    membership = membership_for(user)
    if membership is None:
        return Waiting(0, 0)
    handovers = Grant.objects.filter(
        agency_id=membership.agency_id, status=Grant.Status.PENDING
    ).aggregate(n=Count("handover_id", distinct=True))["n"]
    requests = 0
    if policy.may_decide_requests(user):
        requests = AccessRequest.objects.filter(
            holding_agency_id=membership.agency_id, status=AccessRequest.Status.PENDING
        ).count()
    return Waiting(handovers, requests)


def requests_open_by(user) -> QuerySet[AccessRequest]:
    """The user's own access requests still waiting for a decision, oldest first. The
    record itself stays out: the user's agency may not see it yet."""
    return (
        AccessRequest.objects.filter(requested_by=user, status=AccessRequest.Status.PENDING)
        .select_related("holding_agency")
        .order_by("created_at", "pk")
    )


def registered_today(user) -> QuerySet[Client]:
    """The records the user's agency registered today (local time), newest first."""
    membership = membership_for(user)
    if membership is None:
        return Client.objects.none()
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        policy.clients_visible_to(user)
        .filter(
            registered_by_id=membership.agency_id,
            created_at__gte=midnight,
            merged_into__isnull=True,
        )
        .only(*RECORD_FIELDS, "created_at")
        .order_by("-created_at", "-pk")
    )
