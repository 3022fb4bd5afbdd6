"""One family through three offices (issue "handover"): LAF registers a mother and her
child and hands them over to the Sozialamt with the mother's consent; the Jobcenter finds
that a record exists at LAF, asks for it, and LAF's supervisor approves. Four people at
four desks, each in a browser context of their own, logged in through the login form.

Pages are driven through form field names, ids and URLs, so the test keeps working when
the German translations land; assertions are on names, addresses, notes and legal bases.
"""

from __future__ import annotations

import re

import pytest
import segno
from playwright.sync_api import Page, expect

from agencies.models import Agency
from tests.factories import AgencyFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DETAIL_URL = re.compile(r"/clients/(\d+)/$")
SENSITIVE_NOTE = "Schwangerschaft, Risikoschwangerschaft"
MOTHER = "BONDARENKO, Iryna"
CHILD = "BONDARENKO, Maksym"
BIRTH_DATE = "14.03.1988"
STREET = "Stralauer Allee 3"
SOZIALAMT_PURPOSE = "Leistungen nach dem AsylbLG"
JOBCENTER_PURPOSE = "Übergang vom AsylbLG ins SGB II, Antrag auf Bürgergeld"


@pytest.fixture
def jobcenter(db) -> Agency:
    return AgencyFactory(
        name="Jobcenter Berlin Marzahn-Hellersdorf", slug="jobcenter-mh", kind=Agency.Kind.JOBCENTER
    )


@pytest.fixture
def staff(caseworker, laf, sozialamt, jobcenter, password) -> dict[str, str]:
    """Usernames of the four people in the story, all with real passwords."""
    people = {
        "supervisor": ("laf.supervisor", laf, "supervisor"),
        "sozialamt": ("sozialamt.caseworker", sozialamt, "caseworker"),
        "jobcenter": ("jobcenter.caseworker", jobcenter, "caseworker"),
    }
    for username, agency, role in people.values():
        UserFactory(username=username, password=password, agency=agency, agency__role=role)
    return {"laf": caseworker.username} | {key: name for key, (name, *_) in people.items()}


def submit(page: Page) -> None:
    """The main form's first submit button (not the language switch, not the log-out)."""
    page.locator("main form[method=post] button[type=submit]").first.click()


def register_family(page: Page) -> tuple[str, str]:
    """LAF's intake: the mother, with a sensitive note, and her son. Returns both URLs."""
    page.goto("/clients/new/")
    for name, value in {
        "family_name": "Bondarenko",
        "given_names": "Iryna",
        "birth_date": BIRTH_DATE,
        "street": STREET,
        "postcode": "10245",
        "sensitive_notes": SENSITIVE_NOTE,
    }.items():
        page.locator(f"#id_{name}").fill(value)
    page.locator("#id_sex").select_option("f")
    page.locator("#id_nationalities").select_option("UA")
    page.locator('input[name=languages][value="uk"]').check()
    page.locator("#id_district").select_option("friedrichshain-kreuzberg")
    page.locator("#id_special_protection_needs").check()
    submit(page)
    expect(page).to_have_url(DETAIL_URL)
    mother_url = page.url
    expect(page.locator("#sensitive")).to_contain_text(SENSITIVE_NOTE)

    page.locator('#household a[href$="/household/add/"]').click()
    expect(page.locator("#id_street")).to_have_value(STREET)
    page.locator("#id_household_role").select_option("child")
    page.locator("#id_given_names").fill("Maksym")
    page.locator("#id_birth_date").fill("02.05.2012")
    page.locator("#id_sex").select_option("m")
    submit(page)  # "Save and finish": back on the mother's household overview
    expect(page).to_have_url(f"{mother_url}#household")
    page.locator("#household a", has_text="Maksym").click()
    expect(page).to_have_url(DETAIL_URL)
    expect(page.locator("main h1")).to_contain_text(CHILD)
    child_url = page.url
    return mother_url, child_url


def test_laf_hands_a_family_to_the_sozialamt_and_the_jobcenter_asks_for_access(
    page,
    page_for,
    staff,
    laf,
    sozialamt,
    jobcenter,
    legal_bases,
    log_in,
    assert_accessible,
    screenshot,
):
    consent = legal_bases["consent"]
    sgb_ii = legal_bases["sgb-ii-50"]

    # --- LAF's caseworker registers the family and hands it over to the Sozialamt.
    laf_page = page
    log_in(laf_page, staff["laf"])
    mother_url, child_url = register_family(laf_page)
    laf_page.goto(mother_url)
    expect(laf_page.locator("#household li")).to_have_count(1)
    reference_code = laf_page.locator("#identity .font-monospace").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4} [0-9A-Z]{4} [0-9A-Z]{3}", reference_code), reference_code

    laf_page.locator('main a[href$="/handover/"]').click()
    expect(laf_page).to_have_url(f"{mother_url}handover/")
    expect(laf_page.locator("main")).to_contain_text("BONDARENKO, Maksym")
    # Choosing the agency proposes what a Sozialamt normally needs: no sensitive notes.
    laf_page.locator("#id_propose_agency").select_option(str(sozialamt.pk))
    laf_page.locator("main form[method=get] button[type=submit]").click()
    expect(laf_page).to_have_url(re.compile(rf"/handover/\?agency={sozialamt.pk}$"))
    expect(laf_page.locator("#id_agency")).to_have_value(str(sozialamt.pk))
    section = {
        slug: laf_page.locator(f"input[name=sections][value={slug}]")
        for slug in ("identity", "contact", "residence", "documents", "household", "sensitive")
    }
    for slug in ("identity", "contact", "residence", "documents", "household"):
        expect(section[slug]).to_be_checked()
    expect(section["sensitive"]).not_to_be_checked()
    # The caseworker narrows it to what the Sozialamt needs today.
    section["residence"].uncheck()
    section["documents"].uncheck()
    expect(laf_page.locator("#id_include_household")).to_be_checked()
    laf_page.locator("#id_legal_basis").select_option(str(consent.pk))
    laf_page.locator("#id_legal_basis_note").fill("Schriftliche Einwilligung vom heutigen Tag")
    laf_page.locator("#id_purpose").fill(SOZIALAMT_PURPOSE)
    assert_accessible(laf_page, "handover form")
    screenshot(laf_page, "handover-form")
    submit(laf_page)
    expect(laf_page).to_have_url(f"{mother_url}#journey")
    expect(laf_page.locator("main [role=status]")).to_contain_text(sozialamt.name)
    shared = laf_page.locator("#journey li", has_text=sozialamt.name).filter(
        has=laf_page.locator("form")
    )
    expect(shared).to_have_count(1)  # waiting for acceptance, revocable

    # --- The Sozialamt's caseworker accepts it from the inbox.
    sozialamt_page = page_for(staff["sozialamt"])
    assert sozialamt_page.goto(mother_url).status == 404  # not before accepting
    sozialamt_page.goto("/inbox/")
    handover = sozialamt_page.locator("main article", has_text=MOTHER)
    expect(handover).to_contain_text(laf.name)
    expect(handover).to_contain_text(CHILD)
    expect(handover).to_contain_text(consent.title)
    expect(handover).to_contain_text(SOZIALAMT_PURPOSE)
    expect(handover).not_to_contain_text(SENSITIVE_NOTE)
    assert_accessible(sozialamt_page, "inbox")
    screenshot(sozialamt_page, "inbox")
    handover.locator("button[name=decision][value=accept]").click()
    expect(sozialamt_page).to_have_url(DETAIL_URL)
    expect(sozialamt_page.locator("main [role=status]")).to_be_visible()
    # Lands on the record the handover was made from.
    assert sozialamt_page.url == mother_url

    sozialamt_page.goto(mother_url)
    expect(sozialamt_page.locator("main h1")).to_contain_text(MOTHER)
    expect(sozialamt_page.locator("#identity")).to_contain_text(BIRTH_DATE)
    expect(sozialamt_page.locator("#contact")).to_contain_text(f"{STREET}, 10245 Berlin")
    expect(sozialamt_page.locator("#household")).to_contain_text(CHILD)
    for hidden in ("sensitive", "residence", "documents", "case_notes"):
        expect(sozialamt_page.locator(f"#{hidden}")).to_have_count(0)
    expect(sozialamt_page.locator("body")).not_to_contain_text(SENSITIVE_NOTE)
    expect(sozialamt_page.locator('a[href$="/edit/sensitive/"]')).to_have_count(0)
    assert_accessible(sozialamt_page, "record at the Sozialamt")
    screenshot(sozialamt_page, "sozialamt-detail")
    assert sozialamt_page.goto(f"{mother_url}edit/sensitive/").status == 404
    sozialamt_page.goto(f"{mother_url}history/")
    expect(sozialamt_page.locator("main h1")).to_contain_text(MOTHER)
    expect(sozialamt_page.locator("body")).not_to_contain_text(SENSITIVE_NOTE)

    sozialamt_page.goto("/clients/")
    sozialamt_page.locator("#id_name").fill("Bondarenko")
    sozialamt_page.locator("form[role=search] button[type=submit]").click()
    results = sozialamt_page.locator("main table tbody tr")
    expect(results).to_have_count(2)
    expect(results.filter(has_text=MOTHER)).to_have_count(1)
    expect(results.filter(has_text=CHILD)).to_have_count(1)

    # --- The Jobcenter finds that a record exists at LAF, and asks for it.
    jobcenter_page = page_for(staff["jobcenter"])
    assert jobcenter_page.goto(mother_url).status == 404
    jobcenter_page.goto("/clients/")
    # A full name (in the Russian spelling) and the birth date: a search that identifies
    # one person, so it may say that a record exists elsewhere.
    jobcenter_page.locator("#id_name").fill("Bondarenko Irina")
    jobcenter_page.locator("#id_birth_date").fill(BIRTH_DATE)
    jobcenter_page.locator("form[role=search] button[type=submit]").click()
    expect(jobcenter_page.locator("#results-heading")).to_be_visible()
    expect(jobcenter_page.locator("main table")).to_have_count(0)
    hints = jobcenter_page.locator('section[aria-labelledby="hints-heading"]')
    expect(hints.locator("#hints-heading")).to_be_visible()
    hint = hints.locator("li")
    expect(hint).to_have_count(1)
    expect(hint).to_contain_text(laf.name)
    expect(hint).to_contain_text("B…")
    expect(hint).to_contain_text("1988")
    expect(hints).not_to_contain_text("Bondarenko")
    expect(hints).not_to_contain_text("Iryna")
    assert_accessible(jobcenter_page, "search with a hint")
    screenshot(jobcenter_page, "hint")

    hint.locator('a[href*="/inbox/requests/new/"]').click()
    expect(jobcenter_page.locator("main")).to_contain_text(laf.name)
    expect(jobcenter_page.locator("main")).not_to_contain_text("Iryna")
    # The Jobcenter's purpose profile is proposed: no sensitive notes.
    expect(jobcenter_page.locator("input[name=sections][value=contact]")).to_be_checked()
    expect(jobcenter_page.locator("input[name=sections][value=sensitive]")).not_to_be_checked()
    jobcenter_page.locator("#id_legal_basis").select_option(str(sgb_ii.pk))
    jobcenter_page.locator("#id_legal_basis_note").fill("Antrag auf Bürgergeld vom 02.06.")
    jobcenter_page.locator("#id_purpose").fill(JOBCENTER_PURPOSE)
    assert_accessible(jobcenter_page, "access request form")
    screenshot(jobcenter_page, "request-form")
    submit(jobcenter_page)
    expect(jobcenter_page).to_have_url(re.compile(r"/inbox/$"))
    expect(jobcenter_page.locator("main [role=status]")).to_contain_text(laf.name)
    made = jobcenter_page.locator('section[aria-labelledby="made-heading"] tbody tr')
    expect(made).to_have_count(1)
    expect(made).to_contain_text(laf.name)
    expect(made.locator("a")).to_have_count(0)  # nothing to open yet
    assert jobcenter_page.goto(mother_url).status == 404

    # --- LAF's supervisor approves, without the identity documents.
    supervisor_page = page_for(staff["supervisor"])
    supervisor_page.goto("/inbox/")
    waiting = supervisor_page.locator('section[aria-labelledby="to-decide-heading"] article')
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(jobcenter.name)
    expect(waiting).to_contain_text(MOTHER)
    expect(waiting).to_contain_text(JOBCENTER_PURPOSE)
    waiting.locator('a[href$="/decide/"]').click()
    expect(supervisor_page.locator("main h1")).to_contain_text(MOTHER)
    expect(supervisor_page.locator("main")).to_contain_text(sgb_ii.title)
    expect(supervisor_page.locator("main")).to_contain_text(JOBCENTER_PURPOSE)
    asked = supervisor_page.locator("input[name=sections]")
    expect(asked).to_have_count(5)  # identity, contact, residence, documents, household
    supervisor_page.locator("input[name=sections][value=documents]").uncheck()
    supervisor_page.locator("#id_note").fill("Ausweisdokumente bitte bei der LEA anfragen.")
    assert_accessible(supervisor_page, "decide on an access request")
    screenshot(supervisor_page, "decide")
    supervisor_page.locator("button[name=decision][value=approve]").click()
    expect(supervisor_page).to_have_url(re.compile(r"/inbox/$"))
    expect(supervisor_page.locator("main [role=status]")).to_be_visible()
    expect(waiting).to_have_count(0)

    # --- The Jobcenter opens the record from its inbox and sees the granted sections.
    jobcenter_page.goto("/inbox/")
    made = jobcenter_page.locator('section[aria-labelledby="made-heading"] tbody tr')
    expect(made).to_contain_text("Ausweisdokumente bitte bei der LEA anfragen.")
    made.locator('a[href^="/clients/"]').click()
    expect(jobcenter_page).to_have_url(mother_url)
    expect(jobcenter_page.locator("main h1")).to_contain_text(MOTHER)
    expect(jobcenter_page.locator("#identity")).to_contain_text(BIRTH_DATE)
    expect(jobcenter_page.locator("#contact")).to_contain_text(f"{STREET}, 10245 Berlin")
    expect(jobcenter_page.locator("#residence")).to_be_visible()
    expect(jobcenter_page.locator("#household")).to_be_visible()
    for hidden in ("documents", "sensitive", "case_notes"):
        expect(jobcenter_page.locator(f"#{hidden}")).to_have_count(0)
    expect(jobcenter_page.locator("body")).not_to_contain_text(SENSITIVE_NOTE)
    # Only the mother was asked for: her son stays out of the Jobcenter's sight; the page
    # says only that a further member is registered, and offers to ask for him.
    expect(jobcenter_page.locator("#household li a:not([href^='/inbox/'])")).to_have_count(0)
    expect(jobcenter_page.locator("#household-not-shared li")).to_have_count(1)
    expect(jobcenter_page.locator("#household")).not_to_contain_text("Maksym")
    assert jobcenter_page.goto(child_url).status == 404
    jobcenter_page.goto(mother_url)

    # Another agency sees the registration and its own steps, not where else the
    # person went (the Sozialamt handover is not the Jobcenter's business).
    steps = jobcenter_page.locator("#journey li.journey-step")
    expect(steps).to_have_count(2)  # registered, approved for the Jobcenter
    expect(steps.nth(0)).to_contain_text(laf.name)
    expect(steps.nth(1)).to_contain_text(jobcenter.name)
    expect(steps.nth(1)).to_contain_text(sgb_ii.title)
    expect(steps.nth(1)).to_contain_text(JOBCENTER_PURPOSE)
    expect(jobcenter_page.locator("#journey")).not_to_contain_text(SOZIALAMT_PURPOSE)
    # Only the granting agency sees (and may revoke) who else holds the record.
    expect(jobcenter_page.locator("#journey form")).to_have_count(0)
    assert_accessible(jobcenter_page, "record at the Jobcenter")
    screenshot(jobcenter_page, "journey")

    # --- LAF prints the sheet for the person: name, reference code, QR code.
    laf_page.goto(mother_url)
    laf_page.locator('main a[href$="/sheet/"]').click()
    expect(laf_page).to_have_url(f"{mother_url}sheet/")
    sheet = laf_page.locator("article.handover-sheet")
    expect(sheet).to_contain_text(MOTHER)
    expect(sheet).to_contain_text(BIRTH_DATE)
    expect(sheet.locator(".font-monospace")).to_have_text(reference_code)
    expect(sheet).not_to_contain_text(SENSITIVE_NOTE)
    qr = sheet.locator("img.qr-code")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    expect(qr).to_have_attribute("alt", re.compile(re.escape(reference_code)))
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code did not load"
    # It holds the code and nothing else (no name, no record URL).
    code = reference_code.replace(" ", "")
    expected = segno.make(code, error="m").svg_data_uri(scale=6, border=2)
    assert qr.get_attribute("src") == expected, "the QR code does not hold the reference code"
    assert_accessible(laf_page, "handover sheet")
    laf_page.emulate_media(media="print")
    expect(laf_page.locator("header")).to_be_hidden()
    expect(laf_page.locator("main .d-print-none")).to_be_hidden()
    screenshot(laf_page, "sheet")
    laf_page.emulate_media(media="screen")

    # --- LAF revokes the Jobcenter's access; the record is gone for the Jobcenter at once.
    laf_page.goto(mother_url)
    jobcenter_grant = laf_page.locator("#journey li", has_text=jobcenter.name).filter(
        has=laf_page.locator("form")
    )
    expect(jobcenter_grant).to_have_count(1)
    jobcenter_grant.locator("button[type=submit]").click()
    # A confirmation page names what ends, and only its own button revokes.
    expect(laf_page.locator("main h1")).to_contain_text(jobcenter.name)
    expect(laf_page.locator("main")).to_contain_text(MOTHER)
    assert_accessible(laf_page, "revoke confirmation")
    laf_page.locator("main button[name=confirm]").click()
    expect(laf_page).to_have_url(f"{mother_url}#journey")
    expect(laf_page.locator("main [role=status]")).to_contain_text(jobcenter.name)
    expect(
        laf_page.locator("#journey li", has_text=jobcenter.name).filter(
            has=laf_page.locator("form")
        )
    ).to_have_count(0)
    # The Sozialamt keeps its access.
    expect(
        laf_page.locator("#journey li", has_text=sozialamt.name).filter(
            has=laf_page.locator("form")
        )
    ).to_have_count(1)

    response = jobcenter_page.goto(mother_url)
    assert response is not None and response.status == 404
    expect(jobcenter_page.locator("body")).not_to_contain_text("Iryna")
    # Its inbox no longer offers the record it lost.
    jobcenter_page.goto("/inbox/")
    expect(jobcenter_page.locator("#made-heading ~ div table a")).to_have_count(0)
    expect(jobcenter_page.locator("body")).not_to_contain_text(STREET)
    sozialamt_page.goto(mother_url)
    expect(sozialamt_page.locator("#contact")).to_contain_text(STREET)
