"""The review queue's writes: pairs found by the report or at intake, and the decision
"not the same person". Merging is `workflows.duplicates.merge`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from audit.models import AuditEvent
from audit.services import audit_record
from clients.models import Client
from core.identity.score import Match
from workflows.duplicates.merge import client_merge
from workflows.duplicates.models import ClientMerge, DuplicatePair, MergeProposal


def duplicate_pair_record(
    *,
    client_ids: tuple[int, int],
    score: float,
    reasons: list[str],
    source: str,
    note: str = "",
    note_agency_id: int | None = None,
) -> DuplicatePair | None:
    """Put a pair on the review queue, or refresh its score while it is still open.

    A decided pair (merged, not the same person) is left as decided: never proposed again.
    `note_agency_id`: the agency of the caseworker who wrote the note.
    """
    low, high = sorted(client_ids)
    pair, created = DuplicatePair.objects.get_or_create(
        client_a_id=low,
        client_b_id=high,
        defaults={
            "score": score,
            "reasons": reasons,
            "source": source,
            "note": note,
            "note_agency_id": note_agency_id if note else None,
        },
    )
    if created:
        return pair
    if pair.status != DuplicatePair.Status.OPEN:
        return None
    pair.score, pair.reasons = score, reasons
    update_fields = ["score", "reasons"]
    if note:
        pair.note, pair.source, pair.note_agency_id = note, source, note_agency_id
        update_fields += ["note", "source", "note_agency"]
    pair.save(update_fields=update_fields)
    return pair


@transaction.atomic
def intake_duplicates_confirm(
    *, client: Client, actor, matches: list[tuple[int, Match]], reason: str
) -> None:
    """A caseworker registered `client` although it probably matches `matches`: the
    pairs go to the supervisors' review queue with the reason given. A match the
    caseworker's agency may not see reaches the queue of the agency that registered it
    too (`access.policy.duplicate_pairs_visible_to`, between public bodies)."""
    for other_id, match in matches:
        duplicate_pair_record(
            client_ids=(client.pk, other_id),
            score=match.score,
            reasons=match.reasons,
            source=DuplicatePair.Source.INTAKE,
            note=reason,
            note_agency_id=client.registered_by_id,
        )
    audit_record(
        actor=actor,
        action="create",
        obj=client,
        fields=["duplicate_override"],
        object_ids=[client.pk, *(other_id for other_id, _m in matches)],
    )


@transaction.atomic
def duplicate_pairs_queue(*, pairs: list[tuple[int, int, Match]]) -> tuple[int, int]:
    """Bulk form of duplicate_pair_record for the batch report: new pairs are queued,
    open ones get the new score, decided ones stay decided. Returns (new, refreshed)."""
    wanted = {tuple(sorted((a, b))): match for a, b, match in pairs}
    existing = {
        (pair.client_a_id, pair.client_b_id): pair
        for pair in DuplicatePair.objects.filter(
            client_a_id__in={a for a, _b in wanted}, client_b_id__in={b for _a, b in wanted}
        )
    }
    new, refreshed = [], []
    for (a, b), match in wanted.items():
        pair = existing.get((a, b))
        if pair is None:
            new.append(
                DuplicatePair(
                    client_a_id=a,
                    client_b_id=b,
                    score=match.score,
                    reasons=match.reasons,
                    source=DuplicatePair.Source.REPORT,
                )
            )
        elif pair.status == DuplicatePair.Status.OPEN:
            pair.score, pair.reasons = match.score, match.reasons
            refreshed.append(pair)
    DuplicatePair.objects.bulk_create(new, batch_size=2000)
    DuplicatePair.objects.bulk_update(refreshed, ["score", "reasons"], batch_size=2000)
    return len(new), len(refreshed)


@transaction.atomic
def duplicate_pair_decide_not_same(*, pair: DuplicatePair, actor) -> DuplicatePair:
    """Two different people: remembered, never proposed again (duplicate_pair_record
    leaves decided pairs alone)."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != DuplicatePair.Status.OPEN:
        raise ValidationError(_("This pair has already been decided."), code="decided")
    if not policy.may_decide_not_same(actor, pair.client_a, pair.client_b):
        raise ValidationError(
            _("Only supervisors of an agency that registered one of the records decide."),
            code="role",
        )
    if pair.proposals.filter(status=MergeProposal.Status.PENDING).exists():
        raise ValidationError(
            _("A merge of these records has been proposed: answer or withdraw it first."),
            code="proposed",
        )
    pair.status = DuplicatePair.Status.NOT_SAME
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="duplicates.duplicatepair",
        object_id=str(pair.pk),
        object_ids=[pair.client_a_id, pair.client_b_id],
        fields=["status"],
    )
    return pair


def duplicate_pair_decide(
    *,
    pair: DuplicatePair,
    actor,
    decision: str,
    survivor_id: int | None = None,
    choices: dict[str, str] | None = None,
) -> DuplicatePair | ClientMerge:
    """One entry point for the pair page: "not_same" or "merge"."""
    if decision == "not_same":
        return duplicate_pair_decide_not_same(pair=pair, actor=actor)
    if decision == "merge":
        if survivor_id not in (pair.client_a_id, pair.client_b_id):
            raise ValidationError(_("Choose the record that remains."), code="survivor")
        return client_merge(pair=pair, actor=actor, survivor_id=survivor_id, choices=choices or {})
    raise ValidationError(_("Unknown decision."), code="decision")
