"""In the browser (issue 14): LAF's agency admin adds an API client for the agency's own
system through the admin's form and its Save button, is shown the key once, and that key
reads a record LAF holds through the API — and only through it.

Found by ids and data attributes, not by translated text."""

from __future__ import annotations

import httpx
import pytest

from api.models import ApiClient
from tests.factories import ClientFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_agency_admin_adds_an_api_client_and_its_key_reads_the_agencys_record(
    page_for, laf, laf_caseworker, password, live_server
):
    UserFactory(
        username="laf.admin", password=password, agency=laf, agency__role="agency_admin",
        is_staff=True,
    )  # fmt: skip
    record = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Shevchenko")
    page = page_for("laf.admin")

    page.goto("/admin/api/apiclient/add/")
    page.fill("#id_name", "LAF Fachverfahren")
    page.select_option("#id_role", "caseworker")
    page.click("input[name=_save]")

    key = page.locator("[data-api-key]").inner_text().strip()
    assert key.startswith("rpk_")
    system = ApiClient.objects.get(name="LAF Fachverfahren")
    assert system.agency == laf  # an agency admin's client belongs to the own agency
    assert key not in system.keys.get().secret_hash  # only its hash is kept
    page.reload()
    assert page.locator("[data-api-key]").count() == 0  # shown once

    answer = httpx.get(
        f"{live_server.url}/api/v1/clients/{record.pk}/",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200
    assert answer.json()["family_name"] == "Shevchenko"
    refused = httpx.get(
        f"{live_server.url}/api/v1/clients/{record.pk}/",
        headers={"Authorization": f"Bearer {key[:-2]}xx"},
    )
    assert refused.status_code == 401
