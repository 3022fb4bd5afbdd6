"""Middleware of the sign-in: a session without its second factor ends; activity moves
the idle timeout on (web.signin.sessions)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from web.signin.lockout import client_ip
from web.signin.second_factor import HAD_DEVICE, second_factor_enforced
from web.signin.sessions import session_touch


class SecondFactorMiddleware:
    """A signed-in session that needs a second factor and was not verified by one (a
    session from before enforcement, a removed authenticator) is ended, not served.

    Our sign-in never creates such a session; this is the net under it. Goes after
    django-otp's OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified():
            # The flag saves a query per request when the second factor is not enforced.
            if second_factor_enforced() or request.session.get(HAD_DEVICE):
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SessionActivityMiddleware:
    """Each request of a signed-in user is activity: it keeps the session from its idle
    timeout (written at most once a minute)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session_touch(request.session, ip=client_ip(request))
        return self.get_response(request)
