"""API requests are not page requests: they authenticate by key only, so a session
cookie a browser sends along is ignored before any page middleware sees it. The
second-factor check, the session's idle timeout and its activity, the sign-in redirects
and the user's page language then never act on an API request (its user is anonymous
until DRF authenticates the key inside the view); answers stay JSON."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


class ApiRequestMiddleware:
    """Before SessionMiddleware: drop the session cookie of requests under /api/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            request.COOKIES.pop(settings.SESSION_COOKIE_NAME, None)
        return self.get_response(request)
