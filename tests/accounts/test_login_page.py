"""The sign-in page says once, in the user's language, that the sign-in failed."""

import re

import pytest
from django.test import Client as Browser
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_wrong_password_is_answered_with_one_error_message(caseworker):
    response = Browser().post(
        reverse("login"), {"username": caseworker.username, "password": "wrong"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r'class="[^"]*\balert-danger\b', html)) == 1
    # What was typed as the name stays; the password does not.
    assert f'value="{caseworker.username}"' in html
    assert 'value="wrong"' not in html
