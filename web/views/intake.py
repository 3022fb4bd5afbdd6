"""Registering people: the intake form, household members, and the duplicate check
beside the form (while the caseworker types, and again on saving)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import policy, selectors
from access.guards import clients_shown, get_client_for, staff_required
from access.throttle import throttled
from clients.forms import ClientForm, HouseholdMemberForm, OptionalDocumentForm
from clients.models import Client
from core.sections import HOUSEHOLD_SHARED_FIELDS, section_of_field
from web.forms import add_service_errors
from workflows.duplicates import services as duplicate_services
from workflows.intake import services as intake_services
from workflows.intake.check import IntakeMatches, intake_check
from workflows.intake.forms import DuplicateCheckForm, DuplicateConfirmForm, IntakeTokenForm


@staff_required(may=policy.may_register)
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    document_form = OptionalDocumentForm(request.POST or None, prefix="doc")
    token_form, token = intake_token(request, form)
    gate = None
    if request.method == "POST" and form.is_valid() and document_form.is_valid():
        try:
            gate = registration_gate_unless_saved(request, token)
            if gate.is_open:
                client = intake_services.client_register(
                    agency=request.membership.agency,
                    actor=request.user,
                    fields=form.cleaned_data,
                    document=None if document_form.is_empty() else document_form.cleaned_data,
                    intake_token=token,
                )
                gate.record_confirmation(client=client, actor=request.user)
                messages.success(request, _("The person has been registered."))
                return _after_person_saved(request, client)
        except ValidationError as error:
            add_service_errors(form, error)
            if getattr(error, "code", None) == "token":
                token_form = IntakeTokenForm()
        except intake_services.AlreadyRegistered as saved:
            messages.info(request, _("This form had already been saved; nothing new was added."))
            return _after_person_saved(request, saved.client)
    _warn_if_asked(request, gate)
    context = {
        "form": form,
        "document_form": document_form,
        "token_form": token_form,
        "gate": gate,
    }
    return render(request, "clients/client_form.html", context)


def _after_person_saved(request: HttpRequest, client: Client) -> HttpResponse:
    """The intake's second button starts a household: the first member's form, taking
    over from the person just registered what family members usually share."""
    if "add_member" in request.POST:
        return redirect("clients:household-member-add", pk=client.pk)
    return redirect("clients:client-detail", pk=client.pk)


def intake_token(request: HttpRequest, form) -> tuple[IntakeTokenForm, uuid.UUID | None]:
    """The intake form's one-time token: a fresh one for a form shown anew, the one sent
    for a form sent back. A POST without a valid token is refused on `form` (which keeps
    the input) and the page gets a fresh token."""
    if request.method != "POST":
        return IntakeTokenForm(), None
    token_form = IntakeTokenForm(request.POST)
    if token_form.is_valid():
        return token_form, token_form.cleaned_data["intake_token"]
    form.add_error(None, token_form.refusal())  # after the form's own checks: it cleans first
    return IntakeTokenForm(), None


# What a new member's form starts with: what a family usually shares, the family name in
# its original script too (children inherit it); the caseworker corrects what differs.
MEMBER_TAKES_OVER = ("family_name_original", *HOUSEHOLD_SHARED_FIELDS)


@staff_required(may=policy.may_register)
def household_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    anchor = get_client_for(request, pk, section="household", change=True)
    # Take over only what this agency may see of the anchor's record.
    shared = {
        name: getattr(anchor, name)
        for name in MEMBER_TAKES_OVER
        if section_of_field(name) in anchor.access.view
    }
    form = HouseholdMemberForm(request.POST or None, initial=shared)
    token_form, token = intake_token(request, form)
    gate = None
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        role = fields.pop("household_role")
        try:
            gate = registration_gate_unless_saved(request, token)
            if gate.is_open:
                member = intake_services.household_member_add(
                    anchor=anchor,
                    agency=request.membership.agency,
                    actor=request.user,
                    role=role,
                    fields=fields,
                    intake_token=token,
                )
                gate.record_confirmation(client=member, actor=request.user)
                messages.success(request, _("The household member has been registered."))
                return _after_member_saved(request, anchor, member)
        except ValidationError as error:
            add_service_errors(form, error)
            if getattr(error, "code", None) == "token":
                token_form = IntakeTokenForm()
        except intake_services.AlreadyRegistered as saved:
            messages.info(request, _("This form had already been saved; nothing new was added."))
            return _after_member_saved(request, anchor, saved.client)
    _warn_if_asked(request, gate)
    members = list(selectors.household_members(request.user, anchor))
    clients_shown(request, members, fields=["household"])
    context = {
        "anchor": anchor,
        "form": form,
        "token_form": token_form,
        "members": members,
        "gate": gate,
    }
    return render(request, "clients/household_member_form.html", context)


def _after_member_saved(request: HttpRequest, anchor: Client, member: Client) -> HttpResponse:
    """Another member's form, or the household overview: the reference person's record
    at its household section, listing everyone registered."""
    if "add_another" in request.POST:
        return redirect("clients:household-member-add", pk=anchor.pk)
    return redirect(reverse("clients:client-detail", args=[anchor.pk]) + "#household")


@dataclass
class RegistrationGate:
    """Saving a new person: checked again on saving, because the typing-time check may
    not have run (no JavaScript, a fast typist). Past a probable match the caseworker
    confirms and says why; the first time the form is unbound, so the caseworker sees
    the matches before any error."""

    matches: IntakeMatches
    confirm_form: DuplicateConfirmForm | None

    @property
    def is_open(self) -> bool:
        return self.confirm_form is None or self.confirm_form.is_valid()

    @property
    def asks_first(self) -> bool:
        """Matches shown for the first time: no error yet, a question."""
        return self.confirm_form is not None and not self.confirm_form.is_bound

    def record_confirmation(self, *, client: Client, actor) -> None:
        if self.confirm_form is not None:
            duplicate_services.intake_duplicates_confirm(
                client=client,
                actor=actor,
                matches=[(c.client.pk, c.match) for c in self.matches.probable],
                reason=self.confirm_form.cleaned_data["duplicate_reason"],
            )


def registration_gate(request: HttpRequest) -> RegistrationGate:
    record = DuplicateCheckForm(request.POST).match_record()
    matches = intake_check(user=request.user, record=record)
    if not matches.probable:
        return RegistrationGate(matches, None)
    if "duplicate_confirmed" in request.POST or "duplicate_reason" in request.POST:
        return RegistrationGate(matches, DuplicateConfirmForm(request.POST))
    return RegistrationGate(matches, DuplicateConfirmForm())


def registration_gate_unless_saved(request: HttpRequest, token: uuid.UUID) -> RegistrationGate:
    """The duplicate gate for a form not saved yet. A form saved before, or meanwhile by
    a concurrent submission of it (whose record the check would show as a probable
    duplicate of itself), raises `AlreadyRegistered`: it is the duplicate, not a new one."""
    agency = request.membership.agency
    if done := intake_services.registered_with_token(agency=agency, token=token):
        raise intake_services.AlreadyRegistered(done)
    gate = registration_gate(request)
    if not gate.is_open:
        if done := intake_services.registered_with_token(agency=agency, token=token):
            raise intake_services.AlreadyRegistered(done)
    return gate


def _warn_if_asked(request: HttpRequest, gate: RegistrationGate | None) -> None:
    if gate is not None and gate.asks_first:
        messages.warning(
            request,
            _(
                "A probable existing record was found. Open it instead, or confirm below "
                "that this is a different person and say why."
            ),
        )


@staff_required(may=policy.may_register)
@require_POST
@throttled("lookup")
def duplicate_check(request: HttpRequest) -> HttpResponse:
    """htmx: the intake form's fields so far in, the probable existing records out.
    POST, so that names never appear in URLs or access logs."""
    form = DuplicateCheckForm(request.POST)
    matches = (
        intake_check(user=request.user, record=form.match_record()) if form.has_enough() else None
    )
    return render(request, "intake/includes/duplicate_candidates.html", {"matches": matches})
