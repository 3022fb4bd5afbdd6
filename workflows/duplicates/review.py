"""The review queue: which pairs a supervisor sees, one pair, the two records compared.

A pair appears when the reviewer's agency may see the identity of *both* records, or
when the reviewer's agency registered one record and another public body the other
(filtered in SQL through the access policy, `duplicate_pairs_visible_to`); of a record
the agency may not see, the pair page shows the identity only. Any other pair does not
appear at all, and asking for it by id is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from access import policy
from audit.models import AuditEvent
from audit.services import audit_record
from clients.models import Client
from core.sections import IDENTITY
from workflows.duplicates import fields
from workflows.duplicates.models import ClientMerge, DuplicatePair, MergeProposal


def duplicate_pairs_for_review(user) -> QuerySet[DuplicatePair]:
    """Open pairs the user's agency may review (`policy.duplicate_pairs_visible_to`), best
    first, each with its pending merge proposal, if any, in `pending` (a list).

    Only supervisors and agency admins review; for anyone else the queue is empty. A
    pair with a record merged meanwhile is not shown (its other record may still pair
    with the survivor, which the next report proposes).
    """
    if not policy.may_review_duplicates(user):
        return DuplicatePair.objects.none()
    pairs = DuplicatePair.objects.filter(
        status=DuplicatePair.Status.OPEN,
        client_a__merged_into__isnull=True,
        client_b__merged_into__isnull=True,
    )
    return (
        policy.duplicate_pairs_visible_to(user, pairs)
        .select_related("client_a__registered_by", "client_b__registered_by")
        .prefetch_related(
            Prefetch(
                "proposals",
                queryset=MergeProposal.objects.filter(
                    status=MergeProposal.Status.PENDING
                ).select_related("agency"),
                to_attr="pending",
            )
        )
        .order_by("-score", "pk")
    )


def duplicate_pair_for(user, pk: int) -> DuplicatePair | None:
    """One pair (any status) if the user may review it, else None."""
    if not policy.may_review_duplicates(user):
        return None
    return (
        policy.duplicate_pairs_visible_to(user, DuplicatePair.objects.filter(pk=pk))
        .select_related("client_a__registered_by", "client_b__registered_by", "decided_by")
        .first()
    )


def identity_across_agencies(user, client: Client, other: Client) -> Client | None:
    """`client`, which the user's agency may not see, with its identity only
    (`client.access`), when the user reviews its pair with `other` across public bodies
    (`policy.duplicate_record_access`); the read is audited like any read. Else None."""
    access = policy.duplicate_record_access(user, client, other)
    if access is not policy.IDENTITY_ONLY:
        return None
    client.access = access
    client.identity_only = True
    audit_record(actor=user, action=AuditEvent.Action.VIEW, obj=client, fields=[IDENTITY])
    return client


@dataclass(frozen=True)
class FieldComparison:
    name: str
    label: str
    section: str
    value_a: str
    value_b: str
    differs: bool
    # Which record's value the form proposes when that record survives.
    default_if_a: str  # "a" or "b"
    default_if_b: str


def compare(a: Client, b: Client) -> list[FieldComparison]:
    """Field by field, as a person reads them, with the default choice per survivor."""
    rows = []
    for name, label, _fields, section in fields.MERGE_FIELDS:
        raw_a, raw_b = fields.stored(a, name), fields.stored(b, name)
        rows.append(
            FieldComparison(
                name=name,
                label=str(label),
                section=section,
                value_a=fields.shown(a, name),
                value_b=fields.shown(b, name),
                differs=raw_a != raw_b,
                default_if_a="b"
                if fields.is_empty(name, raw_a) and not fields.is_empty(name, raw_b)
                else "a",
                default_if_b="a"
                if fields.is_empty(name, raw_b) and not fields.is_empty(name, raw_a)
                else "b",
            )
        )
    return rows


def merges_into(client: Client) -> QuerySet[ClientMerge]:
    """Merges (not undone) of other records into `client`, for its detail page."""
    return ClientMerge.objects.filter(survivor=client, undone_at__isnull=True).select_related(
        "merged__registered_by", "survivor__registered_by"
    )


def proposals_of(pair: DuplicatePair) -> QuerySet[MergeProposal]:
    """The pair's merge proposals, newest first, for its page."""
    return pair.proposals.select_related("agency", "proposed_by", "decided_by").order_by("-pk")
