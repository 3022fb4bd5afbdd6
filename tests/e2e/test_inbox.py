"""The inbox through its own buttons (issue 12): the handover form's one agency select,
the count of waiting items in the menu, a handover and an access request declined only
after a confirmation page that asks for the reason, the reason read by the other agency,
people named and linked as far as the agency may see them, and pages of 25."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Agency
from tests.factories import AgencyFactory, ClientFactory, UserFactory
from workflows.handover.services import access_request_create, handover_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OLENA = "SHEVCHENKO, Olena"
HANDOVER_REASON = "Zuständig ist das Sozialamt Mitte"
REQUEST_REASON = "Kein Leistungsbezug bekannt"
INBOX_BADGE = "header a[href='/inbox/'] .badge"


def _no_wider_than_the_viewport(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def test_a_handover_and_a_request_are_declined_with_a_reason_after_confirmation(
    page,
    page_for,
    caseworker,
    olena,
    laf,
    sozialamt,
    consent,
    sgb_ii,
    password,
    log_in,
    assert_accessible,
    screenshot,
):
    sozialamt_user = UserFactory(
        username="sozialamt.caseworker",
        password=password,
        agency=sozialamt,
        agency__role="caseworker",
    )
    jobcenter = AgencyFactory(
        name="Jobcenter Mitte", slug="jobcenter-mitte", kind=Agency.Kind.JOBCENTER
    )
    jobcenter_user = UserFactory(
        username="jobcenter.caseworker",
        password=password,
        agency=jobcenter,
        agency__role="caseworker",
    )
    UserFactory(username="laf.supervisor", password=password, agency=laf, agency__role="supervisor")
    detail = f"/clients/{olena.pk}/"

    # --- LAF hands Olena over: one agency select, chosen first.
    log_in(page, caseworker.username)
    page.goto(f"{detail}handover/")
    expect(page.locator("main select[name=agency]")).to_have_count(1)
    expect(page.locator("#id_purpose")).to_have_count(0)
    page.locator("#id_propose_agency").select_option(str(sozialamt.pk))
    page.locator("main form[method=get] button[type=submit]").click()
    expect(page.locator("main select[name=agency]")).to_have_count(1)
    expect(page.locator("#id_agency")).to_have_value(str(sozialamt.pk))
    expect(page.locator("main")).to_contain_text(sozialamt.name)
    page.locator("#id_legal_basis").select_option(str(consent.pk))
    page.locator("#id_purpose").fill("Leistungen nach dem AsylbLG")
    page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"{detail}#journey$"))

    # --- The Sozialamt sees one waiting item in the menu, and declines with a reason.
    sozialamt_page = page_for(sozialamt_user.username)
    badge = sozialamt_page.locator(INBOX_BADGE)
    expect(badge).to_have_count(1)
    expect(badge).to_contain_text("1")
    expect(badge.locator(".visually-hidden")).to_have_text("1 wartet")  # de-DE browser
    sozialamt_page.locator("header a[href='/inbox/']").click()
    offered = sozialamt_page.locator("main article", has_text=OLENA)
    expect(offered).to_have_count(1)
    expect(offered.locator(f"a[href='{detail}']")).to_have_count(0)  # not yet to open
    offered.locator("button[name=decision][value=decline]").click()
    expect(sozialamt_page.locator("main h1")).to_be_visible()
    expect(sozialamt_page.locator("main")).to_contain_text(OLENA)
    assert_accessible(sozialamt_page, "decline a handover")
    screenshot(sozialamt_page, "handover-decline")
    confirm = sozialamt_page.locator("main button[name=confirm]")
    confirm.click()  # no reason yet: refused, nothing declined
    expect(sozialamt_page.locator(".error-summary")).to_be_visible()
    sozialamt_page.locator("#id_reason").fill(HANDOVER_REASON)
    confirm.click()
    expect(sozialamt_page).to_have_url(re.compile(r"/inbox/$"))
    expect(sozialamt_page.locator("main [role=status]")).to_be_visible()
    expect(sozialamt_page.locator("main article", has_text=OLENA)).to_have_count(0)
    expect(sozialamt_page.locator(INBOX_BADGE)).to_have_count(0)

    # --- LAF reads the reason, with Olena named and linked.
    page.goto("/inbox/")
    declined = page.locator('section[aria-labelledby="declined-heading"] tbody tr')
    expect(declined).to_have_count(1)
    expect(declined).to_contain_text(HANDOVER_REASON)
    expect(declined).to_contain_text(sozialamt.name)
    expect(declined.locator(f"a[href='{detail}']")).to_have_text(OLENA)

    # --- The Jobcenter asks for Olena; LAF's supervisor declines with a reason.
    access_request_create(
        actor=jobcenter_user,
        client=olena,
        sections=["contact"],
        legal_basis=sgb_ii,
        purpose="Bürgergeld",
    )
    jobcenter_page = page_for(jobcenter_user.username)
    jobcenter_page.goto("/inbox/")
    made = jobcenter_page.locator('section[aria-labelledby="made-heading"] tbody tr')
    expect(made).to_contain_text("S…")
    expect(made).not_to_contain_text("Olena")
    expect(made.locator("a")).to_have_count(0)

    supervisor_page = page_for("laf.supervisor")
    expect(supervisor_page.locator(INBOX_BADGE)).to_contain_text("1")
    supervisor_page.goto("/inbox/")
    waiting = supervisor_page.locator('section[aria-labelledby="to-decide-heading"] article')
    expect(waiting.locator(f"a[href='{detail}']")).to_have_text(OLENA)
    waiting.locator('a[href$="/decide/"]').click()
    supervisor_page.locator("button[name=decision][value=decline]").click()
    expect(supervisor_page.locator("main h2")).to_contain_text(jobcenter.name)
    assert_accessible(supervisor_page, "decline an access request")
    supervisor_page.locator("#id_reason").fill(REQUEST_REASON)
    supervisor_page.locator("main button[name=confirm]").click()
    expect(supervisor_page).to_have_url(re.compile(r"/inbox/$"))
    expect(supervisor_page.locator(INBOX_BADGE)).to_have_count(0)

    jobcenter_page.goto("/inbox/")
    expect(made).to_contain_text(REQUEST_REASON)
    expect(made).not_to_contain_text("Olena")


def test_the_inbox_shows_25_handovers_a_page_and_fits_a_phone(
    page_for, caseworker, laf, sozialamt, consent, password, assert_accessible, screenshot
):
    for number in range(26):
        person = ClientFactory(agency=laf, actor=caseworker, family_name=f"Kowalenko{number:02d}")
        handover_create(
            actor=caseworker,
            clients=[person],
            agency=sozialamt,
            sections=["contact"],
            legal_basis=consent,
            purpose="AsylbLG",
        )
    UserFactory(
        username="sozialamt.caseworker",
        password=password,
        agency=sozialamt,
        agency__role="caseworker",
    )
    sozialamt_page = page_for("sozialamt.caseworker")
    expect(sozialamt_page.locator(INBOX_BADGE)).to_contain_text("26")
    sozialamt_page.goto("/inbox/")
    expect(sozialamt_page.locator("main article")).to_have_count(25)
    assert_accessible(sozialamt_page, "inbox, first page")
    screenshot(sozialamt_page, "inbox-1366")
    sozialamt_page.locator("main a[rel=next]").click()
    expect(sozialamt_page).to_have_url(re.compile(r"\?handovers=2$"))
    expect(sozialamt_page.locator("main article")).to_have_count(1)
    expect(sozialamt_page.locator("main article")).to_contain_text("KOWALENKO00")
    sozialamt_page.set_viewport_size({"width": 375, "height": 800})
    sozialamt_page.goto("/inbox/")
    _no_wider_than_the_viewport(sozialamt_page)
    screenshot(sozialamt_page, "inbox-375")
