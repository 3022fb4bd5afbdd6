"""AZR / XAusländer alignment in the browser (issue 14): a record downloaded in the AZR
shape from its page, and the intake form pre-filled from such a file through its own
button, with the duplicate check showing the person who is already registered."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from access import policy
from clients.models import Client
from core.dates import PartialDate
from tests.factories import ClientFactory, DocumentFactory
from workflows.azr import render
from workflows.azr.export import azr_record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mariia(laf, caseworker):
    person = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Kovalenko",
        given_names="Mariia",
        family_name_original="Коваленко",
        sex="f",
        birth_date=PartialDate(1985, 7, None),
        nationalities=["UA"],
        arrival_date=dt.date(2022, 3, 14),
    )
    DocumentFactory(client=person, number="FP123456")
    return person


def _export_file(person, user, tmp_path, fmt="xml"):
    person.access = policy.access_for(user, person)
    record = azr_record(person, agency_name="LAF")
    path = tmp_path / f"person.{fmt}"
    path.write_bytes(render.as_xml(record) if fmt == "xml" else render.as_json(record))
    return path


def test_a_file_prefills_the_intake_and_the_duplicate_check_names_the_existing_record(
    logged_in, mariia, caseworker, tmp_path, assert_accessible, screenshot
):
    page = logged_in
    upload = _export_file(mariia, caseworker, tmp_path)
    before = Client.objects.count()
    page.goto("/clients/new/")
    page.locator("#id_place_of_birth").fill("Zhytomyr")  # typed first: kept

    page.locator("#id_azr_file").set_input_files(str(upload))
    page.locator("[data-testid=azr-prefill]").click()

    expect(page.locator("#id_family_name")).to_have_value("Kovalenko")
    expect(page.locator("#id_given_names")).to_have_value("Mariia")
    expect(page.locator("#id_family_name_original")).to_have_value("Коваленко")
    expect(page.locator("#id_birth_date")).to_have_value("00.07.1985")
    expect(page.locator("#id_arrival_date")).to_have_value("14.03.2022")
    expect(page.locator("#id_doc-number")).to_have_value("FP123456")
    expect(page.locator("#id_place_of_birth")).to_have_value("Zhytomyr")
    check = page.locator("#duplicate-check")
    expect(check.get_by_role("link", name="KOVALENKO, Mariia")).to_be_visible()
    expect(check.locator(".border-warning, .text-bg-warning").first).to_be_visible()
    assert Client.objects.count() == before  # nothing saved
    screenshot(page, "azr-prefilled-intake")
    assert_accessible(page, "intake pre-filled from an AZR file")


def test_a_bad_file_shows_an_error_and_keeps_what_was_typed(logged_in, tmp_path):
    page = logged_in
    bad = tmp_path / "person.json"
    bad.write_text("not an export")
    page.goto("/clients/new/")
    page.locator("#id_family_name").fill("Tkachenko")

    page.locator("#id_azr_file").set_input_files(str(bad))
    page.locator("[data-testid=azr-prefill]").click()

    expect(page.locator("[data-error=azr_file]")).to_be_visible()
    expect(page.locator("#id_family_name")).to_have_value("Tkachenko")


def test_the_record_page_downloads_the_export(logged_in, mariia, assert_accessible):
    page = logged_in
    page.goto(f"/clients/{mariia.pk}/")
    assert_accessible(page, "record with the AZR export links")

    with page.expect_download() as download:
        page.locator("[data-testid=azr-export] a[data-format=json]").click()

    record = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: SIM115
    render.json_schema_validator().validate(record)
    assert record["person"]["grundpersonalien"]["familienname"] == "Kovalenko"
    assert download.value.suggested_filename == f"azr-{mariia.pk}.json"
