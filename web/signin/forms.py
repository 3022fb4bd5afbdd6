"""Forms of the sign-in and account pages (crispy, the form tag in the template)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


def password_confirmed(request: HttpRequest, password: str) -> bool:
    """The signed-in user's password, checked through `authenticate` so that a wrong one
    counts towards the lockout and is audited like any failed sign-in."""
    user = authenticate(request, username=request.user.get_username(), password=password)
    return user is not None and user.pk == request.user.pk


class CurrentPasswordMixin:
    """Changing how one signs in asks for the current password first (a session left
    open on a shared terminal must not be enough)."""

    def _add_password_field(self, request: HttpRequest | None) -> None:
        self.request = request
        if request is not None:
            self.fields["password"] = forms.CharField(
                label=_("Current password"),
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not password_confirmed(self.request, password):
            raise forms.ValidationError(_("This is not your current password."), code="password")
        return password


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class TotpSetupForm(CurrentPasswordMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        min_length=6,
        help_text=_("The six-digit code the app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device, request: HttpRequest | None, **kwargs):
        """`request`: ask for the current password (a signed-in user replacing the app);
        None while signing in, the password was just given."""
        super().__init__(*args, **kwargs)
        self.device = device
        self._add_password_field(request)
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        code = (cleaned.get("code") or "").strip()
        # The code is used up when checked: only after the password was right.
        if "password" not in self.errors and code:
            if not (code.isdigit() and self.device.verify_token(code)):
                self.add_error(
                    "code",
                    forms.ValidationError(
                        _(
                            "This code does not match. Check the time on your phone and "
                            "try the current code."
                        ),
                        code="code",
                    ),
                )
        return cleaned


class PasswordConfirmForm(CurrentPasswordMixin, forms.Form):
    def __init__(self, *args, request: HttpRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_password_field(request)
        self.helper = _helper()


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's form; the old password goes through `authenticate` (lockout, audit)."""

    def __init__(self, user, *args, request: HttpRequest, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request
        self.helper = _helper()

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not password_confirmed(self.request, old_password):
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
