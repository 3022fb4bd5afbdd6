from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from audit.context import RequestMeta, current_request_meta

_VALID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


class RequestIdMiddleware:
    """Tag each request with an id (a sane X-Request-ID from the proxy, or a new one)
    and make it and the client IP available to audit events written in services."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A proxy's request id links our audit events to its logs; from anyone else it is
        # not trusted (it could be used to confuse the audit trail).
        incoming = request.headers.get("X-Request-ID", "") if settings.BEHIND_PROXY else ""
        request.request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        token = current_request_meta.set(RequestMeta(request.request_id, _client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            current_request_meta.reset(token)
        response.headers["X-Request-ID"] = request.request_id
        return response


def _client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind our proxy, the one it appended to X-Forwarded-For."""
    if settings.BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or None
