"""Caseworker screens for the client record: search, read, change, history, documents,
notes, the person's sheet. Thin: parse, ask access/selectors/services, render."""

from __future__ import annotations

import copy
import secrets

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from access import hints, policy, selectors
from access.guards import clients_shown, get_client_for, get_document_for, staff_required
from access.hints import search_hints
from access.throttle import throttled
from audit.models import AuditEvent
from audit.services import search_fingerprint
from clients import history, services
from clients.forms import CaseNoteForm, ClientForm, ClientSearchForm, DocumentForm
from clients.models import IdentityDocument
from core.sections import FORM_SECTIONS, SECTIONS
from web.forms import add_service_errors
from workflows.duplicates import review
from workflows.handover import selectors as handover_selectors
from workflows.imports import remarks as import_remarks
from workflows.intake.forms import HouseholdAddressForm

PAGE_SIZE = 25


# A session remembers its last searches, so that Back from a record and reload show the
# results again (GET ?q=<key>) without the criteria in the URL.
SEARCHES_KEPT = 20


def _runs_search(request: HttpRequest) -> bool:
    return request.method == "POST" or "q" in request.GET


@staff_required
@throttled("lookup", counts=_runs_search)
def client_search(request: HttpRequest) -> HttpResponse:
    # Criteria travel by POST so that names never appear in URLs or access logs; the
    # results page then stands in the browser's history as ?q=<key> (portal.js), a key
    # to the criteria kept in the session.
    if request.method == "POST":
        data, key, page_number = request.POST, "", request.POST.get("page")
    else:
        key, page_number = request.GET.get("q", ""), request.GET.get("page")
        data = request.session.get("searches", {}).get(key) if key else None
        if key and data is None:
            messages.info(request, _("This search is no longer available; please search again."))
            key = ""
    form = ClientSearchForm(data)
    page = None
    more = False
    hints = []
    if form.has_criteria():
        if request.method == "POST":
            key = _search_remember(request, form)
        criteria = form.cleaned_data
        found = selectors.client_search(request.user, **criteria)
        page = Paginator(found.results, PAGE_SIZE).get_page(page_number)
        more = found.more
        used = [name for name, value in criteria.items() if value]
        clients_shown(
            request,
            [result.client for result in page.object_list],
            action=AuditEvent.Action.SEARCH,
            fields=used,
            query_hash=search_fingerprint(criteria.get("name", "")),
        )
        hints = search_hints(request.user, criteria)
        clients_shown(
            request,
            [hint.client_id for hint in hints],
            action=AuditEvent.Action.SEARCH,
            fields=["existence_hint", *used],
        )
    elif form.is_bound and not form.errors:
        form.add_error(None, _("Enter a name, a date of birth or a number to search for."))
    context = {"form": form, "page": page, "more": more, "hints": hints, "search_key": key}
    return render(request, "clients/client_search.html", context)


def _search_remember(request: HttpRequest, form: ClientSearchForm) -> str:
    """Keep the criteria as typed in the session; the key to them."""
    searches = request.session.get("searches", {})
    key = secrets.token_urlsafe(6)
    searches[key] = {name: form.data.get(name, "") for name in form.fields}
    request.session["searches"] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return key


@staff_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        client = get_client_for(request, pk)
    except Http404:
        # A record merged away: whoever may see the survivor is sent there.
        survivor = selectors.survivor_visible_to(request.user, pk)
        if survivor is None:
            raise
        return _to_survivor(request, survivor)
    if client.merged_into_id is not None:
        survivor = selectors.survivor_visible_to(request.user, pk)
        if survivor is None:
            raise Http404
        return _to_survivor(request, survivor)
    shown = client.access.view
    household = (
        selectors.household_members_split(request.user, client)
        if "household" in shown
        else selectors.HouseholdMembers([], [])
    )
    members = household.shown
    clients_shown(request, members, fields=["household"])
    not_shared = [hints.hint_of(request.user, member) for member in household.not_shared]
    clients_shown(
        request, [hint.client_id for hint in not_shared], fields=["household", "existence_hint"]
    )
    grants = list(handover_selectors.grants_on(client).order_by("created_at"))
    merged_from = list(review.merges_into(client))
    for merge in merged_from:
        merge.may_undo = policy.may_merge(request.user, client, merge.merged)
    context = {
        "client": client,
        "members": members,
        "members_not_shared": not_shared,
        "documents": client.documents.all() if "documents" in shown else [],
        "case_notes": policy.case_notes_visible_to(
            request.user, client, client.case_notes.select_related("agency", "author")
        ),
        "case_note_form": CaseNoteForm() if client.access.can_change("case_notes") else None,
        "sections": SECTIONS,
        "journey": handover_selectors.journey(
            client, viewer=request.membership.agency, grants=grants
        ),
        "grants": [grant for grant in grants if policy.may_revoke(request.user, grant)],
        "can_hand_over": policy.may_hand_over(request.user, client),
        "merged_from": merged_from,
        # Raw values of another system's file, in the sections read (and audited) above.
        "import_remarks": import_remarks.remarks_shown(request.user, client),
        "may_resolve_import_remarks": policy.may_resolve_import_remarks(request.user),
    }
    return render(request, "clients/client_detail.html", context)


def _to_survivor(request: HttpRequest, survivor) -> HttpResponse:
    messages.info(
        request,
        _("This record was merged into %(code)s.") % {"code": survivor.reference_code_display},
    )
    return redirect("clients:client-detail", pk=survivor.pk)


@staff_required
def client_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    if section not in FORM_SECTIONS:
        raise Http404
    client = get_client_for(request, pk, section=section, change=True)
    if section == ADDRESS_SECTION and request.GET.get("step") == HOUSEHOLD_ADDRESS_STEP:
        return _household_address(request, client)
    # The form works on a copy: a rejected edit must not show in the page header.
    form = ClientForm(request.POST or None, instance=copy.copy(client), sections=(section,))
    if request.method == "POST" and form.is_valid():
        address_before = _address_of(client)
        try:
            fields = dict(form.cleaned_data)
            updated = services.client_update(
                client=client,
                actor=request.user,
                fields=fields,
                seen_version=fields.pop("seen_version", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            _version_renewed(form, error, client.version)
        else:
            messages.success(request, _("Your changes have been saved."))
            moved = section == ADDRESS_SECTION and _address_of(updated) != address_before
            if moved and _members_to_move(request, updated):
                url = reverse("clients:client-edit", args=[pk, section])
                return redirect(f"{url}?step={HOUSEHOLD_ADDRESS_STEP}")
            return redirect(reverse("clients:client-detail", args=[pk]) + f"#{section}")
    context = {"client": client, "form": form, "section": SECTIONS[section]}
    return render(request, "clients/client_edit.html", context)


# A changed address is offered to the other members of the household: a step of the
# contact section's edit (same page, same permission), not a page of its own.
ADDRESS_SECTION = "contact"
ADDRESS_FIELDS = ("street", "postcode", "district", "accommodation")
HOUSEHOLD_ADDRESS_STEP = "household-address"


def _address_of(client) -> tuple:
    return tuple(getattr(client, name) for name in ADDRESS_FIELDS)


def _members_to_move(request: HttpRequest, client) -> list:
    """The other members of the household whose address the user's agency may change
    and that live elsewhere than `client` now."""
    address = _address_of(client)
    return [
        member
        for member in selectors.household_members(request.user, client)
        if policy.access_for(request.user, member).can_change(ADDRESS_SECTION)
        and _address_of(member) != address
    ]


def _household_address(request: HttpRequest, client) -> HttpResponse:
    """'Apply the new address to the other members too?': one checkbox per member
    (checked), each member changed through the update service, so that their history and
    the audit log show it."""
    overview = reverse("clients:client-detail", args=[client.pk]) + "#household"
    members = _members_to_move(request, client)
    if not members:
        return redirect(overview)
    form = HouseholdAddressForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen(members)
        fields = dict(zip(ADDRESS_FIELDS, _address_of(client), strict=True))
        kept = []
        for member in chosen:
            # The member's version as read in this request: the member's own form was
            # not opened here; a change saved in between is refused and left alone.
            try:
                services.client_update(
                    client=member, actor=request.user, fields=fields, seen_version=member.version
                )
            except ValidationError:
                kept.append(member)
        if kept:
            messages.warning(
                request,
                _("Changed meanwhile by someone else, so not moved: %(names)s")
                % {"names": ", ".join(member.display_name for member in kept)},
            )
        chosen = [member for member in chosen if member not in kept]
        if chosen:
            messages.success(
                request,
                ngettext(
                    "The new address has been applied to %(count)d further member.",
                    "The new address has been applied to %(count)d further members.",
                    len(chosen),
                )
                % {"count": len(chosen)},
            )
        return redirect(overview)
    clients_shown(request, members, fields=["household", ADDRESS_SECTION])
    context = {"client": client, "form": form, "members": members, "overview": overview}
    return render(request, "clients/household_address.html", context)


@staff_required
def client_history(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for(request, pk)
    entries = history.client_history(client, sections=client.access.view)
    return render(request, "clients/client_history.html", {"client": client, "entries": entries})


@staff_required
def document_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for(request, pk, section="documents", change=True)
    form = DocumentForm(request.POST or None, instance=_unsaved_document(client))
    if request.method == "POST" and form.is_valid():
        try:
            services.document_add(client=client, actor=request.user, fields=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The document has been added."))
            return redirect(reverse("clients:client-detail", args=[pk]) + "#documents")
    return render(request, "clients/document_form.html", {"client": client, "form": form})


@staff_required
def document_edit(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    client = get_client_for(request, pk, section="documents", change=True)
    document = get_document_for(request, client, document_pk)
    stored_version = document.version  # before the bound form overwrites `document`
    form = DocumentForm(request.POST or None, instance=document)
    if request.method == "POST" and form.is_valid():
        try:
            fields = dict(form.cleaned_data)
            services.document_update(
                document=document,
                actor=request.user,
                fields=fields,
                seen_version=fields.pop("seen_version", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            _version_renewed(form, error, stored_version)
        else:
            messages.success(request, _("Your changes have been saved."))
            return redirect(reverse("clients:client-detail", args=[pk]) + "#documents")
    context = {"client": client, "form": form, "document": document}
    return render(request, "clients/document_form.html", context)


@staff_required
@require_POST
def case_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for(request, pk, section="case_notes", change=True)
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


@staff_required
def handover_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable sheet for the person: name, birth date and the reference code as QR."""
    client = get_client_for(request, pk, section="identity")
    qr = segno.make(client.reference_code, error="m").svg_data_uri(scale=6, border=2)
    return render(request, "clients/handover_sheet.html", {"client": client, "qr": qr})


def _version_renewed(form, error: ValidationError, version: str) -> None:
    """After a refusal for a change made meanwhile, the form shown again carries the
    version now stored: the caseworker compares, and saving again is then deliberate."""
    if "stale" in {e.code for e in getattr(error, "error_list", [])}:
        form.data = form.data.copy()
        form.data["seen_version"] = version


def _unsaved_document(client):
    # The form's model validation (unique per client) needs to know the client.
    return IdentityDocument(client=client)
