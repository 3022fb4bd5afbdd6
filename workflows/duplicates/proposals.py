"""Merges across agencies: a supervisor of one registering agency proposes, a supervisor
of the other approves (the merge then runs) or declines; the proposing agency may take
its proposal back while it waits. Who may do what is `access.policy`
(`may_propose_merge`, `may_approve_merge`, `may_withdraw_merge_proposal`).

A proposal names the survivor (always the record registered earlier) and the surviving
value per identity field; every step is audited with the ids of both records, never a
value.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from agencies.selectors import agency_for
from audit.models import AuditEvent
from audit.services import audit_record
from clients.models import Client
from core.text import validate_plain_text
from workflows.duplicates import fields
from workflows.duplicates.merge import choice_sections, client_merge, survivor_across_agencies
from workflows.duplicates.models import ClientMerge, DuplicatePair, MergeProposal


def pending_proposal(pair: DuplicatePair) -> MergeProposal | None:
    return (
        pair.proposals.filter(status=MergeProposal.Status.PENDING)
        .select_related("agency", "proposed_by")
        .first()
    )


@transaction.atomic
def merge_proposal_create(*, pair: DuplicatePair, actor, choices: dict[str, str]) -> MergeProposal:
    """Propose merging the pair's records, registered by two agencies, into the one
    registered earlier; `choices` as for `client_merge`, identity fields only."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    a, b = _records(pair)
    _check_open(pair, a, b)
    if not policy.may_propose_merge(actor, a, b):
        raise ValidationError(
            _("Only supervisors of the two agencies that registered the records decide."),
            code="agency",
        )
    allowed = choice_sections(a, b)
    kept = {
        name: choice
        for name, choice in choices.items()
        if choice in ("a", "b") and fields.SECTION_OF.get(name) in allowed
    }
    try:
        with transaction.atomic():
            proposal = MergeProposal.objects.create(
                pair=pair,
                survivor=survivor_across_agencies(a, b),
                choices=kept,
                agency=agency_for(actor),
                proposed_by=actor,
            )
    except IntegrityError as error:  # one pending proposal per pair (a constraint)
        raise ValidationError(
            _("A merge of these records has already been proposed."), code="proposed"
        ) from error
    _audit(actor, AuditEvent.Action.CREATE, proposal, ["merge_proposal", *sorted(kept)])
    return proposal


@transaction.atomic
def merge_proposal_approve(*, proposal: MergeProposal, actor) -> ClientMerge:
    """The other agency agrees: the merge runs now, in this transaction."""
    proposal = _locked_pending(proposal)
    pair = DuplicatePair.objects.select_for_update().get(pk=proposal.pair_id)
    a, b = _records(pair)
    if not policy.may_approve_merge(actor, a, b, proposing_agency_id=proposal.agency_id):
        raise ValidationError(
            _("A supervisor of the other agency approves a proposed merge."), code="agency"
        )
    proposal.status = MergeProposal.Status.APPROVED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    merge = client_merge(
        pair=pair,
        actor=actor,
        survivor_id=proposal.survivor_id,
        choices=proposal.choices,
        proposal=proposal,
    )
    proposal.merge = merge
    proposal.save(update_fields=["status", "decided_by", "decided_at", "merge"])
    _audit(actor, AuditEvent.Action.APPROVE, proposal, ["merge_proposal"])
    return merge


@transaction.atomic
def merge_proposal_decline(*, proposal: MergeProposal, actor, note: str = "") -> MergeProposal:
    """The other agency does not agree; the pair stays open (either may propose again or
    mark it as not the same person)."""
    validate_plain_text(note)
    proposal = _locked_pending(proposal)
    a, b = _records(proposal.pair)
    if not policy.may_approve_merge(actor, a, b, proposing_agency_id=proposal.agency_id):
        raise ValidationError(
            _("A supervisor of the other agency approves a proposed merge."), code="agency"
        )
    return _close(proposal, actor, MergeProposal.Status.DECLINED, note.strip()[:300])


@transaction.atomic
def merge_proposal_withdraw(*, proposal: MergeProposal, actor) -> MergeProposal:
    """The proposing agency takes its proposal back while it waits."""
    proposal = _locked_pending(proposal)
    a, b = _records(proposal.pair)
    if not policy.may_withdraw_merge_proposal(actor, a, b, proposing_agency_id=proposal.agency_id):
        raise ValidationError(
            _("Only the agency that proposed the merge may withdraw it."), code="agency"
        )
    return _close(proposal, actor, MergeProposal.Status.WITHDRAWN, "")


def _records(pair: DuplicatePair) -> tuple[Client, Client]:
    a, b = (
        Client.objects.select_related("registered_by")
        .filter(pk__in=[pair.client_a_id, pair.client_b_id])
        .order_by("pk")
    )
    return a, b


def _check_open(pair: DuplicatePair, a: Client, b: Client) -> None:
    if pair.status != DuplicatePair.Status.OPEN:
        raise ValidationError(_("This pair has already been decided."), code="decided")
    if a.merged_into_id or b.merged_into_id:
        raise ValidationError(
            _("One of the records has been merged meanwhile."), code="already_merged"
        )


def _locked_pending(proposal: MergeProposal) -> MergeProposal:
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != MergeProposal.Status.PENDING:
        raise ValidationError(_("This proposal has already been answered."), code="answered")
    return proposal


def _close(proposal: MergeProposal, actor, status: str, note: str) -> MergeProposal:
    proposal.status = status
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    action = (
        AuditEvent.Action.DECLINE
        if status == MergeProposal.Status.DECLINED
        else AuditEvent.Action.UPDATE
    )
    _audit(actor, action, proposal, ["merge_proposal", status])
    return proposal


def _audit(actor, action: str, proposal: MergeProposal, names: list[str]) -> None:
    pair = proposal.pair
    audit_record(
        actor=actor,
        action=action,
        obj=proposal,
        object_ids=[pair.client_a_id, pair.client_b_id],
        fields=names,
    )
