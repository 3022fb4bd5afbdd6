"""While a caseworker types a person in, the portal shows who may already be registered
(issue 5): no page reload, nothing typed is lost, and saving past a match needs a reason."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from clients.models import Client
from core.dates import PartialDate
from tests.factories import ClientFactory
from workflows.duplicates.models import DuplicatePair

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_typing_a_german_spelling_shows_the_record_and_saving_anyway_needs_a_reason(
    logged_in, laf, caseworker, assert_accessible, screenshot
):
    page = logged_in
    existing = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Shevchenko",
        given_names="Oleksandra",
        sex="f",
        birth_date=PartialDate(1985, 7, 3),
    )
    page.goto("/clients/new/")
    page.locator("#id_family_name").fill("Schewtschenko")
    page.locator("#id_given_names").fill("Aleksandra")
    page.locator("#id_birth_date").fill("07.03.1985")

    check = page.locator("#duplicate-check")
    expect(check.get_by_role("link", name="SHEVCHENKO, Oleksandra")).to_be_visible()
    expect(check).to_contain_text("%")
    expect(page.locator("#id_family_name")).to_have_value("Schewtschenko")
    assert_accessible(page, "intake with a probable duplicate")
    screenshot(page, "intake-duplicate-check")

    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#id_duplicate_reason")).to_be_visible()
    expect(page.locator("#id_family_name")).to_have_value("Schewtschenko")
    assert Client.objects.count() == 1

    page.locator("#id_duplicate_confirmed").check()
    page.locator("#id_duplicate_reason").fill("Other place of birth, says she is a cousin")
    page.locator("main form button[type=submit]").first.click()

    expect(page).to_have_url(re.compile(r"/clients/\d+/$"))
    pair = DuplicatePair.objects.get()
    assert existing.pk in (pair.client_a_id, pair.client_b_id)
    assert pair.note == "Other place of birth, says she is a cousin"
