"""A client record, its household and its documents: read through `access.guards`
(404 for a record not shared, fields of sections not held absent, every read audited),
changed through `clients.services` with the version from If-Match."""

from __future__ import annotations

import copy

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access import hints, selectors
from access.guards import clients_shown, get_client_for, get_document_for, record_denied
from api.forms import form_data, form_errors
from api.schema import ETAG_HEADER, IF_MATCH, PROBLEMS, problems
from api.serializers.clients import (
    EDITABLE_FIELDS,
    ClientChangeSerializer,
    ClientSerializer,
    DocumentChangeSerializer,
    DocumentSerializer,
    HouseholdSerializer,
)
from api.views.base import ApiGenericView, ApiView, etag
from clients import services
from clients.forms import ClientForm, DocumentForm
from clients.models import Client, IdentityDocument
from core.sections import FORM_SECTIONS, section_of_field

READ_PROBLEMS = problems(401, 403, 404, 429)


def client_response(client: Client, *, status_code: int = 200) -> Response:
    response = Response(ClientSerializer(client).data, status=status_code)
    response["ETag"] = etag(client.version)
    return response


def _readable(request, pk: int) -> Client:
    """The record, or 404; a merged record only when its survivor is visible too (its
    `merged_into` then names the survivor), as the record page redirects there."""
    client = get_client_for(request, pk)
    if client.merged_into_id is not None:
        survivor = selectors.survivor_visible_to(request.user, pk)
        if survivor is None:
            raise Http404
        client.merged_into_id = survivor.pk
    return client


def _body(request) -> dict:
    body = request.data
    if not isinstance(body, dict) or not body:
        raise ValidationError({"non_field_errors": ["Send a JSON object with the fields."]})
    return body


class ClientDetailView(ApiView):
    @extend_schema(
        operation_id="client_retrieve",
        summary="A client record (the sections your agency holds)",
        parameters=[ETAG_HEADER],
        responses={200: ClientSerializer, **READ_PROBLEMS},
    )
    def get(self, request, pk: int) -> Response:
        return client_response(_readable(self.django_request, pk))

    @extend_schema(
        operation_id="client_update",
        summary="Change fields of sections your agency may change",
        description="Validated as the record page's form. Only changed fields are written; "
        "the change history and the audit log name them.",
        parameters=[IF_MATCH, ETAG_HEADER],
        request=ClientChangeSerializer,
        responses={200: ClientSerializer, **PROBLEMS},
    )
    def patch(self, request, pk: int) -> Response:
        body = _body(request)
        unknown = sorted(set(body) - EDITABLE_FIELDS)
        if unknown:
            raise ValidationError({name: ["Unknown or read-only field."] for name in unknown})
        seen_version = self.seen_version()
        client = get_client_for(self.django_request, pk, change=True)
        touched = {section_of_field(name) for name in body}
        sections = tuple(slug for slug in FORM_SECTIONS if slug in touched)
        for section in sections:
            if not client.access.can_change(section):
                record_denied(self.django_request, "clients.client", pk, section)
                raise Http404
        form = ClientForm(
            form_data(ClientForm(instance=client, sections=sections), body),
            instance=copy.copy(client),  # a refused change must not touch `client`
            sections=sections,
        )
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        fields = {k: v for k, v in form.cleaned_data.items() if k != "seen_version"}
        updated = services.client_update(
            client=client, actor=request.user, fields=fields, seen_version=seen_version
        )
        updated.access = client.access
        return client_response(updated)


class ClientHouseholdView(ApiView):
    @extend_schema(
        operation_id="client_household",
        summary="The household: members your agency sees, and hints for the others",
        responses={200: HouseholdSerializer, **READ_PROBLEMS},
    )
    def get(self, request, pk: int) -> Response:
        django_request = self.django_request
        client = get_client_for(django_request, pk, section="household")
        household = selectors.household_members_split(request.user, client)
        members = household.shown
        clients_shown(django_request, members, fields=["household"])
        not_shared = [hints.hint_of(request.user, member) for member in household.not_shared]
        clients_shown(
            django_request,
            [hint.client_id for hint in not_shared],
            fields=["household", "existence_hint"],
        )
        data = {
            "household": client.household_id,
            "members": members,
            "members_not_shared": not_shared,
        }
        return Response(HouseholdSerializer(data).data)


def document_response(document: IdentityDocument, *, status_code: int = 200) -> Response:
    response = Response(DocumentSerializer(document).data, status=status_code)
    response["ETag"] = etag(document.version)
    return response


def _document_form(document: IdentityDocument, body: dict, *, change: bool) -> DocumentForm:
    unknown = sorted(set(body) - set(IdentityDocument.EDITED_FIELDS))
    if unknown:
        raise ValidationError({name: ["Unknown or read-only field."] for name in unknown})
    base = DocumentForm(instance=document) if change else None
    form = DocumentForm(form_data(base, body), instance=document)
    form.fields.pop("seen_version", None)  # the version comes from If-Match
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    return form


class ClientDocumentsView(ApiGenericView):
    serializer_class = DocumentSerializer

    @extend_schema(
        operation_id="client_documents_list",
        summary="The record's identity documents",
        responses={200: DocumentSerializer(many=True), **READ_PROBLEMS},
    )
    def get(self, request, pk: int) -> Response:
        client = get_client_for(self.django_request, pk, section="documents")
        page = self.paginate_queryset(client.documents.order_by("pk"))
        return self.get_paginated_response(DocumentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="client_documents_create",
        summary="Add an identity document",
        request=DocumentChangeSerializer,
        parameters=[ETAG_HEADER],
        responses={201: DocumentSerializer, **problems(400, 401, 403, 404, 429)},
    )
    def post(self, request, pk: int) -> Response:
        body = _body(request)
        client = get_client_for(self.django_request, pk, section="documents", change=True)
        form = _document_form(IdentityDocument(client=client), body, change=False)
        fields = {k: v for k, v in form.cleaned_data.items() if k != "seen_version"}
        document = services.document_add(client=client, actor=request.user, fields=fields)
        return document_response(document, status_code=201)


class ClientDocumentDetailView(ApiView):
    @extend_schema(
        operation_id="client_document_retrieve",
        summary="One identity document",
        parameters=[ETAG_HEADER],
        responses={200: DocumentSerializer, **READ_PROBLEMS},
    )
    def get(self, request, pk: int, document_pk: int) -> Response:
        client = get_client_for(self.django_request, pk, section="documents")
        return document_response(get_document_for(self.django_request, client, document_pk))

    @extend_schema(
        operation_id="client_document_update",
        summary="Correct an identity document",
        parameters=[IF_MATCH, ETAG_HEADER],
        request=DocumentChangeSerializer,
        responses={200: DocumentSerializer, **PROBLEMS},
    )
    def patch(self, request, pk: int, document_pk: int) -> Response:
        body = _body(request)
        seen_version = self.seen_version()
        client = get_client_for(self.django_request, pk, section="documents", change=True)
        document = get_document_for(self.django_request, client, document_pk)
        form = _document_form(copy.copy(document), body, change=True)
        fields = {k: v for k, v in form.cleaned_data.items() if k != "seen_version"}
        updated = services.document_update(
            document=document, actor=request.user, fields=fields, seen_version=seen_version
        )
        return document_response(updated)
