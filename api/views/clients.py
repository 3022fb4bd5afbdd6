"""A client record, its household and its documents: read through `access.guards`
(404 for a record not shared, fields of sections not held absent, every read audited),
changed through `clients.services` with the version from If-Match."""

from __future__ import annotations

import copy

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access import selectors
from access.guards import get_client_for, record_denied
from api.forms import form_data, form_errors
from api.schema import ETAG_HEADER, IF_MATCH, PROBLEMS, problems
from api.serializers.clients import (
    EDITABLE_FIELDS,
    ClientChangeSerializer,
    ClientSerializer,
)
from api.views.base import ApiView, etag
from clients import services
from clients.forms import ClientForm
from clients.models import Client
from core.sections import FORM_SECTIONS, section_of_field


def _client_response(client: Client, *, status_code: int = 200) -> Response:
    response = Response(ClientSerializer(client).data, status=status_code)
    response["ETag"] = etag(client.version)
    return response


def _readable(request, pk: int) -> Client:
    """The record, or 404; a merged record only when its survivor is visible too (its
    `merged_into` then names the survivor)."""
    client = get_client_for(request, pk)
    if client.merged_into_id is not None:
        survivor = selectors.survivor_visible_to(request.user, pk)
        if survivor is None:
            raise Http404
        client.merged_into_id = survivor.pk
    return client


class ClientDetailView(ApiView):
    @extend_schema(
        operation_id="client_retrieve",
        summary="A client record (the sections your agency holds)",
        parameters=[ETAG_HEADER],
        responses={200: ClientSerializer, **problems(401, 403, 404, 429)},
    )
    def get(self, request, pk: int) -> Response:
        return _client_response(_readable(self.django_request, pk))

    @extend_schema(
        operation_id="client_update",
        summary="Change fields of sections your agency may change",
        parameters=[IF_MATCH, ETAG_HEADER],
        request=ClientChangeSerializer,
        responses={200: ClientSerializer, **PROBLEMS},
    )
    def patch(self, request, pk: int) -> Response:
        body = request.data if isinstance(request.data, dict) else None
        if not body:
            raise ValidationError({"non_field_errors": ["Send the fields to change."]})
        unknown = sorted(set(body) - EDITABLE_FIELDS)
        if unknown:
            raise ValidationError({name: ["Unknown or read-only field."] for name in unknown})
        seen_version = self.seen_version()
        client = get_client_for(self.django_request, pk, change=True)
        touched = {section_of_field(name) for name in body}
        ordered = tuple(slug for slug in FORM_SECTIONS if slug in touched)
        for section in ordered:
            if not client.access.can_change(section):
                record_denied(self.django_request, "clients.client", pk, section)
                raise Http404
        form = ClientForm(
            form_data(ClientForm(instance=client, sections=ordered), body),
            instance=copy.copy(client),
            sections=ordered,
        )
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        fields = {k: v for k, v in form.cleaned_data.items() if k != "seen_version"}
        updated = services.client_update(
            client=client, actor=request.user, fields=fields, seen_version=seen_version
        )
        updated.access = client.access
        return _client_response(updated)
