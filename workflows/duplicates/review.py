"""The review queue: which pairs a supervisor sees, one pair, the two records compared.

A pair appears only when the reviewer's agency may see the identity of *both* records
(filtered in SQL through the access policy); a pair it cannot see fully does not appear
at all, and asking for it by id is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from access import policy
from clients.models import Client
from workflows.duplicates import fields
from workflows.duplicates.models import ClientMerge, DuplicatePair


def duplicate_pairs_for_review(user) -> QuerySet[DuplicatePair]:
    """Open pairs whose two records' identity the user's agency may see, best first.

    Only supervisors and agency admins review; for anyone else the queue is empty. A
    pair with a record merged meanwhile is not shown (its other record may still pair
    with the survivor, which the next report proposes).
    """
    if not policy.may_review_duplicates(user):
        return DuplicatePair.objects.none()
    visible = policy.clients_visible_to(user)
    return (
        DuplicatePair.objects.filter(
            Exists(visible.filter(pk=OuterRef("client_a"), merged_into__isnull=True)),
            Exists(visible.filter(pk=OuterRef("client_b"), merged_into__isnull=True)),
            status=DuplicatePair.Status.OPEN,
        )
        .select_related("client_a__registered_by", "client_b__registered_by")
        .order_by("-score", "pk")
    )


def duplicate_pair_for(user, pk: int) -> DuplicatePair | None:
    """One pair (any status) if the user reviews and may see both records, else None."""
    if not policy.may_review_duplicates(user):
        return None
    visible = policy.clients_visible_to(user)
    return (
        DuplicatePair.objects.filter(
            Exists(visible.filter(pk=OuterRef("client_a"))),
            Exists(visible.filter(pk=OuterRef("client_b"))),
            pk=pk,
        )
        .select_related("client_a__registered_by", "client_b__registered_by", "decided_by")
        .first()
    )


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
        "merged"
    )
