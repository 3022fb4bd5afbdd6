"""A LAF caseworker registers people at the intake desk and finds them again (issue "foundation").

Fields and buttons are found by their form names and ids, so the tests keep working when
the German translations land; assertions are on names, dates and addresses as shown.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ClientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DETAIL_URL = re.compile(r"/clients/(\d+)/$")


def fill_intake(page: Page, **fields: str) -> None:
    """Type into the intake form's text fields; `fields` are form field names."""
    for name, value in fields.items():
        page.locator(f"#id_{name}").fill(value)


def submit(page: Page) -> None:
    page.locator("main form button[type=submit]").first.click()


def test_caseworker_registers_a_person_finds_her_and_changes_her_address(
    page, laf, caseworker, password, assert_accessible, assert_skip_link_first, screenshot
):
    ClientFactory(agency=laf, actor=caseworker, family_name="Kovalenko", given_names="Oksana")

    page.goto("/clients/new/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/clients/new/$"))
    assert_accessible(page, "login")
    screenshot(page, "login")
    page.locator("#id_username").fill(caseworker.username)
    page.locator("#id_password").fill(password)
    submit(page)

    expect(page).to_have_url(re.compile(r"/clients/new/$"))
    fill_intake(
        page,
        family_name="Ševčenko",
        given_names="Oksana",
        birth_date="00.07.1985",
        street="Kopernikusstraße 5",
        postcode="10243",
    )
    page.locator("#id_sex").select_option("f")
    page.locator("#id_nationalities").select_option("UA")
    page.locator('input[name=languages][value="uk"]').check()
    page.locator("#id_district").select_option("friedrichshain-kreuzberg")
    page.locator("#id_doc-doc_type").select_option("passport")
    page.locator("#id_doc-number").fill("fa 123456")
    page.locator("#id_doc-issuing_country").select_option("UA")
    assert_accessible(page, "intake (filled in)")
    screenshot(page, "intake")
    submit(page)

    expect(page).to_have_url(DETAIL_URL)
    record_url = page.url
    expect(page.locator("main [role=status]")).to_be_visible()
    expect(page.locator("main h1")).to_contain_text("ŠEVČENKO, Oksana")
    identity = page.locator("#identity")
    expect(identity).to_contain_text("00.07.1985")
    expect(identity).to_contain_text("Ukraine")
    expect(page.locator("#contact")).to_contain_text(
        "Kopernikusstraße 5, 10243 Berlin (Friedrichshain-Kreuzberg)"
    )
    expect(page.locator("#documents tbody tr")).to_have_count(1)
    expect(page.locator("#documents tbody")).to_contain_text("FA123456")
    assert_accessible(page, "detail")
    screenshot(page, "detail")

    page.locator('#main-nav a[href="/clients/"]').click()
    page.locator("#id_name").fill("sevcenko")
    page.locator("form[role=search] button[type=submit]").click()
    results = page.locator("main table tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("ŠEVČENKO, Oksana")
    expect(results.first).to_contain_text("00.07.1985")
    expect(page.locator("#id_name")).to_have_value("sevcenko")
    assert_accessible(page, "search (with results)")
    screenshot(page, "search")

    results.first.get_by_role("link", name="ŠEVČENKO, Oksana").click()
    expect(page).to_have_url(record_url)
    assert_skip_link_first(page)

    page.locator('#contact a[href$="/edit/contact/"]').click()
    expect(page.locator('input[name=languages][value="uk"]')).to_be_checked()
    expect(page.locator("#id_street")).to_have_value("Kopernikusstraße 5")
    fill_intake(page, street="Allee der Kosmonauten 32", postcode="12681")
    page.locator("#id_district").select_option("marzahn-hellersdorf")
    submit(page)

    expect(page).to_have_url(f"{record_url}#contact")
    expect(page.locator("#contact")).to_contain_text(
        "Allee der Kosmonauten 32, 12681 Berlin (Marzahn-Hellersdorf)"
    )

    page.locator('.nav-tabs a[href$="/history/"]').click()
    expect(page).to_have_url(f"{record_url}history/")
    latest = page.locator("main article").first
    expect(latest).to_contain_text(caseworker.username)
    street_change = latest.locator("tbody tr", has_text="Kopernikusstraße 5")
    expect(street_change.locator("del")).to_have_text("Kopernikusstraße 5")
    expect(street_change.locator("ins")).to_have_text("Allee der Kosmonauten 32")
    postcode_change = latest.locator("tbody tr", has_text="10243")
    expect(postcode_change.locator("del")).to_have_text("10243")
    expect(postcode_change.locator("ins")).to_have_text("12681")
    district_change = latest.locator("tbody tr", has_text="Friedrichshain-Kreuzberg")
    expect(district_change.locator("ins")).to_have_text("Marzahn-Hellersdorf")
    assert_accessible(page, "history")
    screenshot(page, "history")
    assert_skip_link_first(page)


def test_intake_keeps_what_was_typed_when_the_birth_date_is_wrong(
    logged_in, assert_accessible, screenshot
):
    page = logged_in
    page.goto("/clients/new/")
    submit(page)

    errors = page.locator("main .alert-danger")
    expect(errors).to_be_visible()
    expect(errors).to_be_focused()
    expect(page.locator("#id_family_name")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "intake with errors")
    screenshot(page, "intake-errors")

    fill_intake(page, given_names="Oksana", birth_date="31.02.1985")
    page.locator('input[name=languages][value="uk"]').check()
    submit(page)

    expect(page.locator("#id_given_names")).to_have_value("Oksana")
    expect(page.locator("#id_birth_date")).to_have_value("31.02.1985")
    expect(page.locator('input[name=languages][value="uk"]')).to_be_checked()
    birth_date = page.locator("#id_birth_date")
    expect(birth_date).to_have_attribute("aria-invalid", "true")
    error = page.locator("#div_id_birth_date .invalid-feedback")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    error_id = error.get_attribute("id")
    assert error_id, "the birth date's error message has no id to be referenced"
    described_by = (birth_date.get_attribute("aria-describedby") or "").split()
    assert error_id in described_by, "the birth date field does not point to its error message"
    screenshot(page, "intake-birth-date-error")


def test_caseworker_registers_a_mother_and_her_three_children(
    logged_in, assert_accessible, screenshot
):
    page = logged_in
    page.goto("/clients/new/")
    fill_intake(
        page,
        family_name="Bondarenko",
        given_names="Iryna",
        birth_date="14.03.1988",
        street="Stralauer Allee 3",
        postcode="10245",
    )
    page.locator("#id_sex").select_option("f")
    page.locator("#id_nationalities").select_option("UA")
    page.locator('input[name=languages][value="uk"]').check()
    page.locator("#id_district").select_option("friedrichshain-kreuzberg")
    submit(page)
    expect(page).to_have_url(DETAIL_URL)
    mother_url = page.url

    page.locator('#household a[href$="/household/add/"]').click()
    add_member_url = page.url
    children = [("Maksym", "m", "02.05.2012"), ("Sofiia", "f", "00.00.2015"), ("Daryna", "f", "")]
    for number, (given_names, sex, birth_date) in enumerate(children):
        expect(page).to_have_url(add_member_url)
        # Shared with the mother, so already filled in: nobody retypes the address.
        expect(page.locator("#id_family_name")).to_have_value("Bondarenko")
        expect(page.locator("#id_street")).to_have_value("Stralauer Allee 3")
        expect(page.locator("#id_postcode")).to_have_value("10245")
        expect(page.locator("#id_district")).to_have_value("friedrichshain-kreuzberg")
        expect(page.locator('input[name=languages][value="uk"]')).to_be_checked()
        expect(page.locator("#id_nationalities")).to_have_values(["UA"])
        expect(page.locator("#id_given_names")).to_have_value("")
        if number == 0:
            assert_accessible(page, "add household member")
        page.locator("#id_household_role").select_option("child")
        fill_intake(page, given_names=given_names, birth_date=birth_date)
        page.locator("#id_sex").select_option(sex)
        if number == len(children) - 1:
            screenshot(page, "household-member")
        page.locator("button[name=add_another]").click()
        expect(page.locator("main [role=status]")).to_be_visible()
        expect(page.locator("main")).to_contain_text(f"BONDARENKO, {given_names}")

    page.goto(mother_url)
    members = page.locator("#household li")
    expect(members).to_have_count(3)
    for given_names, _sex, birth_date in children:
        member = members.filter(has_text=f"BONDARENKO, {given_names}")
        expect(member).to_have_count(1)
        if birth_date:
            expect(member).to_contain_text(birth_date)
    screenshot(page, "household")

    members.filter(has_text="BONDARENKO, Sofiia").get_by_role("link").click()
    expect(page.locator("main h1")).to_contain_text("BONDARENKO, Sofiia")
    expect(page.locator("#contact")).to_contain_text("Stralauer Allee 3, 10245 Berlin")
    expect(page.locator("#household li")).to_have_count(3)
    expect(page.locator("#household")).to_contain_text("BONDARENKO, Iryna")
