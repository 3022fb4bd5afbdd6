"""Handovers, the inbox, grants and access requests through the API: the same services,
policy and audit as the inbox and record pages."""

from __future__ import annotations

import pytest

from access.hints import hint_for
from access.models import AccessRequest, Grant
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _hand_over(api, client, agency, **extra):
    body = {
        "agency": agency.slug,
        "sections": ["contact"],
        "legal_basis": "sgb-ii-50",
        "purpose": "Benefits",
        **extra,
    }
    return api.post(f"/api/v1/clients/{client.pk}/handover/", body, format="json")


def test_handover_offered_accepted_and_then_the_record_is_readable(
    laf_api, sozialamt_api, sozialamt, olena, sgb_ii
):
    response = _hand_over(laf_api, olena, sozialamt)
    assert response.status_code == 201
    handover = response.json()["handover"]
    assert [g["sections"] for g in response.json()["grants"]] == [["identity", "contact"]]
    assert sozialamt_api.get(f"/api/v1/clients/{olena.pk}/").status_code == 404

    inbox = sozialamt_api.get("/api/v1/inbox/handovers/").json()
    assert [(g["record"], g["handover"]) for g in inbox["results"]] == [(olena.pk, handover)]
    accepted = sozialamt_api.post(f"/api/v1/inbox/handovers/{handover}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()[0]["status"] == "active"

    record = sozialamt_api.get(f"/api/v1/clients/{olena.pk}/").json()
    assert record["postcode"] == "10243"
    assert "sensitive_notes" not in record  # absent, not null
    event = AuditEvent.objects.filter(action="accept").latest("pk")
    assert event.actor == sozialamt_api.system.user and "channel:api" in event.fields


def test_the_other_agency_cannot_hand_over_a_record_not_shared(sozialamt_api, laf, olena, sgb_ii):
    response = _hand_over(sozialamt_api, olena, laf)
    assert response.status_code == 404
    assert not Grant.objects.exists()


def test_a_supervisor_key_may_not_hand_over(laf_supervisor_api, sozialamt, olena, sgb_ii):
    response = _hand_over(laf_supervisor_api, olena, sozialamt)
    assert response.status_code == 403
    assert not Grant.objects.exists()


def test_a_handover_needs_a_known_legal_basis(laf_api, sozialamt, olena, sgb_ii):
    response = _hand_over(laf_api, olena, sozialamt, legal_basis="nonsense")
    assert response.status_code == 400
    assert "legal_basis" in response.json()["errors"]


def test_declining_needs_a_reason(laf_api, sozialamt_api, sozialamt, olena, sgb_ii):
    handover = _hand_over(laf_api, olena, sozialamt).json()["handover"]
    url = f"/api/v1/inbox/handovers/{handover}/decline/"
    assert sozialamt_api.post(url, {}, format="json").status_code == 400
    response = sozialamt_api.post(url, {"reason": "Not our district"}, format="json")
    assert response.status_code == 200
    assert Grant.objects.get().status == Grant.Status.DECLINED
    assert Grant.objects.get().decision_note == "Not our district"


def test_another_agency_cannot_accept_a_handover_not_meant_for_it(
    laf_api, api_as, jobcenter, sozialamt, olena, sgb_ii
):
    handover = _hand_over(laf_api, olena, sozialamt).json()["handover"]
    response = api_as(jobcenter).post(f"/api/v1/inbox/handovers/{handover}/accept/")
    assert response.status_code == 404
    assert Grant.objects.get().status == Grant.Status.PENDING


def test_grants_of_a_record_and_revoking_one(laf_api, sozialamt_api, sozialamt, olena, sgb_ii):
    handover = _hand_over(laf_api, olena, sozialamt).json()["handover"]
    sozialamt_api.post(f"/api/v1/inbox/handovers/{handover}/accept/")
    grants = laf_api.get(f"/api/v1/clients/{olena.pk}/grants/").json()["results"]
    assert [(g["agency"], g["status"], g["legal_basis"]) for g in grants] == [
        ("sozialamt-mh", "active", "sgb-ii-50")
    ]
    # The receiving agency may not revoke what it was given; the granting agency may.
    assert sozialamt_api.post(f"/api/v1/grants/{grants[0]['id']}/revoke/").status_code == 404
    assert laf_api.post(f"/api/v1/grants/{grants[0]['id']}/revoke/").status_code == 200
    assert sozialamt_api.get(f"/api/v1/clients/{olena.pk}/").status_code == 404


def test_grants_of_a_record_not_shared_are_404(sozialamt_api, olena):
    assert sozialamt_api.get(f"/api/v1/clients/{olena.pk}/grants/").status_code == 404


def test_access_request_by_hint_decided_by_the_holding_supervisor(
    sozialamt_api, laf_supervisor_api, laf_api, olena, sozialamt_caseworker, sgb_ii
):
    token = hint_for(sozialamt_api.system.user, olena)
    response = sozialamt_api.post(
        "/api/v1/access-requests/",
        {
            "hint_token": token,
            "sections": ["contact"],
            "legal_basis": "sgb-ii-50",
            "purpose": "Benefits",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["record"] is None  # a hint never names the record
    request_id = response.json()["id"]

    # Caseworkers do not decide requests; the holding agency's supervisor does.
    assert laf_api.get("/api/v1/inbox/access-requests/").status_code == 403
    waiting = laf_supervisor_api.get("/api/v1/inbox/access-requests/").json()["results"]
    assert [(r["id"], r["record"]) for r in waiting] == [(request_id, olena.pk)]
    decided = laf_supervisor_api.post(
        f"/api/v1/inbox/access-requests/{request_id}/approve/", {}, format="json"
    )
    assert decided.status_code == 200
    assert AccessRequest.objects.get().status == AccessRequest.Status.APPROVED

    made = sozialamt_api.get("/api/v1/access-requests/").json()["results"]
    assert [(r["status"], r["record"]) for r in made] == [("approved", olena.pk)]
    assert sozialamt_api.get(f"/api/v1/clients/{olena.pk}/").status_code == 200


def test_an_unknown_hint_token_is_404(sozialamt_api, olena, sgb_ii):
    response = sozialamt_api.post(
        "/api/v1/access-requests/",
        {
            "hint_token": "made-up",
            "sections": ["contact"],
            "legal_basis": "sgb-ii-50",
            "purpose": "Benefits",
        },
        format="json",
    )
    assert response.status_code == 404
    assert not AccessRequest.objects.exists()


def test_declining_a_request_needs_a_reason(sozialamt_api, laf_supervisor_api, olena, sgb_ii):
    token = hint_for(sozialamt_api.system.user, olena)
    request_id = sozialamt_api.post(
        "/api/v1/access-requests/",
        {"hint_token": token, "sections": [], "legal_basis": "sgb-ii-50", "purpose": "Benefits"},
        format="json",
    ).json()["id"]
    url = f"/api/v1/inbox/access-requests/{request_id}/decline/"
    assert laf_supervisor_api.post(url, {}, format="json").status_code == 400
    assert laf_supervisor_api.post(url, {"note": "No basis"}, format="json").status_code == 200
    assert AccessRequest.objects.get().status == AccessRequest.Status.DECLINED
