from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import access, selectors, services
from agencies.decorators import agency_member_required
from agencies.forms import AccessRequestForm, RequestDecisionForm, profile_initial
from agencies.models import AccessRequest, Grant
from audit.services import audit_record
from clients.sections import SECTIONS


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a logged-in user keeps the choice across devices."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        activate(language)
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


@agency_member_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Handovers to accept, requests to decide (supervisors), and the agency's own requests."""
    agency = request.membership.agency
    handovers = selectors.handovers_incoming(agency)
    to_decide = (
        list(selectors.requests_to_decide(agency)) if access.is_supervising(request.user) else []
    )
    made = list(selectors.requests_made(agency))
    shown = [grant.client for group in handovers for grant in group]
    shown += [item.client for item in to_decide]
    if shown:
        audit_record(actor=request.user, action="view", objects=shown, fields=["identity", "inbox"])
    context = {"handovers": handovers, "to_decide": to_decide, "made": made}
    return render(request, "agencies/inbox.html", context)


@agency_member_required
@require_POST
def handover_decide(request: HttpRequest, handover_id: uuid.UUID) -> HttpResponse:
    accept = request.POST.get("decision") == "accept"
    try:
        grants = services.handover_decide(
            actor=request.user, handover_id=handover_id, accept=accept
        )
    except Grant.DoesNotExist:
        access.record_denied(request, "agencies.grant", f"handover:{handover_id}")
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
    return redirect("agencies:inbox")


@agency_member_required
def request_create(request: HttpRequest, token: str) -> HttpResponse:
    """Ask for access to a record found in a search (the token names it, signed)."""
    client = selectors.client_from_hint(request.user, token)
    if client is None:
        access.record_denied(request, "agencies.accessrequest", "hint")
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
            return redirect("agencies:inbox")
    context = {
        "form": form,
        "holder": client.registered_by,
        "family_initial": client.family_name[:1].upper(),
        "birth_year": client.birth_year,
    }
    return render(request, "agencies/request_form.html", context)


@agency_member_required
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The holding agency's supervisor approves or declines an access request."""
    access_request = (
        AccessRequest.objects.select_related(
            "client", "requesting_agency", "legal_basis", "requested_by"
        )
        .filter(pk=pk, status=AccessRequest.Status.PENDING)
        .first()
    )
    if access_request is None or not access.can_decide_request(
        request.user, access_request.holding_agency_id
    ):
        access.record_denied(request, "agencies.accessrequest", pk)
        raise Http404
    client = access.get_client_for(request, access_request.client_id, section="identity")
    form = RequestDecisionForm(request.POST or None, requested_sections=access_request.sections)
    if request.method == "POST" and form.is_valid():
        approve = request.POST.get("decision") == "approve"
        services.access_request_decide(
            actor=request.user,
            request=access_request,
            approve=approve,
            sections=form.cleaned_data["sections"],
            expires_on=form.cleaned_data["expires_on"],
            note=form.cleaned_data["note"],
        )
        if approve:
            messages.success(request, _("Access has been granted."))
        else:
            messages.info(request, _("The request has been declined."))
        return redirect("agencies:inbox")
    context = {"access_request": access_request, "client": client, "form": form}
    return render(request, "agencies/request_decide.html", context)
