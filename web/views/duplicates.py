"""The duplicate review queue for supervisors: the queue, one pair, decisions, undo.

Who sees a pair and who may merge is the policy's answer (`access.policy`); the queue's
reads are `workflows.duplicates.review`. These views parse, ask, render.
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
from core.identity.score import reason_labels
from workflows.duplicates import review, services
from workflows.duplicates.fields import CHOICE_NAMES
from workflows.duplicates.merge import client_merge_undo
from workflows.duplicates.models import ClientMerge, DuplicatePair

PAGE_SIZE = 25


@staff_required(may=policy.may_review_duplicates)
def duplicate_queue(request: HttpRequest) -> HttpResponse:
    pairs = review.duplicate_pairs_for_review(request.user)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "pair": pair,
            "reasons": reason_labels(pair.reasons),
            "may_merge": policy.may_merge(request.user, pair.client_a, pair.client_b),
        }
        for pair in page.object_list
    ]
    shown = [pk for row in rows for pk in (row["pair"].client_a_id, row["pair"].client_b_id)]
    clients_shown(request, shown, action=AuditEvent.Action.SEARCH, fields=["duplicate_queue"])
    return render(request, "duplicates/duplicatepair_list.html", {"page": page, "rows": rows})


@staff_required(may=policy.may_review_duplicates)
def duplicate_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Both records side by side; POST decides (not the same person, or merge)."""
    pair = review.duplicate_pair_for(request.user, pk)
    if pair is None:
        record_denied(request, "duplicates.duplicatepair", pk)
        raise Http404
    # Both records through the access layer: each read is audited.
    a = get_client_for(request, pair.client_a_id)
    b = get_client_for(request, pair.client_b_id)
    may_merge = policy.may_merge(request.user, a, b)
    if request.method == "POST" and pair.status == DuplicatePair.Status.OPEN:
        response = _decide(request, pair, a, b)
        if response is not None:
            return response
    selected_survivor = request.POST.get("survivor") or str(a.pk)
    survivor_key = "b" if selected_survivor == str(b.pk) else "a"
    rows = [
        {
            "field": row,
            # What was sent, else the default for the record to keep.
            "chosen": request.POST.get(f"choice_{row.name}")
            or (row.default_if_a if survivor_key == "a" else row.default_if_b),
        }
        for row in review.compare(a, b)
        if a.access.can_view(row.section) and b.access.can_view(row.section)
    ]
    context = {
        "pair": pair,
        "a": a,
        "b": b,
        "rows": rows,
        "reasons": reason_labels(pair.reasons, sections=a.access.view & b.access.view),
        "may_merge": may_merge and pair.status == DuplicatePair.Status.OPEN,
        "may_decide": policy.may_decide_not_same(request.user, a, b),
        "selected_survivor": selected_survivor,
        "documents_a": a.documents.all() if a.access.can_view("documents") else None,
        "documents_b": b.documents.all() if b.access.can_view("documents") else None,
        "merges": pair.merges.select_related("merged_by", "undone_by").order_by("-pk"),
        "may_undo": may_merge,
    }
    return render(request, "duplicates/duplicatepair_detail.html", context)


def _decide(request: HttpRequest, pair: DuplicatePair, a, b) -> HttpResponse | None:
    decision = request.POST.get("decision", "")
    survivor = request.POST.get("survivor", "")
    choices = {
        name: request.POST[f"choice_{name}"]
        for name in CHOICE_NAMES
        if request.POST.get(f"choice_{name}") in ("a", "b")
    }
    try:
        result = services.duplicate_pair_decide(
            pair=pair,
            actor=request.user,
            decision=decision,
            survivor_id=int(survivor) if survivor.isdigit() else None,
            choices=choices,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    if isinstance(result, ClientMerge):
        messages.success(
            request,
            _("Record %(merged)s has been merged into this record.")
            % {"merged": result.merged.reference_code_display},
        )
        return redirect("clients:client-detail", pk=result.survivor_id)
    messages.success(request, _("Marked as two different people; not proposed again."))
    return redirect("clients:duplicate-queue")


@staff_required(may=policy.may_review_duplicates)
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    merge = ClientMerge.objects.select_related("survivor", "merged").filter(pk=pk).first()
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
