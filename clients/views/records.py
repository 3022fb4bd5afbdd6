"""Caseworker screens for the client record. Thin: parse, ask access/selectors/services, render."""

from __future__ import annotations

import copy

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import access
from agencies import forms as agency_forms
from agencies import selectors as agency_selectors
from agencies import services as agency_services
from agencies.decorators import agency_member_required
from agencies.forms import HandoverForm
from agencies.models import Agency, Grant
from audit.services import audit_record, search_fingerprint
from clients import merging, selectors, services
from clients.forms import (
    CaseNoteForm,
    ClientForm,
    ClientSearchForm,
    DocumentForm,
    HouseholdMemberForm,
    OptionalDocumentForm,
)
from clients.models import IdentityDocument
from clients.sections import FORM_SECTIONS, HOUSEHOLD_SHARED_FIELDS, SECTIONS, section_of_field
from clients.views.intake import registration_gate

PAGE_SIZE = 25


@agency_member_required
def client_search(request: HttpRequest) -> HttpResponse:
    # Criteria travel by POST so that names never appear in URLs or access logs.
    form = ClientSearchForm(request.POST if request.method == "POST" else None)
    page = None
    hints = []
    if form.has_criteria():
        criteria = form.cleaned_data
        clients = selectors.client_search(request.user, **criteria)
        page = Paginator(clients, PAGE_SIZE).get_page(request.POST.get("page"))
        used = [name for name, value in criteria.items() if value]
        audit_record(
            actor=request.user,
            action="search",
            objects=page.object_list,
            object_type="clients.client",
            fields=used,
            query_hash=search_fingerprint(criteria.get("name", "")),
        )
        if selectors.search_is_specific(**criteria):
            everywhere = selectors.client_search(request.user, everywhere=True, **criteria)
            hints = agency_selectors.existence_hints(request.user, everywhere)
            if hints:
                audit_record(
                    actor=request.user,
                    action="search",
                    object_type="clients.client",
                    fields=["existence_hint", *used],
                    object_ids=[hint.client_id for hint in hints],
                )
    context = {"form": form, "page": page, "hints": hints}
    return render(request, "clients/client_search.html", context)


@agency_member_required
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    document_form = OptionalDocumentForm(request.POST or None, prefix="doc")
    gate = None
    if request.method == "POST" and form.is_valid() and document_form.is_valid():
        gate = registration_gate(request)
        if gate.is_open:
            try:
                client = services.client_register(
                    agency=request.membership.agency,
                    actor=request.user,
                    fields=form.cleaned_data,
                    document=None if document_form.is_empty() else document_form.cleaned_data,
                )
                gate.record_confirmation(client=client, actor=request.user)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The person has been registered."))
                return redirect("clients:client-detail", pk=client.pk)
    context = {"form": form, "document_form": document_form, "gate": gate}
    return render(request, "clients/client_form.html", context)


@agency_member_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        client = access.get_client_for(request, pk)
    except Http404:
        # A record merged away: whoever may see the survivor is sent there.
        survivor = merging.survivor_visible_to(request.user, pk)
        if survivor is None:
            raise
        return _to_survivor(request, survivor)
    if client.merged_into_id is not None:
        survivor = merging.survivor_visible_to(request.user, pk)
        if survivor is None:
            raise Http404
        return _to_survivor(request, survivor)
    shown = client.access.view
    members = (
        list(selectors.household_members(request.user, client)) if "household" in shown else []
    )
    if members:
        audit_record(actor=request.user, action="view", objects=members, fields=["household"])
    context = {
        "client": client,
        "members": members,
        "documents": client.documents.all() if "documents" in shown else [],
        "case_notes": (
            client.case_notes.select_related("agency", "author") if "case_notes" in shown else []
        ),
        "case_note_form": CaseNoteForm() if client.access.can_change("case_notes") else None,
        "sections": SECTIONS,
        "journey": agency_selectors.journey(client, viewer=request.membership.agency),
        "grants": [
            grant
            for grant in agency_selectors.grants_on(client)
            if access.can_revoke(request.user, grant)
        ],
        "can_hand_over": access.can_hand_over(request.user, client),
        "merged_from": merging.merges_into(client),
    }
    return render(request, "clients/client_detail.html", context)


def _to_survivor(request: HttpRequest, survivor) -> HttpResponse:
    messages.info(
        request,
        _("This record was merged into %(code)s.") % {"code": survivor.reference_code_display},
    )
    return redirect("clients:client-detail", pk=survivor.pk)


@agency_member_required
def client_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    if section not in FORM_SECTIONS:
        raise Http404
    client = access.get_client_for(request, pk, section=section, change=True)
    # The form works on a copy: a rejected edit must not show in the page header.
    form = ClientForm(request.POST or None, instance=copy.copy(client), sections=(section,))
    if request.method == "POST" and form.is_valid():
        try:
            fields = dict(form.cleaned_data)
            services.client_update(
                client=client,
                actor=request.user,
                fields=fields,
                seen_version=fields.pop("seen_version", None) or None,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your changes have been saved."))
            return redirect(reverse("clients:client-detail", args=[pk]) + f"#{section}")
    context = {"client": client, "form": form, "section": SECTIONS[section]}
    return render(request, "clients/client_edit.html", context)


@agency_member_required
def client_history(request: HttpRequest, pk: int) -> HttpResponse:
    client = access.get_client_for(request, pk)
    entries = selectors.client_history(client, sections=client.access.view)
    return render(request, "clients/client_history.html", {"client": client, "entries": entries})


@agency_member_required
def household_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    anchor = access.get_client_for(request, pk, section="household", change=True)
    # Take over only what this agency may see of the anchor's record.
    shared = {
        name: getattr(anchor, name)
        for name in HOUSEHOLD_SHARED_FIELDS
        if section_of_field(name) in anchor.access.view
    }
    form = HouseholdMemberForm(request.POST or None, initial=shared)
    gate = None
    if (
        request.method == "POST"
        and form.is_valid()
        and (gate := registration_gate(request)).is_open
    ):
        fields = dict(form.cleaned_data)
        role = fields.pop("household_role")
        try:
            member = services.household_member_add(
                anchor=anchor,
                agency=request.membership.agency,
                actor=request.user,
                role=role,
                fields=fields,
            )
            gate.record_confirmation(client=member, actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The household member has been registered."))
            if "add_another" in request.POST:
                return redirect("clients:household-member-add", pk=anchor.pk)
            return redirect("clients:client-detail", pk=member.pk)
    members = list(selectors.household_members(request.user, anchor))
    if members:
        audit_record(actor=request.user, action="view", objects=members, fields=["household"])
    context = {"anchor": anchor, "form": form, "members": members, "gate": gate}
    return render(request, "clients/household_member_form.html", context)


@agency_member_required
def document_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = access.get_client_for(request, pk, section="documents", change=True)
    form = DocumentForm(request.POST or None, instance=_unsaved_document(client))
    if request.method == "POST" and form.is_valid():
        try:
            services.document_add(client=client, actor=request.user, fields=form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The document has been added."))
            return redirect(reverse("clients:client-detail", args=[pk]) + "#documents")
    return render(request, "clients/document_form.html", {"client": client, "form": form})


@agency_member_required
def document_edit(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    client = access.get_client_for(request, pk, section="documents", change=True)
    document = access.get_document_for(request, client, document_pk)
    form = DocumentForm(request.POST or None, instance=document)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(
                document=document, actor=request.user, fields=form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your changes have been saved."))
            return redirect(reverse("clients:client-detail", args=[pk]) + "#documents")
    context = {"client": client, "form": form, "document": document}
    return render(request, "clients/document_form.html", context)


@agency_member_required
@require_POST
def case_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    client = access.get_client_for(request, pk, section="case_notes", change=True)
    form = CaseNoteForm(request.POST)
    if form.is_valid():
        services.case_note_add(
            client=client,
            agency=request.membership.agency,
            actor=request.user,
            text=form.cleaned_data["text"],
        )
        messages.success(request, _("The note has been added."))
    else:
        messages.error(request, _("A note needs some text (at most 5000 characters)."))
    return redirect(reverse("clients:client-detail", args=[pk]) + "#case_notes")


@agency_member_required
def client_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the record (and by default the household) over to another agency."""
    client = access.get_client_for(request, pk)
    if not access.can_hand_over(request.user, client):
        raise PermissionDenied
    members = []
    if client.access.can_view("household"):
        members = list(selectors.household_members(request.user, client))
    if members:
        audit_record(actor=request.user, action="view", objects=members, fields=["household"])
    own = request.membership.agency
    receiving = _receiving_agency(request, own)
    form = HandoverForm(
        request.POST or None,
        own_agency=own,
        has_household=bool(members),
        available_sections=client.access.view,
        initial=agency_forms.handover_initial(receiving),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        together = [client, *members] if data.get("include_household") else [client]
        try:
            agency_services.handover_create(
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
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("Handed over to %(agency)s; it appears in their inbox.")
                % {"agency": data["agency"].name},
            )
            return redirect(reverse("clients:client-detail", args=[pk]) + "#journey")
    context = {"client": client, "form": form, "members": members, "receiving": receiving}
    return render(request, "clients/client_handover.html", context)


@agency_member_required
def handover_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable sheet for the person: name, birth date and the reference code as QR."""
    client = access.get_client_for(request, pk, section="identity")
    qr = segno.make(client.reference_code, error="m").svg_data_uri(scale=6, border=2)
    return render(request, "clients/handover_sheet.html", {"client": client, "qr": qr})


@agency_member_required
@require_POST
def grant_revoke(request: HttpRequest, grant_pk: int) -> HttpResponse:
    grant = Grant.objects.select_related("client", "agency").filter(pk=grant_pk).first()
    if grant is None or not access.can_revoke(request.user, grant):
        access.record_denied(request, "agencies.grant", grant_pk)
        raise Http404
    try:
        agency_services.grant_revoke(actor=request.user, grant=grant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Access for %(agency)s has been revoked.") % {"agency": grant.agency.name}
        )
    if access.clients_visible_to(request.user).filter(pk=grant.client_id).exists():
        return redirect(reverse("clients:client-detail", args=[grant.client_id]) + "#journey")
    return redirect("clients:client-search")


def _receiving_agency(request: HttpRequest, own: Agency) -> Agency | None:
    """The agency chosen so far (GET ?agency= proposes its purpose profile)."""
    raw = request.POST.get("agency") or request.GET.get("agency")
    if not raw or not str(raw).isdigit():
        return None
    return Agency.objects.filter(pk=raw, is_active=True).exclude(pk=own.pk).first()


def _unsaved_document(client):
    # The form's model validation (unique per client) needs to know the client.
    return IdentityDocument(client=client)


def _add_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's validation errors on the form, on the field where there is one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
