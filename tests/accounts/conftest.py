"""Sign-in tests: a browser that types a password, the same one for everybody."""

from __future__ import annotations

import pytest
from django.test import Client as Browser
from django.urls import reverse

PASSWORD = "Kopernikus-Ufer-1985"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def caseworker(laf_caseworker):
    laf_caseworker.set_password(PASSWORD)
    laf_caseworker.email = "laf.caseworker@laf.example"
    laf_caseworker.save(update_fields=["password", "email"])
    return laf_caseworker


@pytest.fixture
def supervisor(laf_supervisor):
    laf_supervisor.email = "laf.supervisor@laf.example"
    laf_supervisor.save(update_fields=["email"])
    return laf_supervisor


@pytest.fixture
def root(db):
    from tests.factories import UserFactory

    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def sign_in(browser: Browser, username: str, password: str = PASSWORD, *, url: str = ""):
    """POST the password step; the response (a redirect when the password was taken)."""
    return browser.post(url or reverse("login"), {"username": username, "password": password})


def is_signed_in(browser: Browser) -> bool:
    return browser.get(reverse("account:security")).status_code == 200
