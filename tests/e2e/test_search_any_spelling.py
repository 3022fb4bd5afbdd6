"""The next office finds the person whatever the spelling: a German spelling and the
Cyrillic original find "SHEVCHENKO, Olena", best match first, with the reason shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.dates import PartialDate
from tests.factories import ClientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def search(page: Page, name: str, birth_date: str = "") -> None:
    page.goto("/clients/")
    page.locator("#id_name").fill(name)
    page.locator("#id_birth_date").fill(birth_date)
    page.locator("main form[role=search] button[type=submit]").click()


@pytest.mark.parametrize("typed", ["Schewtschenko", "Шевченко", "Elena Schewtschenko"])
def test_a_german_or_cyrillic_spelling_finds_the_person(
    logged_in, laf, caseworker, typed, assert_accessible, screenshot
):
    ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Shevchenko",
        given_names="Olena",
        family_name_original="Шевченко",
        given_names_original="Олена",
        sex="f",
        birth_date=PartialDate(1985, 7, 3),
    )
    ClientFactory(agency=laf, actor=caseworker, family_name="Savchenko", given_names="Olena")
    page = logged_in
    search(page, typed)
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("SHEVCHENKO, Olena")
    expect(rows.first.locator(".badge")).to_contain_text("%")
    if typed == "Schewtschenko":
        assert_accessible(page, "search (another spelling)")
        screenshot(page, "search-any-spelling")
    rows.first.locator("a").click()
    expect(page.locator("main h1")).to_contain_text("SHEVCHENKO, Olena")


def test_the_best_match_comes_first(logged_in, laf, caseworker):
    undated = ClientFactory(
        agency=laf, actor=caseworker, family_name="Shevchenko", given_names="Olena",
        birth_date=PartialDate(),
    )  # fmt: skip
    dated = ClientFactory(
        agency=laf, actor=caseworker, family_name="Shevchenko", given_names="Olena",
        birth_date=PartialDate(1985, 7, 3),
    )  # fmt: skip
    page = logged_in
    search(page, "Schewtschenko Olena", "07.03.1985")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").nth(4)).to_have_text(str(dated.pk))
    expect(rows.nth(1).locator("td").nth(4)).to_have_text(str(undated.pk))
