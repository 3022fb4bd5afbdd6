"""Pieces of the OpenAPI description every endpoint uses (drf-spectacular)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from api.serializers.common import ProblemSerializer

ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The resource's version; send it back as If-Match to change it.",
    response=[200, 201],
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the version you read (428 without it, 412 when stale).",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    required=True,
    description="A UUID you choose per registration: a repeated request with the same "
    "key returns the record the first one created (200) instead of a second one.",
)


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description)


# The refusals every authenticated endpoint can answer, as problem details.
PROBLEMS = {
    400: _problem("Invalid request (validation errors in `errors`)."),
    401: _problem("No key, or an invalid, expired or revoked key."),
    403: _problem("Your key's role may not do this."),
    404: _problem("No such record, or not shared with your agency."),
    412: _problem("The If-Match version is stale."),
    428: _problem("If-Match is missing."),
    429: _problem("Rate limit reached (Retry-After)."),
}


def problems(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: PROBLEMS[code] for code in codes}
