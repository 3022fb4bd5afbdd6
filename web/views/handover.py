"""Handing records over and asking for them: the handover form on a record, revoking a
grant, the inbox (handovers to accept, requests to decide, the agency's own requests)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from access import policy
from access import selectors as access_selectors
from access.guards import clients_shown, get_client_for, record_denied, staff_required
from access.hints import client_from_hint
from access.models import AccessRequest, Grant
from access.throttle import throttled
from agencies.models import Agency
from core.params import positive_int
from core.sections import SECTIONS
from web.forms import add_service_errors
from workflows.handover import selectors, services
from workflows.handover.forms import (
    AccessRequestForm,
    HandoverForm,
    RequestDecisionForm,
    handover_initial,
    profile_initial,
)


@staff_required
def client_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the record (and by default the household) over to another agency."""
    client = get_client_for(request, pk)
    if not policy.may_hand_over(request.user, client):
        raise PermissionDenied
    members = []
    if client.access.can_view("household"):
        members = list(access_selectors.household_members(request.user, client))
    clients_shown(request, members, fields=["household"])
    own = request.membership.agency
    receiving = _receiving_agency(request, own)
    form = HandoverForm(
        request.POST or None,
        own_agency=own,
        has_household=bool(members),
        available_sections=client.access.view,
        initial=handover_initial(receiving),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        together = [client, *members] if data.get("include_household") else [client]
        try:
            services.handover_create(
                actor=request.user,
                clients=together,
                agency=data["agency"],
                sections=data["sections"],
                legal_basis=data["legal_basis"],
                legal_basis_note=data["legal_basis_note"],
                purpose=data["purpose"],
                expires_on=data["expires_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Handed over to %(agency)s; it appears in their inbox.")
                % {"agency": data["agency"].name},
            )
            return redirect(reverse("clients:client-detail", args=[pk]) + "#journey")
    context = {"client": client, "form": form, "members": members, "receiving": receiving}
    return render(request, "handover/handover_form.html", context)


@staff_required
@require_POST
def grant_revoke(request: HttpRequest, grant_pk: int) -> HttpResponse:
    grant = Grant.objects.select_related("client", "agency").filter(pk=grant_pk).first()
    if grant is None or not policy.may_revoke(request.user, grant):
        record_denied(request, "access.grant", grant_pk)
        raise Http404
    try:
        services.grant_revoke(actor=request.user, grant=grant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Access for %(agency)s has been revoked.") % {"agency": grant.agency.name}
        )
    if policy.clients_visible_to(request.user).filter(pk=grant.client_id).exists():
        return redirect(reverse("clients:client-detail", args=[grant.client_id]) + "#journey")
    return redirect("clients:client-search")


def _receiving_agency(request: HttpRequest, own: Agency) -> Agency | None:
    """The agency chosen so far (GET ?agency= proposes its purpose profile)."""
    agency_id = positive_int(request.POST.get("agency") or request.GET.get("agency"))
    if agency_id is None:
        return None
    return Agency.objects.filter(pk=agency_id, is_active=True).exclude(pk=own.pk).first()


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Handovers to accept, requests to decide (supervisors), and the agency's own requests."""
    agency = request.membership.agency
    handovers = selectors.handovers_incoming(agency)
    to_decide = [
        item
        for item in selectors.requests_to_decide(agency)
        if policy.may_decide_request(request.user, item)
    ]
    made = list(selectors.requests_made(agency))
    shown = [grant.client for group in handovers for grant in group]
    shown += [item.client for item in to_decide]
    clients_shown(request, shown, fields=["identity", "inbox"])
    context = {"handovers": handovers, "to_decide": to_decide, "made": made}
    return render(request, "handover/inbox.html", context)


@staff_required
@require_POST
def handover_decide(request: HttpRequest, handover_id: uuid.UUID) -> HttpResponse:
    accept = request.POST.get("decision") == "accept"
    try:
        grants = services.handover_decide(
            actor=request.user, handover_id=handover_id, accept=accept
        )
    except Grant.DoesNotExist:
        record_denied(request, "access.grant", f"handover:{handover_id}")
        raise Http404 from None
    if accept:
        messages.success(
            request,
            ngettext(
                "The record is now in your agency's lists.",
                "The %(count)d records are now in your agency's lists.",
                len(grants),
            )
            % {"count": len(grants)},
        )
        return redirect("clients:client-detail", pk=grants[0].client_id)
    messages.info(request, _("The handover has been declined."))
    return redirect("inbox:inbox")


@staff_required
@throttled("hint")
def request_create(request: HttpRequest, token: str) -> HttpResponse:
    """Ask for access to a record found in a search (the token names it, signed)."""
    client = client_from_hint(request.user, token)
    if client is None:
        record_denied(request, "access.accessrequest", "hint")
        raise Http404
    form = AccessRequestForm(
        request.POST or None,
        available_sections=SECTIONS,
        initial=profile_initial(request.membership.agency),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.access_request_create(
                actor=request.user,
                client=client,
                sections=data["sections"],
                legal_basis=data["legal_basis"],
                legal_basis_note=data["legal_basis_note"],
                purpose=data["purpose"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your request has been sent to %(agency)s.")
                % {"agency": client.registered_by.name},
            )
            return redirect("inbox:inbox")
    context = {
        "form": form,
        "holder": client.registered_by,
        "family_initial": client.family_name[:1].upper(),
        "birth_year": client.birth_year,
    }
    return render(request, "handover/request_form.html", context)


@staff_required
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The holding agency's supervisor approves or declines an access request."""
    access_request = (
        AccessRequest.objects.select_related(
            "client", "requesting_agency", "legal_basis", "requested_by"
        )
        .filter(pk=pk, status=AccessRequest.Status.PENDING)
        .first()
    )
    if access_request is None or not policy.may_decide_request(request.user, access_request):
        record_denied(request, "access.accessrequest", pk)
        raise Http404
    client = get_client_for(request, access_request.client_id, section="identity")
    form = RequestDecisionForm(request.POST or None, requested_sections=access_request.sections)
    if request.method == "POST" and form.is_valid():
        approve = request.POST.get("decision") == "approve"
        try:
            services.access_request_decide(
                actor=request.user,
                request=access_request,
                approve=approve,
                sections=form.cleaned_data["sections"],
                expires_on=form.cleaned_data["expires_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if approve:
                messages.success(request, _("Access has been granted."))
            else:
                messages.info(request, _("The request has been declined."))
            return redirect("inbox:inbox")
    context = {"access_request": access_request, "client": client, "form": form}
    return render(request, "handover/request_decide.html", context)
