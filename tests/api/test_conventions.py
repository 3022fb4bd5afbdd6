"""What every API answer follows: audit with channel and key, sections absent, rate
limits as problem details, no page middleware acting on key requests, methods."""

from __future__ import annotations

import pytest

from api.models import ApiKey
from audit.models import AuditEvent
from tests.factories import DocumentFactory
from workflows.handover.services import handover_create, handover_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_contact(olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii):
    """Olena's contact section handed over to the Sozialamt and accepted."""
    (grant,) = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=sgb_ii,
        purpose="Benefits",
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)
    return grant


@pytest.fixture
def passport(olena, laf_caseworker):
    return DocumentFactory(client=olena, actor=laf_caseworker, number="FA123456")


READS = [
    ("get", "/api/v1/clients/{pk}/", None),
    ("get", "/api/v1/clients/{pk}/household/", None),
    ("get", "/api/v1/clients/{pk}/documents/", None),
    ("get", "/api/v1/clients/{pk}/documents/{doc}/", None),
    ("post", "/api/v1/clients/search/", {"document_number": "FA123456"}),
    (
        "post",
        "/api/v1/intake/duplicate-check/",
        {"family_name": "Shevchenko", "given_names": "Olena", "birth_date": "03.07.1985"},
    ),
]


@pytest.mark.parametrize(("method", "url", "body"), READS, ids=[r[1] for r in READS])
def test_every_read_is_audited_for_the_system_with_channel_and_key(
    laf_api, olena, passport, method, url, body
):
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    url = url.format(pk=olena.pk, doc=passport.pk)
    response = getattr(laf_api, method)(url, body, format="json")
    assert response.status_code == 200, response.json()
    events = list(AuditEvent.objects.filter(pk__gt=before))
    naming_olena = [e for e in events if e.object_id == str(olena.pk) or olena.pk in e.object_ids]
    assert naming_olena, "the read names the record"
    for event in events:
        assert event.actor == laf_api.system.user
        assert event.agency == laf_api.system.agency
        assert event.role == "caseworker"
        assert "channel:api" in event.fields
        assert f"api_key:{laf_api.key.pk}" in event.fields


def test_a_refusal_is_audited_as_denied(sozialamt_api, olena):
    assert sozialamt_api.get(f"/api/v1/clients/{olena.pk}/").status_code == 404
    event = AuditEvent.objects.latest("pk")
    assert event.outcome == "denied"
    assert event.object_id == str(olena.pk)
    assert event.actor == sozialamt_api.system.user
    assert "channel:api" in event.fields


def test_a_change_is_audited_with_the_channel(laf_api, olena):
    url = f"/api/v1/clients/{olena.pk}/"
    etag = laf_api.get(url)["ETag"]
    laf_api.patch(url, {"postcode": "12619"}, format="json", HTTP_IF_MATCH=etag)
    event = AuditEvent.objects.filter(action="update").latest("pk")
    assert event.fields[:1] == ["postcode"]
    assert "channel:api" in event.fields


def test_fields_of_sections_not_held_are_absent(sozialamt_api, olena, shared_contact):
    body = sozialamt_api.get(f"/api/v1/clients/{olena.pk}/").json()
    assert body["postcode"] == "10243"  # contact, granted
    assert body["family_name"] == "Shevchenko"  # identity, part of every grant
    for absent in ("sensitive_notes", "arrival_date", "residence_status", "household"):
        assert absent not in body
    assert body["sections"] == ["identity", "contact"]


def test_a_section_not_held_is_404(sozialamt_api, olena, shared_contact):
    response = sozialamt_api.get(f"/api/v1/clients/{olena.pk}/documents/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_patch_of_a_field_outside_the_held_sections_is_404(sozialamt_api, olena, shared_contact):
    url = f"/api/v1/clients/{olena.pk}/"
    etag = sozialamt_api.get(url)["ETag"]
    response = sozialamt_api.patch(url, {"sensitive_notes": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 404
    olena.refresh_from_db()
    assert olena.sensitive_notes == ""


def test_the_key_rate_limit_answers_429_and_is_audited(laf_api, olena):
    ApiKey.objects.filter(pk=laf_api.key.pk).update(rate_per_minute=2)
    url = f"/api/v1/clients/{olena.pk}/"
    assert [laf_api.get(url).status_code for _ in range(2)] == [200, 200]
    refused = laf_api.get(url)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) > 0
    event = AuditEvent.objects.latest("pk")
    assert (event.object_type, event.outcome) == ("ratelimit", "denied")
    assert event.actor == laf_api.system.user


def test_search_counts_against_the_pages_lookup_limit(laf_api, settings):
    settings.PORTAL_RATE_LIMITS = {
        **settings.PORTAL_RATE_LIMITS,
        "lookup": {"user": ["2/m"], "agency": ["100/m"]},
    }
    answers = [
        laf_api.post("/api/v1/clients/search/", {"azr_number": "123"}, format="json").status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]
    event = AuditEvent.objects.latest("pk")
    assert (event.object_type, event.object_id, event.outcome) == ("ratelimit", "lookup", "denied")


def test_a_key_request_is_not_sent_to_the_second_factor(laf_api, olena, settings):
    settings.SECOND_FACTOR_REQUIRED = True
    response = laf_api.get(f"/api/v1/clients/{olena.pk}/")
    assert response.status_code == 200


def test_a_session_cookie_is_ignored_under_api(laf_api, olena, laf_caseworker, settings):
    """An unverified session where the second factor is required would be ended and
    redirected on a page; under /api/ the cookie is dropped and the key decides."""
    settings.SECOND_FACTOR_REQUIRED = True
    laf_api.force_login(laf_caseworker)
    response = laf_api.get(f"/api/v1/clients/{olena.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == olena.pk


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "CONNECT"])
def test_methods_outside_the_api_set_are_405_problem_details(laf_api, olena, method):
    response = laf_api.generic(method, f"/api/v1/clients/{olena.pk}/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_a_method_the_endpoint_lacks_is_405_problem_details(laf_api, olena):
    response = laf_api.delete(f"/api/v1/clients/{olena.pk}/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_pages_still_refuse_patch(laf_client):
    assert laf_client.generic("PATCH", "/clients/").status_code == 405


def test_an_unknown_api_path_is_404_problem_details(laf_api):
    response = laf_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_validation_errors_name_the_fields(laf_api, olena):
    url = f"/api/v1/clients/{olena.pk}/"
    etag = laf_api.get(url)["ETag"]
    response = laf_api.patch(
        url, {"postcode": "99999"}, format="json", HTTP_IF_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"postcode"}
