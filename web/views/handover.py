"""Handing records over and asking for them: the handover form on a record, revoking a
grant, the inbox (handovers to accept, requests to decide, the agency's own requests).

Revoking and declining take two steps without any script: the first POST (the button on
the record or in the inbox) answers a confirmation page, which asks for the reason of a
decline; only its own button (`confirm`) does it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
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
    DeclineForm,
    HandoverForm,
    RequestDecisionForm,
    handover_initial,
    profile_initial,
)

PER_PAGE = 25


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
    grant = (
        Grant.objects.select_related("client", "agency", "legal_basis").filter(pk=grant_pk).first()
    )
    if grant is None or not policy.may_revoke(request.user, grant):
        record_denied(request, "access.grant", grant_pk)
        raise Http404
    visible = policy.clients_visible_to(request.user).filter(pk=grant.client_id).exists()
    if "confirm" not in request.POST:
        if visible:
            clients_shown(request, [grant.client], fields=["identity"])
        context = {"grant": grant, "visible": visible, "client": grant.client}
        return render(request, "handover/grant_revoke_confirm.html", context)
    try:
        services.grant_revoke(actor=request.user, grant=grant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Access for %(agency)s has been revoked.") % {"agency": grant.agency.name}
        )
    if visible:
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
    """Handovers to accept, requests to decide (supervisors), the agency's own requests
    and its handovers declined of late; each list in pages of PER_PAGE."""
    agency = request.membership.agency
    handover_page = _page(request, "handovers", selectors.handover_ids_incoming(agency))
    handovers = selectors.handover_groups(handover_page.object_list)
    to_decide_page = None
    if policy.may_decide_requests(request.user):
        to_decide_page = _page(request, "requests", selectors.requests_to_decide(agency))
    made_page = _page(request, "made", selectors.requests_made(agency))
    declined_page = _page(request, "declined", selectors.handovers_declined(agency))
    declined = selectors.handover_groups(declined_page.object_list, status=Grant.Status.DECLINED)
    to_decide = list(to_decide_page.object_list) if to_decide_page else []
    made = list(made_page.object_list)
    # A pending handover names whom it offers (the sending agency chose to share it);
    # elsewhere the name is shown, and linked, where the agency may open the record, and
    # otherwise only the initial and the birth year, as an existence hint does.
    others = [item.client for item in [*to_decide, *made]]
    others += [grant.client for group in declined for grant in group]
    offered = [grant.client for group in handovers for grant in group]
    openable = set(
        policy.clients_visible_to(request.user)
        .filter(pk__in={client.pk for client in [*offered, *others]})
        .values_list("pk", flat=True)
    )
    clients_shown(
        request,
        offered + [client for client in others if client.pk in openable],
        fields=["identity", "inbox"],
    )
    context = {
        "handovers": handovers,
        "handover_page": handover_page,
        "to_decide": to_decide,
        "to_decide_page": to_decide_page,
        "made": made,
        "made_page": made_page,
        "declined": declined,
        "declined_page": declined_page,
        "openable": openable,
    }
    return render(request, "handover/inbox.html", context)


def _page(request: HttpRequest, name: str, items) -> Page:
    """One page of a list; the page number is in ?<name>= (a wrong one gives the first
    or the last page)."""
    page = Paginator(items, PER_PAGE).get_page(request.GET.get(name))
    query = request.GET.copy()

    def url(number: int) -> str:
        query[name] = str(number)
        return "?" + query.urlencode()

    page.previous_url = url(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = url(page.next_page_number()) if page.has_next() else ""
    return page


@staff_required
@require_POST
def handover_decide(request: HttpRequest, handover_id: uuid.UUID) -> HttpResponse:
    """Accept at once; decline after a confirmation page that asks for the reason."""
    accept = request.POST.get("decision") == "accept"
    if not accept:
        return _handover_decline(request, handover_id)
    try:
        grants = services.handover_decide(actor=request.user, handover_id=handover_id, accept=True)
    except Grant.DoesNotExist:
        record_denied(request, "access.grant", f"handover:{handover_id}")
        raise Http404 from None
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


def _handover_decline(request: HttpRequest, handover_id: uuid.UUID) -> HttpResponse:
    groups = selectors.handover_groups([handover_id])
    group = groups[0] if groups else []
    if not group or not all(policy.may_accept_handover(request.user, grant) for grant in group):
        record_denied(request, "access.grant", f"handover:{handover_id}")
        raise Http404
    form = DeclineForm(request.POST if "confirm" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            services.handover_decide(
                actor=request.user,
                handover_id=handover_id,
                accept=False,
                note=form.cleaned_data["reason"],
            )
        except Grant.DoesNotExist:  # decided in the meantime
            record_denied(request, "access.grant", f"handover:{handover_id}")
            raise Http404 from None
        messages.info(request, _("The handover has been declined."))
        return redirect("inbox:inbox")
    clients_shown(request, [grant.client for grant in group], fields=["identity", "inbox"])
    context = {"group": group, "first": group[0], "form": form}
    return render(request, "handover/handover_decline.html", context)


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
    if request.method == "POST" and request.POST.get("decision") != "approve":
        return _request_decline(request, access_request, client)
    form = RequestDecisionForm(request.POST or None, requested_sections=access_request.sections)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_decide(
                actor=request.user,
                request=access_request,
                approve=True,
                sections=form.cleaned_data["sections"],
                expires_on=form.cleaned_data["expires_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Access has been granted."))
            return redirect("inbox:inbox")
    context = {"access_request": access_request, "client": client, "form": form}
    return render(request, "handover/request_decide.html", context)


def _request_decline(request: HttpRequest, access_request: AccessRequest, client) -> HttpResponse:
    """The confirmation step of a decline; the reason written on the decision page is
    proposed."""
    confirmed = "confirm" in request.POST
    form = DeclineForm(
        request.POST if confirmed else None,
        initial={"reason": request.POST.get("note", "")[:300]},
    )
    if confirmed and form.is_valid():
        try:
            services.access_request_decide(
                actor=request.user,
                request=access_request,
                approve=False,
                note=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.info(request, _("The request has been declined."))
            return redirect("inbox:inbox")
    context = {"access_request": access_request, "client": client, "form": form}
    return render(request, "handover/request_decline.html", context)
