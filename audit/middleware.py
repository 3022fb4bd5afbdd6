from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import RequestMeta, current_request_meta

_VALID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


class RequestIdMiddleware:
    """Tag each request with an id (a sane X-Request-ID from the proxy, or a new one)
    and make it and the client IP available to audit events written in services."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        token = current_request_meta.set(
            RequestMeta(request.request_id, request.META.get("REMOTE_ADDR") or None)
        )
        try:
            response = self.get_response(request)
        finally:
            current_request_meta.reset(token)
        response.headers["X-Request-ID"] = request.request_id
        return response
