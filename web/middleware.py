from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils import translation

from agencies.selectors import membership_for
from core.logs import log_bind


class UserLanguageMiddleware:
    """Use the language a logged-in user chose, over browser and session guesses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class LogContextMiddleware:
    """Name the agency and the user a request acts for in its log lines (ids only).

    After the sign-in middleware, which has loaded the user already; the membership it
    reads is cached on the user, so the pages' own look-up costs nothing more."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = membership_for(user)
            log_bind(user_id=user.pk, agency_id=membership.agency_id if membership else None)
        return self.get_response(request)


class AllowedMethodsMiddleware:
    """Pages answer GET, HEAD and POST only. Django's function views run for any method,
    so without this a TRACE or OPTIONS request got the page itself (a record, audited
    as a read), found by the scanner.

    The API (/api/) also changes (PATCH, PUT) and removes (DELETE) resources; its views
    (DRF) refuse a method they do not implement themselves. Still no TRACE or OPTIONS
    there, and a refusal under /api/ is problem details (JSON), not a page."""

    ALLOWED = ("GET", "HEAD", "POST")
    API_PREFIX = "/api/"
    API_ALLOWED = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self.API_PREFIX):
            if request.method not in self.API_ALLOWED:
                return _api_method_not_allowed(request, self.API_ALLOWED)
        elif request.method not in self.ALLOWED:
            return HttpResponseNotAllowed(self.ALLOWED)
        return self.get_response(request)


def _api_method_not_allowed(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse:
    """RFC 9457 problem details, as api.errors writes them (web does not import api)."""
    response = JsonResponse(
        {
            "type": "urn:registration-portal:problem:method_not_allowed",
            "title": "Method not allowed",
            "status": 405,
            "detail": "",
            "instance": request.path,
        },
        status=405,
        content_type="application/problem+json",
    )
    response["Allow"] = ", ".join(allowed)
    return response
