"""The duplicate review queue for supervisors: the queue, one pair, decisions, undo.

The rules (who sees a pair, who may merge) live in clients.merging; these views parse,
ask, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import access
from agencies.decorators import agency_member_required
from audit.models import AuditEvent
from audit.services import audit_record
from clients import merging, selectors
from clients.models import ClientMerge, DuplicatePair

PAGE_SIZE = 25


@agency_member_required
def duplicate_queue(request: HttpRequest) -> HttpResponse:
    if not access.is_supervising(request.user):
        raise PermissionDenied
    pairs = merging.duplicate_pairs_for_review(request.user)
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "pair": pair,
            "reasons": selectors.reason_labels(pair.reasons),
            "may_merge": merging.may_merge(request.user, pair.client_a, pair.client_b),
        }
        for pair in page.object_list
    ]
    shown = [pk for row in rows for pk in (row["pair"].client_a_id, row["pair"].client_b_id)]
    if shown:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.SEARCH,
            object_type="clients.client",
            object_ids=shown,
            fields=["duplicate_queue"],
        )
    return render(request, "clients/duplicatepair_list.html", {"page": page, "rows": rows})


@agency_member_required
def duplicate_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Both records side by side; POST decides (not the same person, or merge)."""
    if not access.is_supervising(request.user):
        raise PermissionDenied
    pair = merging.duplicate_pair_for(request.user, pk)
    if pair is None:
        access.record_denied(request, "clients.duplicatepair", pk)
        raise Http404
    # Both records through the access layer: each read is audited.
    a = access.get_client_for(request, pair.client_a_id)
    b = access.get_client_for(request, pair.client_b_id)
    may_merge = merging.may_merge(request.user, a, b)
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
        for row in merging.compare(a, b)
        if a.access.can_view(row.section) and b.access.can_view(row.section)
    ]
    context = {
        "pair": pair,
        "a": a,
        "b": b,
        "rows": rows,
        "reasons": selectors.reason_labels(pair.reasons, sections=a.access.view & b.access.view),
        "may_merge": may_merge and pair.status == DuplicatePair.Status.OPEN,
        "may_decide": merging.may_decide(request.user, a, b),
        "selected_survivor": selected_survivor,
        "documents_a": a.documents.all() if a.access.can_view("documents") else None,
        "documents_b": b.documents.all() if b.access.can_view("documents") else None,
        "merges": pair.merges.select_related("merged_by", "undone_by").order_by("-pk"),
        "may_undo": may_merge,
    }
    return render(request, "clients/duplicatepair_detail.html", context)


def _decide(request: HttpRequest, pair: DuplicatePair, a, b) -> HttpResponse | None:
    decision = request.POST.get("decision", "")
    survivor = request.POST.get("survivor", "")
    choices = {
        name: request.POST[f"choice_{name}"]
        for name in merging.CHOICE_NAMES
        if request.POST.get(f"choice_{name}") in ("a", "b")
    }
    try:
        result = merging.duplicate_pair_decide(
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


@agency_member_required
@require_POST
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.is_supervising(request.user):
        raise PermissionDenied
    merge = ClientMerge.objects.select_related("survivor", "merged").filter(pk=pk).first()
    if merge is None or not merging.may_merge(request.user, merge.survivor, merge.merged):
        access.record_denied(request, "clients.clientmerge", pk)
        raise Http404
    try:
        merging.client_merge_undo(merge=merge, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clients:client-detail", pk=merge.survivor_id)
    messages.success(request, _("The merge has been undone; both records are separate again."))
    if merge.pair_id:
        return redirect("clients:duplicate-pair", pk=merge.pair_id)
    return redirect("clients:client-detail", pk=merge.merged_id)
