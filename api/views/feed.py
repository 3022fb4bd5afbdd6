"""The change feed (issue 14): what changed in records shared with the caller's agency
since a cursor (`access.feed.feed_for`); the read is audited with the record ids."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access.feed import PAGE_MAX, FeedPage, feed_for, feed_latest_cursor
from access.guards import clients_shown
from api.schema import problems
from api.serializers.feed import FeedPageSerializer
from api.views.base import ApiView

CURSOR = OpenApiParameter(
    "cursor",
    OpenApiTypes.STR,
    description="The `next_cursor` of the previous page; 0 (default) for the whole log, "
    "`latest` for where the log ends now (start following after a full copy).",
)
PAGE_SIZE = OpenApiParameter(
    "page_size", OpenApiTypes.INT, description=f"Changes per page, at most {PAGE_MAX}."
)


class FeedView(ApiView):
    @extend_schema(
        operation_id="feed_list",
        summary="Changes in records shared with your agency since a cursor",
        parameters=[CURSOR, PAGE_SIZE],
        responses={200: FeedPageSerializer, **problems(400, 401, 403, 429)},
    )
    def get(self, request) -> Response:
        cursor = request.query_params.get("cursor", "0")
        if cursor == "latest":
            page = FeedPage([], feed_latest_cursor(), False)
        else:
            page = feed_for(
                request.user,
                after=_number(cursor, "cursor", default=0),
                limit=_number(request.query_params.get("page_size"), "page_size", PAGE_MAX),
            )
        clients_shown(
            self.django_request,
            list(dict.fromkeys(item.client_id for item in page.items)),
            fields=["feed"],
        )
        return Response(FeedPageSerializer(page).data)


def _number(value: str | None, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or len(value) > 18:
        raise ValidationError({name: ["A whole number, 0 or more."]})
    return int(value)
