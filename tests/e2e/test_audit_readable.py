"""LAF's supervisor reads the audit log as sentences (issue 12): a record LAF may open is
named and linked, and the link leads to it; a record of another agency that LAF's
caseworker tried to open stays "no. N" without a name; a handover names the receiving
agency. At 375 px the log fits the screen.

Assertions are on record names, numbers and agency names, and on the English labels (the
supervisor reads the portal in English), so they do not depend on the German catalogue.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ClientFactory, UserFactory
from workflows.handover import services as handover_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OBJECT, SECTIONS = 5, 6  # columns of the event table


def _no_wider_than_the_viewport(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def test_a_supervisor_follows_a_named_record_from_the_audit_log(
    page_for,
    caseworker,
    laf,
    sozialamt,
    sozialamt_caseworker,
    legal_bases,
    password,
    assert_accessible,
    screenshot,
):
    UserFactory(
        username="laf.supervisor",
        password=password,
        agency=laf,
        agency__role="supervisor",
        language="en",
    )
    halyna = ClientFactory(
        agency=laf, actor=caseworker, family_name="Kravets", given_names="Halyna"
    )
    hidden = ClientFactory(
        agency=sozialamt, actor=sozialamt_caseworker, family_name="Verborgen", given_names="Amal"
    )
    handover_services.handover_create(
        actor=caseworker,
        clients=[halyna],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=legal_bases["consent"],
        purpose="Leistungen nach dem AsylbLG",
    )

    # LAF's caseworker opens Halyna's record, and tries the Sozialamt's record: 404.
    desk = page_for(caseworker.username)
    desk.goto(f"/clients/{halyna.pk}/")
    expect(desk.locator("main h1")).to_contain_text("KRAVETS, Halyna")
    response = desk.goto(f"/clients/{hidden.pk}/")
    assert response is not None and response.status == 404

    supervisor = page_for("laf.supervisor")
    supervisor.goto("/audit/")
    rows = supervisor.locator("main table tbody tr")
    main = supervisor.locator("main")
    # The record LAF may not see: its number, never its name, never a link.
    expect(rows.filter(has_text=f"Record no. {hidden.pk}").first).to_be_visible()
    expect(main).not_to_contain_text("Verborgen", ignore_case=True)
    expect(main.locator(f'a[href="/clients/{hidden.pk}/"]')).to_have_count(0)
    # The handover, by the receiving agency's name and the sections' labels (identity is
    # part of every grant).
    handover = rows.filter(has_text="hand over").first
    expect(handover.locator(f"td:nth-child({SECTIONS})")).to_have_text(
        f"handover to {sozialamt.name}, Identity, Contact, languages and address"
    )
    assert_accessible(supervisor, "audit log")
    screenshot(supervisor, "audit-log-readable-1366")

    supervisor.set_viewport_size({"width": 375, "height": 800})
    _no_wider_than_the_viewport(supervisor)
    screenshot(supervisor, "audit-log-readable-375")
    supervisor.set_viewport_size({"width": 1366, "height": 900})

    # The record LAF may open, as a link in the object column: it leads to the record.
    link = rows.locator(f"td:nth-child({OBJECT}) a", has_text="KRAVETS, Halyna").first
    expect(link).to_have_attribute("href", f"/clients/{halyna.pk}/")
    link.click()
    expect(supervisor).to_have_url(re.compile(rf"/clients/{halyna.pk}/$"))
    expect(supervisor.locator("main h1")).to_contain_text("KRAVETS, Halyna")
