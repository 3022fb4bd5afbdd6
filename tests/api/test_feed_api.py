"""GET /api/v1/feed/: an agency system learns what changed in records shared with its
agency (ids, sections, versions), never anything of records not shared."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from clients import services as client_services
from clients.models import ChangeEntry
from tests.factories import ClientFactory
from workflows.handover.services import handover_create, handover_decide

pytestmark = pytest.mark.django_db


def _update(client, actor, **fields):
    client.refresh_from_db()
    return client_services.client_update(
        client=client, actor=actor, fields=fields, seen_version=client.version
    )


def _records(body):
    return [(item["record"], item["kind"], item["sections"]) for item in body["items"]]


def test_registering_agency_sees_its_new_record(laf_api, olena):
    response = laf_api.get("/api/v1/feed/")
    assert response.status_code == 200
    body = response.json()
    assert _records(body) == [
        (
            olena.pk,
            "created",
            [
                "identity",
                "contact",
                "residence",
                "documents",
                "household",
                "case_notes",
                "sensitive",
            ],
        )
    ]
    assert body["items"][0]["version"] == olena.version
    assert body["has_more"] is False


def test_feed_carries_no_personal_data(laf_api, olena):
    response = laf_api.get("/api/v1/feed/")
    assert b"Shevchenko" not in response.content
    assert b"10243" not in response.content
    assert set(response.json()["items"][0]) == {
        "cursor",
        "record",
        "kind",
        "sections",
        "version",
        "merged_into",
        "at",
    }


def test_other_agency_sees_nothing_until_handed_over_then_held_sections_only(
    laf_caseworker, sozialamt, sozialamt_caseworker, sozialamt_api, olena, sgb_ii
):
    _update(olena, laf_caseworker, street="Allee der Kosmonauten 1")
    assert sozialamt_api.get("/api/v1/feed/").json()["items"] == []

    (grant,) = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=sgb_ii,
        purpose="Benefits",
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)
    _update(olena, laf_caseworker, sensitive_notes="x")  # not shared
    updated = _update(olena, laf_caseworker, postcode="12619")

    body = sozialamt_api.get("/api/v1/feed/").json()
    # Earlier changes appear too, now that the record is shared: within what it holds.
    assert _records(body) == [
        (olena.pk, "created", ["identity", "contact"]),
        (olena.pk, "updated", ["contact"]),
        (olena.pk, "grant_started", ["identity", "contact"]),
        (olena.pk, "updated", ["contact"]),
    ]
    # The version is the record's ETag: the system fetches exactly what changed.
    assert body["items"][-1]["version"] == updated.version
    record = sozialamt_api.get(f"/api/v1/clients/{olena.pk}/")
    assert record["ETag"] == f'"{updated.version}"'


def test_pages_follow_the_cursor(laf, laf_caseworker, laf_api):
    people = [ClientFactory(agency=laf, actor=laf_caseworker) for _ in range(3)]
    first = laf_api.get("/api/v1/feed/", {"page_size": 2}).json()
    second = laf_api.get("/api/v1/feed/", {"page_size": 2, "cursor": first["next_cursor"]}).json()
    assert first["has_more"] and not second["has_more"]
    assert [i["record"] for i in first["items"] + second["items"]] == [p.pk for p in people]
    empty = laf_api.get("/api/v1/feed/", {"cursor": second["next_cursor"]}).json()
    assert empty["items"] == [] and empty["next_cursor"] == second["next_cursor"]


def test_latest_cursor_starts_after_everything_so_far(laf_api, laf_caseworker, olena):
    latest = laf_api.get("/api/v1/feed/", {"cursor": "latest"}).json()
    assert latest["items"] == []
    assert latest["next_cursor"] == ChangeEntry.objects.latest("pk").pk
    _update(olena, laf_caseworker, postcode="12619")
    body = laf_api.get("/api/v1/feed/", {"cursor": latest["next_cursor"]}).json()
    assert _records(body) == [(olena.pk, "updated", ["contact"])]


def test_a_bad_cursor_is_a_problem_not_a_crash(laf_api):
    response = laf_api.get("/api/v1/feed/", {"cursor": "abc"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "cursor" in response.json()["errors"]


def test_feed_without_a_key_is_refused(client, olena):
    response = client.get("/api/v1/feed/")
    assert response.status_code == 401


def test_feed_read_is_audited_with_the_records_listed(laf_api, olena):
    laf_api.get("/api/v1/feed/")
    event = AuditEvent.objects.filter(fields__contains=["feed"]).latest("pk")
    assert event.actor == laf_api.system.user
    assert event.object_ids == [olena.pk]
    assert "channel:api" in event.fields
    assert f"api_key:{laf_api.key.pk}" in event.fields
