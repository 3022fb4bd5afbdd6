"""In the browser (issue 10): LAF's admin uploads another system's export through the
upload form and sees what was imported with remarks; LAF's caseworker opens a record,
corrects the phone number through the edit form, marks that remark corrected and
dismisses the other, each through its own button.

Found by field names, ids and data attributes, not by translated text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from clients.models import Client
from tests.factories import UserFactory
from workflows.imports.models import ImportRemark
from workflows.imports.parsing import COLUMNS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROWS = [
    {"external_ref": "ALT-1", "family_name": "Bondarenko", "given_names": "Iryna", "sex": "w",
     "nationality": "ukrainisch", "birth_date": "14.03.1988", "address_street": "Müllerstraße 3",
     "address_postcode": "13353", "address_city": "Berlin"},
    {"external_ref": "ALT-2", "family_name": "Kovalenko", "given_names": "Mykola", "sex": "1",
     "nationality": "UKR", "phone": "0151 1234 Mutter", "birth_date": "1979"},
    {"external_ref": "ALT-3", "family_name": "", "given_names": "Olena"},
]  # fmt: skip


def legacy_file() -> bytes:
    lines = [";".join(COLUMNS)] + [";".join(row.get(c, "") for c in COLUMNS) for row in ROWS]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def test_an_import_with_remarks_is_resolved_on_the_record_page(
    page_for, laf, caseworker, password, assert_accessible, screenshot, settings
):
    # The import runs in the request, as without a queue (test_import_progress.py runs it
    # through a worker).
    settings.JOBS_INLINE = True
    UserFactory(username="laf.admin", password=password, agency=laf, agency__role="agency_admin")
    admin = page_for("laf.admin")
    admin.goto("/clients/import/")
    admin.locator("#id_file").set_input_files(
        files=[{"name": "altsystem.csv", "mimeType": "text/csv", "buffer": legacy_file()}]
    )
    admin.locator("main form[method=post] button[type=submit]").click()

    expect(admin).to_have_url(re.compile(r"/clients/import/\d+/$"))
    expect(admin.locator("[data-count=imported]")).to_have_text("1")
    expect(admin.locator("[data-count=remarks]")).to_have_text("1")
    expect(admin.locator("[data-count=rejected]")).to_have_text("1")
    expect(admin.locator("[data-encoding]")).to_have_attribute("data-encoding", "cp1252")
    expect(admin.locator("tr[data-row='3']")).to_contain_text("phone:")
    expect(admin.locator("tr[data-row='3']")).not_to_contain_text("Mutter")
    screenshot(admin, "import-result-with-remarks")

    kovalenko = Client.objects.get(external_ref="ALT-2")
    page = page_for(caseworker.username)
    page.goto(f"/clients/{kovalenko.pk}/")
    remarks = page.locator("#import-remarks [data-remark]")
    expect(remarks).to_have_count(2)  # the phone and the sex code
    expect(page.locator("#import-remarks")).to_contain_text("0151 1234 Mutter")
    assert_accessible(page, "record with import remarks")
    screenshot(page, "record-import-remarks")

    phone = ImportRemark.objects.get(client=kovalenko, column="phone")
    page.locator(f"[data-remark='{phone.pk}'] a[href$='/edit/contact/']").click()
    page.locator("#id_phone").fill("0151 12345678")
    page.locator("main form[method=post] button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/clients/{kovalenko.pk}/#contact$"))
    page.locator(f"[data-remark='{phone.pk}'] button[value=corrected]").click()
    expect(page).to_have_url(re.compile(rf"/clients/{kovalenko.pk}/#import-remarks$"))
    expect(remarks).to_have_count(1)
    expect(page.locator("#contact")).to_contain_text("+49 1511 2345678")

    sex = ImportRemark.objects.get(client=kovalenko, column="sex")
    page.locator(f"[data-remark='{sex.pk}'] button[value=dismissed]").click()
    expect(page.locator("#import-remarks")).to_have_count(0)

    phone.refresh_from_db()
    sex.refresh_from_db()
    assert (phone.resolution, phone.value, sex.resolution, sex.value) == (
        "corrected",
        "",
        "dismissed",
        "",
    )
