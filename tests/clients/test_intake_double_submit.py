"""Saving an intake form twice (a double click, a resent request, two tabs, N requests at
once) registers the person once: the form's one-time token is unique in the database, and
every submission of it is answered with the one record."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.contrib import messages
from django.db import connections
from django.test import Client as HttpClient
from django.urls import reverse

from access.models import ClientGroupObjectPermission
from audit.models import AuditEvent
from clients.models import Client, Household, IdentityDocument
from tests.factories import UserFactory
from workflows.duplicates.models import DuplicatePair
from workflows.intake import services as intake_services

INTAKE = {
    "family_name": "Melnyk",
    "given_names": "Halyna",
    "family_name_original": "Мельник",
    "sex": "f",
    "birth_date": "14.09.1991",
    "nationalities": ["UA"],
    "street": "Frankfurter Allee 12",
    "postcode": "10247",
    "residence_status": "temporary_protection",
    "doc-doc_type": "passport",
    "doc-number": "FB 765432",
    "doc-issuing_country": "UA",
}
MEMBER = {
    "household_role": "child",
    "family_name": "Shevchenko",
    "given_names": "Taras",
    "sex": "m",
    "birth_date": "12.03.2015",
    "residence_status": "temporary_protection",
}
CONCURRENT = 5


def _token_of(page_response) -> str:
    """The token the page put into the form, as a browser would send it back."""
    token = str(page_response.context["token_form"]["intake_token"].value())
    assert f'name="intake_token" value="{token}"' in page_response.content.decode()
    return token


def _post_at_once(user, url: str, data: dict, times: int) -> list:
    """`times` POSTs of the same form, each from its own browser and connection, let go
    together; the responses (or what a thread raised) in the order they came back."""
    browsers = []
    for _n in range(times):
        browser = HttpClient()
        browser.force_login(user)
        browsers.append(browser)
    start = threading.Barrier(times)
    results = []

    def submit(browser):
        try:
            start.wait(timeout=30)
            results.append(browser.post(url, data))
        except Exception as error:  # noqa: BLE001 - asserted below: no request may fail
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# --- The intake ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_intake_form_register_the_person_once(laf_caseworker):
    url = reverse("clients:client-create")
    browser = HttpClient()
    browser.force_login(laf_caseworker)
    data = {**INTAKE, "intake_token": _token_of(browser.get(url))}

    results = _post_at_once(laf_caseworker, url, data, CONCURRENT)

    client = Client.objects.get()  # exactly one record
    detail = reverse("clients:client-detail", args=[client.pk])
    assert [getattr(r, "status_code", r) for r in results] == [302] * CONCURRENT
    assert {r.url for r in results} == {detail}
    assert str(client.intake_token) == data["intake_token"]
    # One registration's worth of history, documents, access and audit; no pair queued.
    assert client.history.count() == 1
    assert IdentityDocument.objects.get().history.count() == 1
    assert ClientGroupObjectPermission.objects.filter(content_object=client).count() == 1
    created = AuditEvent.objects.filter(action="create", object_type="clients.client")
    assert list(created.values_list("object_id", flat=True)) == [str(client.pk)]
    assert not DuplicatePair.objects.exists()


def test_the_same_form_sent_again_leads_to_the_record_and_adds_nothing(laf_client):
    url = reverse("clients:client-create")
    data = {**INTAKE, "intake_token": _token_of(laf_client.get(url))}
    first = laf_client.post(url, data)
    client = Client.objects.get()

    again = laf_client.post(url, data, follow=True)

    assert first.url == reverse("clients:client-detail", args=[client.pk])
    assert again.redirect_chain == [(first.url, 302)]
    assert Client.objects.get() == client
    assert client.history.count() == 1
    assert IdentityDocument.objects.count() == 1
    assert AuditEvent.objects.filter(action="create", object_type="clients.client").count() == 1
    assert not DuplicatePair.objects.exists()  # not shown as its own probable duplicate
    assert list(again.context["messages"])[-1].level == messages.INFO


def test_a_submission_saved_meanwhile_is_not_shown_as_its_own_duplicate(laf_client, monkeypatch):
    """The race the threads above hit only sometimes, staged: the first submission
    commits after the second looked for its token but before the second's duplicate
    check, which then finds the first one's record as a probable match."""
    url = reverse("clients:client-create")
    data = {**INTAKE, "intake_token": _token_of(laf_client.get(url))}
    laf_client.post(url, data)
    client = Client.objects.get()
    looked_up = intake_services.registered_with_token
    calls = []

    def not_yet_committed_at_first(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else looked_up(**kwargs)

    monkeypatch.setattr(intake_services, "registered_with_token", not_yet_committed_at_first)

    again = laf_client.post(url, data, follow=True)

    assert again.redirect_chain == [(reverse("clients:client-detail", args=[client.pk]), 302)]
    assert Client.objects.get() == client
    assert not DuplicatePair.objects.exists()
    assert messages.WARNING not in [m.level for m in again.context["messages"]]


def test_each_showing_of_the_form_gets_its_own_token(laf_client):
    url = reverse("clients:client-create")
    assert _token_of(laf_client.get(url)) != _token_of(laf_client.get(url))


@pytest.mark.parametrize("token", [None, "", "not-a-uuid", "1" * 500])
def test_an_intake_without_a_valid_token_is_refused_and_keeps_the_input(laf_client, token):
    data = dict(INTAKE)
    if token is not None:
        data["intake_token"] = token

    response = laf_client.post(reverse("clients:client-create"), data)

    assert response.status_code == 200
    assert not Client.objects.exists()
    assert response.context["form"].non_field_errors()
    page = response.content.decode()
    assert 'value="Halyna"' in page
    # The page comes back with a fresh token: saving again works.
    data["intake_token"] = _token_of(response)
    assert laf_client.post(reverse("clients:client-create"), data).status_code == 302
    assert Client.objects.count() == 1


def test_a_form_asking_for_a_duplicate_confirmation_keeps_its_token(laf_client, olena):
    """The token marks a saved form only: a form sent back for a confirmation is saved
    with the same token once confirmed."""
    url = reverse("clients:client-create")
    data = {
        "family_name": "Shevchenko",
        "given_names": "Olena",
        "sex": "f",
        "birth_date": "03.07.1985",
        "nationalities": ["UA"],
        "residence_status": "temporary_protection",
        "intake_token": _token_of(laf_client.get(url)),
    }
    asked = laf_client.post(url, data)
    assert asked.status_code == 200
    assert _token_of(asked) == data["intake_token"]

    data.update(duplicate_confirmed="on", duplicate_reason="Andere Mutter")
    assert laf_client.post(url, data).status_code == 302
    assert laf_client.post(url, data).status_code == 302
    assert Client.objects.filter(given_names="Olena").count() == 2  # olena and the new one
    assert DuplicatePair.objects.count() == 1


def test_a_token_of_another_agencys_form_is_refused(laf_client, sozialamt, olena):
    token = uuid.uuid4()
    Client.objects.filter(pk=olena.pk).update(intake_token=token)
    other = HttpClient()
    other.force_login(UserFactory(agency=sozialamt, agency__role="caseworker"))
    data = {**INTAKE, "intake_token": str(token)}

    response = other.post(reverse("clients:client-create"), data)

    assert response.status_code == 200
    assert str(olena.pk) not in response.get("Location", "")
    assert Client.objects.count() == 1


def test_the_service_answers_a_used_token_with_the_first_record(laf, laf_caseworker):
    token = uuid.uuid4()
    fields = {"family_name": "Melnyk", "given_names": "Halyna"}
    first = intake_services.client_register(
        agency=laf, actor=laf_caseworker, fields=fields, intake_token=token
    )
    with pytest.raises(intake_services.AlreadyRegistered) as again:
        intake_services.client_register(
            agency=laf, actor=laf_caseworker, fields=fields, intake_token=token
        )
    assert again.value.client == first
    assert Client.objects.count() == 1


# --- Household members ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_member_form_add_the_member_once(laf, laf_caseworker, olena):
    url = reverse("clients:household-member-add", args=[olena.pk])
    browser = HttpClient()
    browser.force_login(laf_caseworker)
    data = {**MEMBER, "intake_token": _token_of(browser.get(url))}

    results = _post_at_once(laf_caseworker, url, data, CONCURRENT)

    taras = Client.objects.get(given_names="Taras")
    assert [getattr(r, "status_code", r) for r in results] == [302] * CONCURRENT
    # Every submission ends on the household overview: the reference person's record.
    overview = reverse("clients:client-detail", args=[olena.pk]) + "#household"
    assert {r.url for r in results} == {overview}
    assert Household.objects.count() == 1
    olena.refresh_from_db()
    assert taras.household_id == olena.household_id
    assert taras.history.count() == 1
    assert olena.history.count() == 2  # registered, then made head of the new household


def test_the_same_member_form_sent_again_adds_nobody(laf_client, olena):
    url = reverse("clients:household-member-add", args=[olena.pk])
    data = {**MEMBER, "intake_token": _token_of(laf_client.get(url))}
    first = laf_client.post(url, data)
    again = laf_client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert again.url == first.url
    assert Client.objects.filter(given_names="Taras").count() == 1


def test_a_member_form_without_a_token_is_refused(laf_client, olena):
    url = reverse("clients:household-member-add", args=[olena.pk])
    response = laf_client.post(url, MEMBER)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Client.objects.filter(given_names="Taras").exists()
