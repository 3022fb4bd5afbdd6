"""GET/PATCH of one record: the same policy, sections and audit as the record page."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_registering_agency_reads_the_whole_record(laf_api, olena):
    response = laf_api.get(f"/api/v1/clients/{olena.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["family_name"] == "Shevchenko"
    assert body["postcode"] == "10243"
    assert response["ETag"] == f'"{body["version"]}"'
    assert "no-store" in response["Cache-Control"]


def test_other_agency_gets_404_problem_details(sozialamt_api, olena):
    response = sozialamt_api.get(f"/api/v1/clients/{olena.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_read_is_audited_with_channel_and_key(laf_api, olena):
    laf_api.get(f"/api/v1/clients/{olena.pk}/")
    event = AuditEvent.objects.filter(action="view", object_id=str(olena.pk)).latest("pk")
    assert event.actor == laf_api.system.user
    assert event.agency == laf_api.system.agency
    assert "channel:api" in event.fields
    assert f"api_key:{laf_api.key.pk}" in event.fields
