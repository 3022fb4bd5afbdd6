"""The start page leads back to a record opened earlier; the record page leads to its
print view, which on paper shows neither the menu nor any button (issue 12)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_layout import OVERFLOWING
from tests.factories import ClientFactory, DocumentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits(page, name, screenshot) -> list[str]:
    problems = []
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        found = page.evaluate(OVERFLOWING)
        if found["page"] > found["window"] or found["wide"]:
            problems.append(f"{name} at {width} px: page {found['page']} px; {found['wide'][:5]}")
        screenshot(page, f"layout/{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


def test_start_page_recent_record_and_its_print_view(
    logged_in, laf, caseworker, screenshot, assert_accessible
):
    page = logged_in
    olena = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Shevchenko",
        given_names="Olena",
        street="Kopernikusstraße 5",
        postcode="10243",
    )
    DocumentFactory(client=olena, actor=caseworker, number="FA123456")
    page.goto(f"/clients/{olena.pk}/")  # opened once today: now a recent record

    page.goto("/")
    recent = page.locator("#recent")
    expect(recent).to_contain_text("SHEVCHENKO, Olena")
    expect(page.locator("#today")).to_contain_text("SHEVCHENKO, Olena")
    assert_accessible(page, "start")
    problems = _fits(page, "start", screenshot)

    recent.locator(f"a[href='/clients/{olena.pk}/']").click()
    expect(page).to_have_url(re.compile(rf"/clients/{olena.pk}/$"))
    page.locator(f"main a[href='/clients/{olena.pk}/print/']").click()
    expect(page).to_have_url(re.compile(rf"/clients/{olena.pk}/print/$"))

    sheet = page.locator("article.client-print")
    expect(sheet).to_contain_text("SHEVCHENKO, Olena")
    expect(sheet).to_contain_text("FA123456")
    expect(sheet).to_contain_text(olena.reference_code_display)
    expect(sheet).to_contain_text(caseworker.username)
    print_button = page.locator("main button[data-print]")
    expect(print_button).to_be_visible()
    expect(page.locator("#main-nav")).to_be_attached()
    assert_accessible(page, "print")
    problems += _fits(page, "print", screenshot)

    page.emulate_media(media="print")
    expect(page.locator("header nav.navbar")).to_be_hidden()
    expect(page.locator(".language-switch")).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(page.locator("main a.btn")).to_have_count(1)  # "back to the record" ...
    expect(page.locator("main a.btn")).to_be_hidden()  # ... not on paper
    expect(sheet).to_be_visible()
    expect(sheet.locator(".client-print-header")).to_be_visible()
    screenshot(page, "print-media")
    page.emulate_media(media="screen")

    assert problems == [], "\n".join(problems)
