"""Finding and registering people: search by identifiers, the intake's duplicate check,
and registering a person. The same rules as the pages: the search and the check count
against the pages' rate limits, name records of other agencies only as existence hints
(and only when few answer), and registering past a probable duplicate needs a reason."""

from __future__ import annotations

import uuid

from django.http import QueryDict
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access import policy, selectors
from access.guards import clients_shown, get_client_for
from access.hints import search_hints
from api.errors import problem
from api.forms import form_data, form_errors
from api.permissions import may
from api.schema import ETAG_HEADER, IDEMPOTENCY_KEY, problems
from api.serializers.clients import (
    ClientSerializer,
    DuplicateCheckRequestSerializer,
    DuplicateCheckResponseSerializer,
    RegisterRequestSerializer,
    SearchRequestSerializer,
    SearchResponseSerializer,
)
from api.serializers.common import ProblemSerializer
from api.views.base import ApiView
from api.views.clients import client_response
from audit.models import AuditEvent
from clients.forms import ClientForm, ClientSearchForm, OptionalDocumentForm
from core.sections import reasons_visible
from workflows.duplicates import services as duplicate_services
from workflows.intake import services as intake_services
from workflows.intake.check import IntakeMatches, intake_check
from workflows.intake.forms import DuplicateCheckForm

IDENTIFIERS = ("document_number", "azr_number", "reference_code")
RESULTS_LIMIT = 100


def _json_object(request) -> dict:
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    return request.data


class ClientSearchView(ApiView):
    @extend_schema(
        operation_id="client_search",
        summary="Find records by an identifier (document number, AZR number, reference code)",
        request=SearchRequestSerializer,
        responses={200: SearchResponseSerializer, **problems(400, 401, 403, 429)},
    )
    def post(self, request) -> Response:
        body = _json_object(request)
        unknown = sorted(set(body) - set(IDENTIFIERS))
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        form = ClientSearchForm(form_data(None, body))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        criteria = {name: form.cleaned_data[name] for name in IDENTIFIERS}
        if not any(criteria.values()):
            raise ValidationError({"non_field_errors": ["Give at least one identifier."]})
        self.lookup_limit()  # counted like the page's search (valid searches only)
        found = selectors.client_search(request.user, **criteria)
        results = found.clients[:RESULTS_LIMIT]
        used = [name for name, value in criteria.items() if value]
        clients_shown(self.django_request, results, action=AuditEvent.Action.SEARCH, fields=used)
        hints = search_hints(request.user, criteria)
        clients_shown(
            self.django_request,
            [hint.client_id for hint in hints],
            action=AuditEvent.Action.SEARCH,
            fields=["existence_hint", *used],
        )
        data = {
            "results": results,
            "more": found.more or len(found.clients) > RESULTS_LIMIT,
            "hints": hints,
        }
        return Response(SearchResponseSerializer(data).data)


def _check_data(body: dict) -> QueryDict:
    """The JSON body as the page's check form reads a POST (document as doc-number)."""
    data = QueryDict(mutable=True)
    for name, value in body.items():
        if name == "nationalities" and isinstance(value, list):
            data.setlist(name, [str(item) for item in value])
        elif name == "document_number":
            data["doc-number"] = str(value)
        elif isinstance(value, str):
            data[name] = value
    return data


def _matches_data(user, matches: IntakeMatches | None) -> dict:
    if matches is None:
        return {"checked": False, "probable": False, "visible": [], "hidden": []}
    visible = []
    for candidate in matches.visible:
        client = candidate.client
        sections = policy.access_for(user, client).view
        visible.append(
            {
                "id": client.pk,
                "reference_code": client.reference_code,
                "family_name": client.family_name,
                "given_names": client.given_names,
                "birth_date": str(client.birth_date),
                "registered_by": client.registered_by.slug,
                "score": round(candidate.match.score * 100),
                "probable": candidate.probable,
                "reasons": reasons_visible(candidate.match.reasons, sections),
            }
        )
    hidden = [
        {
            "agency": hint.agency,
            "family_initial": hint.family_initial,
            "birth_year": hint.birth_year,
            "token": hint.token,
            "probable": candidate.probable,
        }
        for hint, candidate in matches.hidden
    ]
    return {
        "checked": True,
        "probable": bool(matches.probable),
        "visible": visible,
        "hidden": hidden,
    }


class DuplicateCheckView(ApiView):
    permission_classes = [may(policy.may_register)]

    @extend_schema(
        operation_id="intake_duplicate_check",
        summary="Probable existing records for a person about to be registered",
        request=DuplicateCheckRequestSerializer,
        responses={200: DuplicateCheckResponseSerializer, **problems(400, 401, 403, 429)},
    )
    def post(self, request) -> Response:
        body = _json_object(request)
        unknown = sorted(set(body) - set(DuplicateCheckRequestSerializer().fields))
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})
        self.lookup_limit()  # as the page's check: every request counts
        form = DuplicateCheckForm(_check_data(body))
        matches = (
            intake_check(user=request.user, record=form.match_record())
            if form.has_enough()
            else None
        )
        return Response(DuplicateCheckResponseSerializer(_matches_data(request.user, matches)).data)


class ClientRegisterView(ApiView):
    permission_classes = [may(policy.may_register)]

    @extend_schema(
        operation_id="client_register",
        summary="Register a person (once per Idempotency-Key)",
        description="Checked for duplicates as the intake page checks: past a probable "
        "match the answer is 409 with the matches, unless `duplicate_reason` says why "
        "this is a different person. A repeated request with the same Idempotency-Key "
        "returns the record the first one created (200).",
        parameters=[IDEMPOTENCY_KEY, ETAG_HEADER],
        request=RegisterRequestSerializer,
        responses={
            201: ClientSerializer,
            200: OpenApiResponse(ClientSerializer, description="Registered before (same key)."),
            409: OpenApiResponse(
                ProblemSerializer,
                description="Probable duplicates (`matches`); send `duplicate_reason`.",
            ),
            **problems(400, 401, 403, 429),
        },
    )
    def post(self, request) -> Response:
        body = dict(_json_object(request))
        token = self._idempotency_key()
        agency = self.django_request.membership.agency
        done = intake_services.registered_with_token(agency=agency, token=token)
        if done is not None:
            return client_response(get_client_for(self.django_request, done.pk))
        document = body.pop("document", None)
        reason = str(body.pop("duplicate_reason", "") or "").strip()
        form = ClientForm(form_data(ClientForm(), body))  # starts from the defaults
        document_form = OptionalDocumentForm(
            form_data(None, {f"doc-{k}": v for k, v in (document or {}).items()}),
            prefix="doc",
        )
        if not form.is_valid() or not document_form.is_valid():
            errors = form_errors(form)
            errors.update({f"document.{k}": v for k, v in form_errors(document_form).items()})
            raise ValidationError(errors)
        check = _check_data({**body, "document_number": (document or {}).get("number", "")})
        matches = intake_check(user=request.user, record=DuplicateCheckForm(check).match_record())
        if matches.probable and not reason:
            return self._duplicates(matches)
        try:
            client = intake_services.client_register(
                agency=agency,
                actor=request.user,
                fields=form.cleaned_data,
                document=None if document_form.is_empty() else document_form.cleaned_data,
                intake_token=token,
            )
        except intake_services.AlreadyRegistered as saved:
            return client_response(get_client_for(self.django_request, saved.client.pk))
        if matches.probable:
            duplicate_services.intake_duplicates_confirm(
                client=client,
                actor=request.user,
                matches=[(c.client.pk, c.match) for c in matches.probable],
                reason=reason[:500],
            )
        response = client_response(get_client_for(self.django_request, client.pk), status_code=201)
        response["Location"] = f"{request.path}{client.pk}/"
        return response

    def _idempotency_key(self) -> uuid.UUID:
        raw = self.request.headers.get("Idempotency-Key", "")
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise ValidationError(
                {"Idempotency-Key": ["Send a UUID in the Idempotency-Key header."]}
            ) from None

    def _duplicates(self, matches: IntakeMatches) -> Response:
        response = problem(
            status_code=409,
            code="probable_duplicate",
            detail="A probable existing record was found. Use it, or register again with "
            "duplicate_reason saying why this is a different person.",
            instance=self.request.path,
        )
        response.data["matches"] = _matches_data(self.request.user, matches)
        return response
