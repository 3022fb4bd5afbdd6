"""A family of four registered through the buttons, in one path (issue 12): the mother at
the intake with "Register and add a household member", each child's form taken over from
her (family name in both scripts, address, nationality, languages), "Save and add another
member", and "Save and finish" ends on the household overview. Then the mother moves and
the new address is applied to the children. Five clicks and five pages for the family
(before: seven, ending on the last child's record)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_layout import OVERFLOWING

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERVIEW_URL = re.compile(r"/clients/(\d+)/#household$")
MEMBER_URL = re.compile(r"/clients/(\d+)/household/add/$")
CHILDREN = [("Maksym", "m", "02.05.2012"), ("Sofiia", "f", "00.00.2015"), ("Daryna", "f", "")]


def _fits_a_phone(page: Page, what: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    found = page.evaluate(OVERFLOWING)
    assert found["page"] <= found["window"] and not found["wide"], (what, found["wide"][:5])
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_family_of_four_in_one_path_then_the_mother_moves_and_the_children_with_her(
    logged_in, assert_accessible, screenshot
):
    page = logged_in
    clicks = 0
    page.locator('#main-nav a[href="/clients/new/"]').click()
    clicks += 1
    page.locator("#id_family_name").fill("Bondarenko")
    page.locator("#id_given_names").fill("Iryna")
    page.locator("#id_family_name_original").fill("Бондаренко")
    page.locator("#id_given_names_original").fill("Ірина")
    page.locator("#id_birth_date").fill("14.03.1988")
    page.locator("#id_sex").select_option("f")
    page.locator("#id_nationalities").select_option("UA")
    page.locator('input[name=languages][value="uk"]').check()
    page.locator("#id_street").fill("Stralauer Allee 3")
    page.locator("#id_postcode").fill("10245")
    page.locator("#id_district").select_option("friedrichshain-kreuzberg")
    page.locator("#id_residence_status").select_option("temporary_protection")
    page.locator("button[name=add_member]").click()
    clicks += 1

    for number, (given, sex, born) in enumerate(CHILDREN):
        expect(page).to_have_url(MEMBER_URL)
        # Taken over from the mother: nobody retypes the family name or the address.
        expect(page.locator("#id_family_name")).to_have_value("Bondarenko")
        expect(page.locator("#id_family_name_original")).to_have_value("Бондаренко")
        expect(page.locator("#id_street")).to_have_value("Stralauer Allee 3")
        expect(page.locator("#id_nationalities")).to_have_values(["UA"])
        expect(page.locator('input[name=languages][value="uk"]')).to_be_checked()
        expect(page.locator("#id_given_names")).to_have_value("")
        expect(page.locator("#household-so-far")).to_contain_text("BONDARENKO, Iryna")
        if number == 0:
            assert_accessible(page, "first household member")
            _fits_a_phone(page, "household member form")
        page.locator("#id_household_role").select_option("child")
        page.locator("#id_given_names").fill(given)
        page.locator("#id_birth_date").fill(born)
        page.locator("#id_sex").select_option(sex)
        if number < len(CHILDREN) - 1:
            page.locator("button[name=add_another]").click()
        else:
            screenshot(page, "family-last-member")
            page.locator("main form button[type=submit].btn-primary").click()
        clicks += 1

    # The household overview: the mother's record at its household section.
    expect(page).to_have_url(OVERVIEW_URL)
    expect(page.locator("main h1")).to_contain_text("BONDARENKO, Iryna")
    members = page.locator("#household li")
    expect(members).to_have_count(3)
    for given, _sex, _born in CHILDREN:
        expect(members.filter(has_text=f"BONDARENKO, {given}")).to_have_count(1)
    assert clicks == 5
    screenshot(page, "family-household-overview")
    mother_url = page.url.split("#")[0]

    # The mother moves: the children are offered, all checked.
    page.goto(mother_url + "edit/contact/")
    page.locator("#id_street").fill("Storkower Straße 140")
    page.locator("#id_postcode").fill("10407")
    page.locator("#id_district").select_option("pankow")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/edit/contact/\?step=household-address$"))
    boxes = page.locator("#household-address-form input[name=members]")
    expect(boxes).to_have_count(3)
    for index in range(3):
        expect(boxes.nth(index)).to_be_checked()
    assert_accessible(page, "apply the address to the household")
    _fits_a_phone(page, "apply the address to the household")
    screenshot(page, "family-apply-address")
    page.locator("#household-address-form button[type=submit]").click()

    expect(page).to_have_url(OVERVIEW_URL)
    page.locator("#household li").filter(has_text="BONDARENKO, Sofiia").get_by_role("link").click()
    expect(page.locator("#contact")).to_contain_text("Storkower Straße 140")
    expect(page.locator("#contact")).to_contain_text("10407")
