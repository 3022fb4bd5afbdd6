"""The user's own settings: the interface language, and how they sign in (second factor,
backup codes, password, sessions)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from audit.models import AuditEvent
from audit.services import audit_record
from web.signin import second_factor
from web.signin.forms import PasswordConfirmForm, PortalPasswordChangeForm, TotpSetupForm
from web.signin.sessions import session_end as session_end_service
from web.signin.sessions import sessions_end_others as sessions_end_others_service
from web.signin.sessions import sessions_of
from web.signin.useragent import describe


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a logged-in user keeps the choice across devices."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        activate(language)
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


# --- Sign-in and security: second factor, password, sessions -----------------------------------


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The user's own sign-in: second factor, backup codes, password, sessions."""
    context = {
        "status": second_factor.second_factor_status(request.user),
        "session_count": sessions_of(request.user).count(),
    }
    return render(request, "account/security.html", context)


@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: while signing in (a pending user without one), or
    signed in (to replace the app; asks for the current password)."""
    if request.user.is_authenticated:
        user, pending = request.user, False
    else:
        user, pending = second_factor.pending_user(request), True
        if user is None:
            return redirect_to_login(request.get_full_path())
        if user_has_device(user):
            return redirect("login-verify")
    device = second_factor.totp_device_for_setup(request, user)
    form = TotpSetupForm(request.POST or None, device=device, request=None if pending else request)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.totp_confirm(user=user, device=device, request=request)
        if pending:
            next_url = second_factor.pending_complete(request, user, device)
        else:
            otp_login(request, device)
            request.session[second_factor.HAD_DEVICE] = True
            next_url = reverse("account:security")
        return render(request, "account/backup_codes.html", {"codes": codes, "next_url": next_url})
    context = {
        "form": form,
        "pending": pending,
        "qr": second_factor.totp_qr_data_uri(device),
        "secret": second_factor.totp_secret_text(device),
        "replacing": not pending and second_factor.second_factor_status(user)["totp"],
    }
    return render(request, "account/two_factor_setup.html", context)


@never_cache
@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes (the old ones stop working), after the current password."""
    form = PasswordConfirmForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.backup_codes_renew(user=request.user)
        context = {"codes": codes, "next_url": reverse("account:security")}
        return render(request, "account/backup_codes.html", context)
    return render(request, "account/backup_codes_form.html", {"form": form})


class PasswordChange(PasswordChangeView):
    """Django's view; afterwards every other session of the user ends."""

    form_class = PortalPasswordChangeForm
    template_name = "account/password_change.html"
    success_url = reverse_lazy("account:security")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        audit_record(
            actor=user,
            action=AuditEvent.Action.PERMISSION_CHANGE,
            object_type="auth.user",
            object_id=str(user.pk),
            fields=["password"],
        )
        sessions_end_others_service(actor=user, user=user, keep=self.request.session.session_key)
        messages.success(
            self.request,
            _("Your password has been changed. Your other sessions have been ended."),
        )
        return response


password_change = never_cache(PasswordChange.as_view())


@never_cache
@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    current = request.session.session_key
    sessions = [
        {
            "session": session,
            "browser": describe(session.user_agent),
            "current": session.session_key == current,
        }
        for session in sessions_of(request.user)
    ]
    context = {
        "sessions": sessions,
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
        "lifetime_hours": settings.SESSION_COOKIE_AGE // 3600,
    }
    return render(request, "account/session_list.html", context)


@require_POST
@login_required
def session_end(request: HttpRequest) -> HttpResponse:
    public_id = request.POST.get("session", "")
    current = request.session.session_key
    if any(
        s.public_id == public_id and s.session_key == current for s in sessions_of(request.user)
    ):
        return redirect("account:session-list")  # "log out" is the button for this one
    if session_end_service(actor=request.user, user=request.user, public_id=public_id):
        messages.success(request, _("The session has been ended."))
    return redirect("account:session-list")


@require_POST
@login_required
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = sessions_end_others_service(
        actor=request.user, user=request.user, keep=request.session.session_key
    )
    if ended:
        messages.success(request, _("All your other sessions have been ended."))
    return redirect("account:session-list")
