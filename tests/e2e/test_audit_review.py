"""LAF's supervisor answers "who saw this person's record?" (issue 4): a record registered
at LAF is handed over to the Sozialamt; a caseworker of each agency opens it at their own
desk; the supervisor finds both on the record's "Who saw this record" page, downloads it
as CSV for the person's Art. 15 request, and narrows the audit log to the record.

Links are found by their URLs, fields by their ids, so the test does not depend on the
German translations; assertions are on agency names, user names and record numbers.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db.models import Q
from playwright.sync_api import Page, expect

from agencies.models import User
from audit.models import AuditEvent
from tests.factories import ClientFactory, UserFactory
from workflows.handover import services as handover_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A user name that a spreadsheet would run as a formula if the CSV did not escape it.
SOZIALAMT_USER = "@sozialamt.caseworker"
FORMULA_START = ("=", "+", "-", "@")


@pytest.fixture
def staff(caseworker, laf, sozialamt, password) -> dict[str, str]:
    """LAF's caseworker and supervisor, the Sozialamt's caseworker, with real passwords."""
    UserFactory(username="laf.supervisor", password=password, agency=laf, agency__role="supervisor")
    UserFactory(username=SOZIALAMT_USER, password=password, agency=sozialamt)
    return {"laf": caseworker.username, "supervisor": "laf.supervisor", "sozialamt": SOZIALAMT_USER}


def open_record(page: Page, pk: int, name: str) -> None:
    page.goto(f"/clients/{pk}/")
    expect(page.locator("main h1")).to_contain_text(name)


def cells(row, column: int):
    return row.locator(f"td:nth-child({column})")


AGENCY, USER, OBJECT = 2, 3, 5  # columns of the event table


def test_a_supervisor_sees_who_saw_a_record_in_every_agency_and_filters_the_log(
    page_for, staff, laf, sozialamt, caseworker, legal_bases, assert_accessible, screenshot
):
    # Set-up through the services: LAF registers Halyna, hands her over, the Sozialamt accepts.
    halyna = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Kravets",
        given_names="Halyna",
        street="Wuhlestraße 12",
        postcode="12683",
    )
    other = ClientFactory(agency=laf, actor=caseworker, family_name="Lysenko", given_names="Ivan")
    grant = handover_services.handover_create(
        actor=caseworker,
        clients=[halyna],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=legal_bases["consent"],
        purpose="Leistungen nach dem AsylbLG",
    )[0]
    sozialamt_cw = User.objects.get(username=SOZIALAMT_USER)
    handover_services.handover_decide(
        actor=sozialamt_cw, handover_id=grant.handover_id, accept=True
    )

    # --- A caseworker of each agency opens the record at their own desk.
    laf_page = page_for(staff["laf"])
    open_record(laf_page, halyna.pk, "KRAVETS, Halyna")
    open_record(laf_page, other.pk, "LYSENKO, Ivan")  # another record: not in the answer
    sozialamt_page = page_for(staff["sozialamt"])
    open_record(sozialamt_page, halyna.pk, "KRAVETS, Halyna")
    expect(sozialamt_page.locator("#contact")).to_contain_text("Wuhlestraße 12")
    # Caseworkers have neither the audit log nor the "who saw" page.
    expect(sozialamt_page.locator('#main-nav a[href="/audit/"]')).to_have_count(0)
    expect(laf_page.locator(f'main a[href="/audit/clients/{halyna.pk}/"]')).to_have_count(0)

    # --- LAF's supervisor opens the record and asks who saw it.
    supervisor = page_for(staff["supervisor"])
    open_record(supervisor, halyna.pk, "KRAVETS, Halyna")
    supervisor.locator(f'main a[href="/audit/clients/{halyna.pk}/"]').click()
    expect(supervisor).to_have_url(re.compile(rf"/audit/clients/{halyna.pk}/$"))
    expect(supervisor.locator("main h1")).to_contain_text("KRAVETS, Halyna")
    rows = supervisor.locator("main table tbody tr")
    laf_rows = rows.filter(has=supervisor.locator(f"td:nth-child({AGENCY})", has_text=laf.name))
    sozialamt_rows = rows.filter(
        has=supervisor.locator(f"td:nth-child({AGENCY})", has_text=sozialamt.name)
    )
    expect(laf_rows.filter(has_text=staff["laf"]).first).to_be_visible()
    expect(sozialamt_rows.filter(has_text=SOZIALAMT_USER).first).to_be_visible()
    assert_accessible(supervisor, "who saw this record")
    screenshot(supervisor, "audit-record")

    # --- The answer for the person, as CSV: both agencies, nothing a spreadsheet runs.
    with supervisor.expect_download() as download_info:
        supervisor.locator('main a[href*="format=csv"]').click()
    download = download_info.value
    assert download.suggested_filename == f"accesses-{halyna.pk}.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        table = list(csv.reader(io.StringIO(file.read()), delimiter=";"))
    header, *records = table
    assert len(header) == 9 and records  # with the object and the codes the events keep
    agencies_in_csv = {row[1] for row in records}
    assert {laf.name, sozialamt.name} <= agencies_in_csv
    unsafe = [cell for row in table for cell in row if cell.startswith(FORMULA_START)]
    assert unsafe == [], f"cells a spreadsheet would read as formulas: {unsafe}"
    assert f"'{SOZIALAMT_USER}" in {row[2] for row in records}  # escaped, not dropped
    assert AuditEvent.objects.filter(
        action="export", object_id=str(halyna.pk), actor__username="laf.supervisor"
    ).exists()

    # --- The audit log, from the navigation, narrowed to Halyna's record and to reads.
    supervisor.locator('#main-nav a[href="/audit/"]').click()
    expect(supervisor).to_have_url(re.compile(r"/audit/$"))
    supervisor.locator("#id_client").fill(str(halyna.pk))
    supervisor.locator("#id_action").select_option("view")
    # The filtered page audits the records it names: events written from here on are not on it.
    before_filter = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    supervisor.locator("main form[method=get] button[type=submit]").click()
    expect(supervisor).to_have_url(re.compile(rf"/audit/\?.*client={halyna.pk}.*action=view"))
    expect(supervisor.locator("#id_client")).to_have_value(str(halyna.pk))

    expected = AuditEvent.objects.filter(
        Q(object_id=str(halyna.pk)) | Q(object_ids__contains=[halyna.pk]),
        object_type="clients.client",
        agency=laf,
        action="view",
        pk__lte=before_filter,
    )
    users = set(expected.values_list("actor__username", flat=True))
    assert users == {staff["laf"], staff["supervisor"]}
    rows = supervisor.locator("main table tbody tr")
    expect(rows).to_have_count(expected.count())
    for index in range(rows.count()):
        row = rows.nth(index)
        expect(cells(row, AGENCY)).to_have_text(laf.name)
        expect(cells(row, USER)).to_contain_text(re.compile(r"^laf\.(caseworker|supervisor)"))
        # Halyna's record in every row (the supervisor's own read of the unfiltered log
        # named both records it listed, Halyna's among them).
        expect(cells(row, OBJECT).get_by_role("link", name="KRAVETS, Halyna")).to_be_visible()
    for username in users:
        expect(rows.filter(has_text=username).first).to_be_visible()
    main = supervisor.locator("main")
    expect(main).not_to_contain_text(sozialamt.name)
    expect(main).not_to_contain_text(SOZIALAMT_USER)
    assert_accessible(supervisor, "audit log")
    screenshot(supervisor, "audit-log")
