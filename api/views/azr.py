"""AZR / XAusländer alignment for agency systems (issue 14, docs/azr-mapping.md):

- GET /api/v1/clients/{id}/azr: the record in the AZR shape, the sections the caller's
  agency holds; JSON, or XML with `Accept: application/xml`. Audited like the page's
  download: the read (guard, "azr_export") and an export event with sections and format.
- POST /api/v1/intake/azr-prefill: an AZR file (multipart `file`, or the raw body as
  application/json or application/xml) -> the intake's fields and the probable existing
  records, nothing saved. For agencies that register people (`policy.may_register`).
"""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from access import policy, selectors
from access.guards import clients_shown, get_client_for
from api.permissions import may
from api.schema import problems
from api.serializers.azr import (
    AzrRecordSerializer,
    PrefillSerializer,
    PrefillUploadSerializer,
    prefill_body,
)
from api.views.base import ApiView
from audit.models import AuditEvent
from audit.services import audit_record
from workflows.azr import render
from workflows.azr.export import azr_record
from workflows.azr.parse import (
    MAX_BYTES,
    AzrFileError,
    Prefill,
    check_data,
    parse_bytes,
    read_upload,
)
from workflows.intake.check import intake_check
from workflows.intake.forms import DuplicateCheckForm

EXPORT_CODE = "azr_export"


class AzrXmlRenderer(BaseRenderer):
    """The record as our XSD describes it. Anything else (a refusal's problem details,
    sent with its own content type) stays JSON."""

    media_type = "application/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code < 400 and isinstance(data, dict):
            return render.as_xml(data)
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class ClientAzrView(ApiView):
    renderer_classes = [JSONRenderer, AzrXmlRenderer]

    @extend_schema(
        operation_id="client_azr_export",
        summary="A client record in the AZR shape (JSON, or XML with Accept: application/xml)",
        description="Only the sections your agency holds; a section outside the grant is "
        "absent. JSON Schema and XSD: workflows/azr/schemas/ (an alignment with the AZR core "
        "data set, not the official XÖV schema; docs/azr-mapping.md).",
        responses={
            (200, "application/json"): AzrRecordSerializer,
            (200, "application/xml"): OpenApiResponse(OpenApiTypes.STR),
            **problems(401, 403, 404, 429),
        },
    )
    def get(self, request, pk: int) -> Response:
        http = self.django_request
        client = get_client_for(http, pk, purpose=EXPORT_CODE)
        if client.merged_into_id is not None:
            # A merged record only points to its survivor; export that one instead.
            survivor = selectors.survivor_visible_to(http.user, pk)
            detail = f"Merged into record {survivor.pk}." if survivor else None
            raise NotFound(detail)
        members = []
        if "household" in client.access.view and client.household_id:
            members = [m for m in selectors.household_members(http.user, client) if m.pk != pk]
            clients_shown(
                http, members, fields=["identity", EXPORT_CODE], action=AuditEvent.Action.EXPORT
            )
        record = azr_record(client, agency_name=http.membership.agency.name, members=members)
        fmt = request.accepted_renderer.format
        audit_record(
            actor=http.user,
            action=AuditEvent.Action.EXPORT,
            obj=client,
            fields=[*record["abschnitte"], EXPORT_CODE, fmt],
        )
        return Response(record)


class RawFileParser(BaseParser):
    """A file sent as the request body: its bytes, at most MAX_BYTES + 1 read (more is
    refused by the parser of the file)."""

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        return {"raw": stream.read(MAX_BYTES + 1) if stream is not None else b""}


class RawJsonParser(RawFileParser):
    media_type = "application/json"


class RawXmlParser(RawFileParser):
    media_type = "application/xml"


class RawTextXmlParser(RawFileParser):
    media_type = "text/xml"


class IntakeAzrPrefillView(ApiView):
    permission_classes = [may(policy.may_register)]
    parser_classes = [MultiPartParser, RawJsonParser, RawXmlParser, RawTextXmlParser]

    @extend_schema(
        operation_id="intake_azr_prefill",
        summary="Map an AZR file to the intake's fields and find probable existing records",
        description="Nothing is saved. Send the file as multipart `file`, or as the body "
        "(application/json or application/xml). A file that cannot be read is a 400 naming "
        "the place in the file.",
        request={
            "multipart/form-data": PrefillUploadSerializer,
            "application/json": OpenApiTypes.OBJECT,
            "application/xml": OpenApiTypes.STR,
        },
        responses={200: PrefillSerializer, **problems(400, 401, 403, 429)},
    )
    def post(self, request) -> Response:
        self.lookup_limit()  # it runs the duplicate check: the pages' limit for it
        try:
            prefill = self._read(request)
        except AzrFileError as error:
            raise ValidationError({"file": [str(m) for m in error.messages]}) from None
        document = prefill.documents[0] if prefill.documents else {}
        check = DuplicateCheckForm(check_data(prefill.fields, document))
        user = self.django_request.user
        matches = None
        if check.has_enough():
            matches = intake_check(user=user, record=check.match_record())
        body = prefill_body(
            prefill, matches, sections_of=lambda client: policy.access_for(user, client).view
        )
        return Response(body)

    def _read(self, request) -> Prefill:
        if "file" in request.FILES:
            return read_upload(request.FILES["file"])  # size checked before reading
        raw = request.data.get("raw") if isinstance(request.data, dict) else None
        if not raw:
            raise ValidationError({"file": ["Send the AZR file (multipart `file` or the body)."]})
        return parse_bytes(raw)
