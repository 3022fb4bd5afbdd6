"""The sign-in steps: password (/login/ and /admin/login/), then the second factor.

Thin views over `web.signin.second_factor`; the account pages (setting up the app,
backup codes, password, sessions) are in `web.views.account`.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import user_has_device

from web.signin import second_factor
from web.signin.forms import SecondFactorForm
from web.signin.lockout import lockout_response


class SignInView(LoginView):
    """Django's login view; who needs a second factor is only remembered as pending."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not second_factor.second_factor_required(user):
            return super().form_valid(form)
        second_factor.pending_start(
            self.request, user, backend=user.backend, next_url=self.get_success_url()
        )
        if user_has_device(user):
            return redirect("login-verify")
        return redirect("account:two-factor-setup")


@never_cache
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the app or a backup code."""
    user = second_factor.pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again: the time for the second step ran out."))
        return redirect("login")
    if not user_has_device(user):
        return redirect("account:two-factor-setup")
    credentials = {get_user_model().USERNAME_FIELD: user.get_username()}
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not AxesProxyHandler.is_allowed(request, credentials):
            second_factor.pending_clear(request)
            return lockout_response(request)
        device = second_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            next_url = second_factor.pending_complete(request, user, device)
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = "/"
            return redirect(next_url)
        # Counts towards the lockout and is audited like a wrong password.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            second_factor.pending_clear(request)
        form.add_error("code", _("This code is not valid."))
    return render(request, "registration/login_verify.html", {"form": form})
