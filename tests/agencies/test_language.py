import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_interface_is_german_by_default(laf_client):
    response = laf_client.get(reverse("clients:client-create"))
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in response.content.decode()


def test_a_user_switches_to_english_and_keeps_it_on_the_next_login(client, laf_caseworker):
    client.force_login(laf_caseworker)
    response = client.post(reverse("language-set"), {"language": "en", "next": "/clients/"})
    assert response.status_code == 302
    assert response.url == "/clients/"
    laf_caseworker.refresh_from_db()
    assert laf_caseworker.language == "en"

    client.logout()
    client.cookies.clear()
    client.force_login(laf_caseworker)
    response = client.get(reverse("clients:client-create"))
    assert response["Content-Language"] == "en"
    assert "Register a person" in response.content.decode()


def test_language_switch_does_not_redirect_off_site(laf_client):
    response = laf_client.post(
        reverse("language-set"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_unknown_language_is_ignored(laf_client, laf_caseworker):
    laf_client.post(reverse("language-set"), {"language": "xx"})
    laf_caseworker.refresh_from_db()
    assert laf_caseworker.language == "de"
