"""The duplicate review queue for supervisors: the queue, one pair, decisions, undo.

Who sees a pair and who may merge is the policy's answer (`access.policy`); the queue's
reads are `workflows.duplicates.review`, merges across agencies go through
`workflows.duplicates.proposals`. These views parse, ask, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import policy
from access.guards import clients_shown, get_client_for, record_denied, staff_required
from audit.models import AuditEvent
from clients.models import Client
from core.identity.score import reason_labels
from core.params import positive_int
from core.sections import IDENTITY
from workflows.duplicates import proposals, review, services
from workflows.duplicates.fields import CHOICE_NAMES
from workflows.duplicates.merge import choice_sections, client_merge_undo, survivor_across_agencies
from workflows.duplicates.models import ClientMerge, DuplicatePair, MergeProposal

PAGE_SIZE = 25


@staff_required(may=policy.may_review_duplicates)
def duplicate_queue(request: HttpRequest) -> HttpResponse:
    pairs = review.duplicate_pairs_for_review(request.user)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for pair in page.object_list:
        pending = pair.pending[0] if pair.pending else None
        a, b = pair.client_a, pair.client_b
        rows.append(
            {
                "pair": pair,
                "reasons": reason_labels(pair.reasons),
                "across": pair.is_cross_agency,
                "pending": pending,
                "awaits_us": pending is not None
                and policy.may_approve_merge(
                    request.user, a, b, proposing_agency_id=pending.agency_id
                ),
            }
        )
    shown = [pk for row in rows for pk in (row["pair"].client_a_id, row["pair"].client_b_id)]
    clients_shown(request, shown, action=AuditEvent.Action.SEARCH, fields=["duplicate_queue"])
    return render(request, "duplicates/duplicatepair_list.html", {"page": page, "rows": rows})


def _pair_record(request: HttpRequest, client: Client, other: Client) -> Client:
    """One record of the pair, its read audited: what the agency holds of it, or (across
    public bodies) its identity only; 404 otherwise."""
    if policy.access_for(request.user, client).can_view(IDENTITY):
        return get_client_for(request, client.pk)
    shown = review.identity_across_agencies(request.user, client, other)
    if shown is None:
        record_denied(request, "clients.client", client.pk)
        raise Http404
    return shown


@staff_required(may=policy.may_review_duplicates)
def duplicate_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Both records side by side; POST decides (not the same person, merge; across
    agencies: propose, approve, decline, withdraw)."""
    pair = review.duplicate_pair_for(request.user, pk)
    if pair is None:
        record_denied(request, "duplicates.duplicatepair", pk)
        raise Http404
    # Both records through the access layer: each read is audited.
    a = _pair_record(request, pair.client_a, pair.client_b)
    b = _pair_record(request, pair.client_b, pair.client_a)
    pending = proposals.pending_proposal(pair)
    if request.method == "POST" and pair.status == DuplicatePair.Status.OPEN:
        response = _decide(request, pair, a, b, pending)
        if response is not None:
            return response
        pending = proposals.pending_proposal(pair)
    user = request.user
    is_open = pair.status == DuplicatePair.Status.OPEN
    across = pair.is_cross_agency
    if across:
        # Across agencies the record registered earlier remains; nobody chooses it.
        selected_survivor = str(survivor_across_agencies(a, b).pk)
    else:
        selected_survivor = str(positive_int(request.POST.get("survivor")) or a.pk)
    survivor_key = "b" if selected_survivor == str(b.pk) else "a"
    choosable = choice_sections(a, b)
    proposed = pending.choices if pending else {}
    rows = []
    for row in review.compare(a, b):
        if not (a.access.can_view(row.section) and b.access.can_view(row.section)):
            continue
        default = row.default_if_a if survivor_key == "a" else row.default_if_b
        rows.append(
            {
                "field": row,
                # What was sent (or proposed), else the default for the record to keep.
                "chosen": request.POST.get(f"choice_{row.name}")
                or proposed.get(row.name)
                or default,
                "choosable": row.section in choosable,
            }
        )
    may_propose = is_open and pending is None and policy.may_propose_merge(user, a, b)
    takes_part = policy.may_merge(user, a, b)
    proposing = pending.agency_id if pending else None
    context = {
        "pair": pair,
        "a": a,
        "b": b,
        "rows": rows,
        "across": across,
        "across_merge": across and takes_part,
        "reasons": reason_labels(pair.reasons, sections=a.access.view & b.access.view),
        "note_shown": bool(pair.note)
        and policy.may_read_pair_note(user, a, b, note_agency_id=pair.note_agency_id),
        "may_merge": is_open and policy.may_merge_at_once(user, a, b),
        "may_propose": may_propose,
        "may_approve": pending is not None
        and policy.may_approve_merge(user, a, b, proposing_agency_id=proposing),
        "may_withdraw": pending is not None
        and policy.may_withdraw_merge_proposal(user, a, b, proposing_agency_id=proposing),
        "may_decide": policy.may_decide_not_same(user, a, b) and pending is None,
        "pending": pending,
        "proposals": review.proposals_of(pair),
        "selected_survivor": selected_survivor,
        "documents_a": a.documents.all() if a.access.can_view("documents") else None,
        "documents_b": b.documents.all() if b.access.can_view("documents") else None,
        "merges": pair.merges.select_related("merged_by", "undone_by").order_by("-pk"),
        "may_undo": takes_part,
    }
    return render(request, "duplicates/duplicatepair_detail.html", context)


def _decide(
    request: HttpRequest, pair: DuplicatePair, a, b, pending: MergeProposal | None
) -> HttpResponse | None:
    decision = request.POST.get("decision", "")
    choices = {
        name: request.POST[f"choice_{name}"]
        for name in CHOICE_NAMES
        if request.POST.get(f"choice_{name}") in ("a", "b")
    }
    try:
        if decision in ("approve", "decline", "withdraw"):
            if pending is None:
                raise ValidationError(_("This proposal has already been answered."))
            return _answer(request, pair, pending, decision)
        if decision == "propose":
            proposals.merge_proposal_create(pair=pair, actor=request.user, choices=choices)
            messages.success(
                request,
                _("The merge has been proposed; a supervisor of the other agency decides."),
            )
            return redirect("clients:duplicate-pair", pk=pair.pk)
        result = services.duplicate_pair_decide(
            pair=pair,
            actor=request.user,
            decision=decision,
            survivor_id=positive_int(request.POST.get("survivor")),
            choices=choices,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    if isinstance(result, ClientMerge):
        return _merged(request, result)
    messages.success(request, _("Marked as two different people; not proposed again."))
    return redirect("clients:duplicate-queue")


def _answer(
    request: HttpRequest, pair: DuplicatePair, pending: MergeProposal, decision: str
) -> HttpResponse:
    if decision == "approve":
        return _merged(
            request, proposals.merge_proposal_approve(proposal=pending, actor=request.user)
        )
    if decision == "decline":
        proposals.merge_proposal_decline(
            proposal=pending, actor=request.user, note=request.POST.get("decision_note", "")
        )
        messages.success(request, _("The proposed merge has been declined."))
    else:
        proposals.merge_proposal_withdraw(proposal=pending, actor=request.user)
        messages.success(request, _("The proposed merge has been withdrawn."))
    return redirect("clients:duplicate-pair", pk=pair.pk)


def _merged(request: HttpRequest, merge: ClientMerge) -> HttpResponse:
    messages.success(
        request,
        _("Record %(merged)s has been merged into this record.")
        % {"merged": merge.merged.reference_code_display},
    )
    return redirect("clients:client-detail", pk=merge.survivor_id)


@staff_required(may=policy.may_review_duplicates)
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    merge = (
        ClientMerge.objects.select_related("survivor__registered_by", "merged__registered_by")
        .filter(pk=pk)
        .first()
    )
    if merge is None or not policy.may_merge(request.user, merge.survivor, merge.merged):
        record_denied(request, "duplicates.clientmerge", pk)
        raise Http404
    try:
        client_merge_undo(merge=merge, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clients:client-detail", pk=merge.survivor_id)
    messages.success(request, _("The merge has been undone; both records are separate again."))
    if merge.pair_id:
        return redirect("clients:duplicate-pair", pk=merge.pair_id)
    return redirect("clients:client-detail", pk=merge.merged_id)
