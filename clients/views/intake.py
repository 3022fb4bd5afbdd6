"""The duplicate check at intake: while the caseworker types, and again on saving.

Records the caseworker's agency may see are listed with score and reasons; records it
may not see appear only as "a probable match exists at agency X" with a Request access
link (agencies.selectors existence hints), never with their data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies import access
from agencies.decorators import agency_member_required
from agencies.selectors import ExistenceHint, hint_of
from audit.services import audit_record, search_fingerprint
from clients import selectors, services
from clients.forms import DuplicateCheckForm, DuplicateConfirmForm
from clients.matching.score import MatchRecord
from clients.models import Client


@dataclass
class IntakeMatches:
    visible: list[selectors.DuplicateCandidate] = field(default_factory=list)
    hidden: list[tuple[ExistenceHint, selectors.DuplicateCandidate]] = field(default_factory=list)

    @property
    def probable(self) -> list[selectors.DuplicateCandidate]:
        """Strong matches, seen or not: saving past these needs a confirmation."""
        return [c for c in self.visible if c.probable] + [c for _h, c in self.hidden if c.probable]

    def __bool__(self) -> bool:
        return bool(self.visible or self.hidden)


def intake_matches(request: HttpRequest, record: MatchRecord) -> IntakeMatches:
    """Candidates for `record`, split by what the user's agency may see, and audited."""
    candidates = selectors.duplicate_candidates(record)
    if not candidates:
        return IntakeMatches()
    hidden_ids = set(
        access.clients_hidden_from(
            request.user, Client.objects.filter(pk__in=[c.client.pk for c in candidates])
        ).values_list("pk", flat=True)
    )
    matches = IntakeMatches()
    for candidate in candidates:
        client = candidate.client
        if client.pk in hidden_ids:
            hint = hint_of(request.user, client)
            matches.hidden.append((hint, candidate))
        else:
            sections = access.access_for(request.user, client).view
            candidate.labels = selectors.reason_labels(candidate.match.reasons, sections=sections)
            matches.visible.append(candidate)
    fingerprint = search_fingerprint(f"{record.family_name} {record.given_names}")
    if matches.visible:
        audit_record(
            actor=request.user,
            action="search",
            objects=[c.client for c in matches.visible],
            object_type="clients.client",
            fields=["duplicate_check"],
            query_hash=fingerprint,
        )
    if matches.hidden:
        audit_record(
            actor=request.user,
            action="search",
            object_type="clients.client",
            fields=["duplicate_check", "existence_hint"],
            object_ids=[hint.client_id for hint, _c in matches.hidden],
            query_hash=fingerprint,
        )
    return matches


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

    def record_confirmation(self, *, client: Client, actor) -> None:
        if self.confirm_form is not None:
            services.intake_duplicates_confirm(
                client=client,
                actor=actor,
                matches=[(c.client.pk, c.match) for c in self.matches.probable],
                reason=self.confirm_form.cleaned_data["duplicate_reason"],
            )


def registration_gate(request: HttpRequest) -> RegistrationGate:
    matches = intake_matches(request, DuplicateCheckForm(request.POST).match_record())
    if not matches.probable:
        return RegistrationGate(matches, None)
    if "duplicate_confirmed" in request.POST or "duplicate_reason" in request.POST:
        return RegistrationGate(matches, DuplicateConfirmForm(request.POST))
    messages.warning(
        request,
        _(
            "A probable existing record was found. Open it instead, or confirm below that "
            "this is a different person and say why."
        ),
    )
    return RegistrationGate(matches, DuplicateConfirmForm())


@agency_member_required
@require_POST
def duplicate_check(request: HttpRequest) -> HttpResponse:
    """htmx: the intake form's fields so far in, the probable existing records out.
    POST, so that names never appear in URLs or access logs."""
    form = DuplicateCheckForm(request.POST)
    matches = intake_matches(request, form.match_record()) if form.has_enough() else None
    return render(request, "clients/includes/duplicate_candidates.html", {"matches": matches})
