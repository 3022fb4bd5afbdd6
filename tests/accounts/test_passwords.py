"""Passwords: at least 12 characters, none from a breach list nor built on one, stored
with Argon2 (older PBKDF2 hashes still work and are upgraded at sign-in); staff change
their own password, which ends their other sessions."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse

from audit.models import AuditEvent
from tests.accounts.conftest import is_signed_in, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Regenbogen-Spree-Fähre-7"


def _codes(password: str) -> set[str]:
    try:
        validate_password(password)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.parametrize(
    "password",
    [
        "Sommer2024!",
        "adminadmin",
        "Passwort123456!",
        "P@ssw0rd2024!!",
        "dragondragon",
        "!!Berlin2025",
    ],
)
def test_common_passwords_and_their_decorations_are_refused(password):
    assert "password_breached" in _codes(password) or "password_too_common" in _codes(password)


def test_sommer2024_and_adminadmin_are_refused_for_being_breached():
    assert "password_breached" in _codes("Sommer2024!")
    assert "password_breached" in _codes("adminadmin")


def test_fewer_than_twelve_characters_are_refused():
    assert "password_too_short" in _codes("Spree-Fähre")


@pytest.mark.parametrize("password", [NEW_PASSWORD, "Kopernikus-Ufer-1985", "vier Wörter auf Zeit"])
def test_long_uncommon_passwords_are_accepted(password):
    assert _codes(password) == set()


def test_new_passwords_are_hashed_with_argon2(settings, caseworker):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    caseworker.set_password(NEW_PASSWORD)
    assert caseworker.password.startswith("argon2$argon2id$")


def test_an_old_pbkdf2_hash_works_and_is_upgraded_at_sign_in(settings, caseworker, password):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    caseworker.password = make_password(password, hasher="pbkdf2_sha256")
    caseworker.save(update_fields=["password"])
    assert sign_in(Browser(), "laf.caseworker", password).status_code == 302
    caseworker.refresh_from_db()
    assert caseworker.password.startswith("argon2$")


def test_the_production_settings_use_argon2_first_and_keep_pbkdf2():
    from registration_portal import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert any(h.endswith(".PBKDF2PasswordHasher") for h in production.PASSWORD_HASHERS)


def test_staff_change_their_password_and_other_sessions_end(caseworker, password):
    browser, other = Browser(), Browser()
    sign_in(browser, "laf.caseworker", password)
    sign_in(other, "laf.caseworker", password)
    page = browser.get(reverse("account:password-change"))
    assert page.status_code == 200
    response = browser.post(
        reverse("account:password-change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == reverse("account:security")
    assert is_signed_in(browser)
    assert not is_signed_in(other)
    assert sign_in(Browser(), "laf.caseworker", NEW_PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(
        action="permission_change", actor=caseworker, fields=["password"]
    ).exists()


def test_a_breached_new_password_is_refused_on_the_page(caseworker, password, client):
    client.force_login(caseworker)
    response = client.post(
        reverse("account:password-change"),
        {"old_password": password, "new_password1": "Sommer2024!", "new_password2": "Sommer2024!"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def test_a_wrong_old_password_counts_as_a_failed_sign_in(caseworker, client):
    client.force_login(caseworker)
    response = client.post(
        reverse("account:password-change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "old_password" in response.context["form"].errors
    assert AuditEvent.objects.filter(action="login_failed", object_id=str(caseworker.pk)).exists()
