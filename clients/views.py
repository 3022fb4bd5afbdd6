"""Caseworker screens for the client record. Thin: parse, ask access/selectors/services, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies import access
from agencies.decorators import agency_member_required
from audit.services import audit_record
from clients import selectors, services
from clients.forms import (
    ClientForm,
    ClientSearchForm,
    DocumentForm,
    HouseholdMemberForm,
    OptionalDocumentForm,
)
from clients.sections import HOUSEHOLD_SHARED_FIELDS, SECTIONS

PAGE_SIZE = 25


@agency_member_required
def client_search(request: HttpRequest) -> HttpResponse:
    # Criteria travel by POST so that names never appear in URLs or access logs.
    form = ClientSearchForm(request.POST if request.method == "POST" else None)
    page = None
    if form.has_criteria():
        clients = selectors.client_search(request.user, **form.cleaned_data)
        page = Paginator(clients, PAGE_SIZE).get_page(request.POST.get("page"))
        audit_record(
            actor=request.user,
            action="search",
            objects=page.object_list,
            object_type="clients.client",
            fields=[name for name, value in form.cleaned_data.items() if value],
        )
    return render(request, "clients/client_search.html", {"form": form, "page": page})


@agency_member_required
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    document_form = OptionalDocumentForm(request.POST or None, prefix="doc")
    if request.method == "POST" and form.is_valid() and document_form.is_valid():
        try:
            client = services.client_register(
                agency=request.membership.agency,
                actor=request.user,
                fields=form.cleaned_data,
                document=None if document_form.is_empty() else document_form.cleaned_data,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The person has been registered."))
            return redirect("clients:client-detail", pk=client.pk)
    return render(
        request, "clients/client_form.html", {"form": form, "document_form": document_form}
    )


@agency_member_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = access.get_client_for(request, pk)
    members = list(selectors.household_members(request.user, client))
    if members:
        audit_record(actor=request.user, action="view", objects=members, fields=["household"])
    context = {
        "client": client,
        "members": members,
        "documents": client.documents.all(),
        "sections": SECTIONS,
    }
    return render(request, "clients/client_detail.html", context)


@agency_member_required
def client_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    client = access.get_client_for(request, pk, perm=access.CHANGE)
    form = ClientForm(request.POST or None, instance=client, sections=(section,))
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, actor=request.user, fields=form.cleaned_data)
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
    entries = selectors.client_history(client)
    return render(request, "clients/client_history.html", {"client": client, "entries": entries})


@agency_member_required
def household_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    anchor = access.get_client_for(request, pk, perm=access.CHANGE)
    shared = {name: getattr(anchor, name) for name in HOUSEHOLD_SHARED_FIELDS}
    form = HouseholdMemberForm(request.POST or None, initial=shared)
    if request.method == "POST" and form.is_valid():
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
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The household member has been registered."))
            if "add_another" in request.POST:
                return redirect("clients:household-member-add", pk=anchor.pk)
            return redirect("clients:client-detail", pk=member.pk)
    members = list(selectors.household_members(request.user, anchor))
    context = {"anchor": anchor, "form": form, "members": members}
    return render(request, "clients/household_member_form.html", context)


@agency_member_required
def document_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = access.get_client_for(request, pk, perm=access.CHANGE)
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
    client = access.get_client_for(request, pk, perm=access.CHANGE)
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


def _unsaved_document(client):
    # The form's model validation (unique per client) needs to know the client.
    from clients.models import IdentityDocument

    return IdentityDocument(client=client)


def _add_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's validation errors on the form, on the field where there is one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
