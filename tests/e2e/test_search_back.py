"""Back from a record to the search results, and reload, show the results again, with no
"confirm form resubmission" and no name in the address (issue 12)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ClientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_back_and_reload_show_the_results_again(logged_in, laf, caseworker):
    page = logged_in
    olena = ClientFactory(agency=laf, actor=caseworker, family_name="Shevchenko")
    ClientFactory(agency=laf, actor=caseworker, family_name="Shevchenko", given_names="Taras")
    page.goto("/clients/")
    page.locator("#id_name").fill("Schewtschenko")
    page.locator("form[role=search] button[type=submit]").click()
    results = page.locator("main table tbody tr")
    expect(results).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/clients/\?q=[\w-]+$"))
    assert "schewtschenko" not in page.url.lower()

    page.locator(f"main table a[href='/clients/{olena.pk}/']").click()
    expect(page).to_have_url(re.compile(rf"/clients/{olena.pk}/$"))
    page.go_back()
    expect(results).to_have_count(2)
    # The criteria are back in the form: change one and search again.
    expect(page.locator("#id_name")).to_have_value("Schewtschenko")

    page.reload()
    expect(results).to_have_count(2)

    page.locator("#id_name").fill("Schewtschenko Taras")
    page.locator("form[role=search] button[type=submit]").click()
    expect(results).to_have_count(1)


def test_an_empty_search_says_what_to_enter(logged_in):
    page = logged_in
    page.goto("/clients/")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("form[role=search] .alert-warning")).to_be_visible()
