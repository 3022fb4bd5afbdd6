"""A form refused names every field to correct at the top and leads to it (issue 12: the
summary said there were errors, not which, on a 2,500 px page)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_error_summary_lists_the_fields_and_leads_to_each(logged_in, assert_accessible):
    page = logged_in
    page.goto("/clients/new/")
    page.locator("#id_given_names").fill("Oksana")
    page.locator("#id_birth_date").fill("31.02.1985")
    page.locator("main form button[type=submit]").first.click()

    summary = page.locator("main .error-summary").first
    expect(summary).to_be_focused()
    links = summary.locator("a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "#id_family_name" in targets
    assert "#id_birth_date" in targets
    assert "#id_given_names" not in targets  # typed correctly, not listed

    summary.locator("a[href='#id_birth_date']").click()
    expect(page.locator("#id_birth_date")).to_be_focused()
    expect(page.locator("#id_birth_date")).to_have_value("31.02.1985")
    assert_accessible(page, "intake with the error summary")
