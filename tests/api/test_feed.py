"""The change feed's data layer (access.feed over clients.changes): what an agency system
learns of changes to records shared with its agency, and only those."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from access.feed import feed_for, grant_expiries_record
from clients import services as client_services
from clients.models import ChangeEntry
from core.sections import SECTIONS
from tests.factories import ClientFactory, DocumentFactory
from workflows.duplicates import services as duplicate_services
from workflows.duplicates.merge import client_merge
from workflows.duplicates.models import DuplicatePair
from workflows.handover.services import grant_revoke, handover_create, handover_decide

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["from the records", "along the log"])
def _both_walks(request, monkeypatch):
    """The feed takes one of two ways by the agency's size: every test runs both."""
    if request.param == "along the log":
        monkeypatch.setattr("access.feed.FEW_RECORDS", 0)


def _all(user, *, after=0, limit=100):
    items, page = [], feed_for(user, after=after, limit=limit)
    items += page.items
    while page.has_more:
        page = feed_for(user, after=page.next_cursor, limit=limit)
        items += page.items
    return items, page.next_cursor


def _kinds(items, client):
    return [(item.kind, item.sections) for item in items if item.client_id == client.pk]


def _hand_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii, **kwargs):
    (grant,) = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=kwargs.pop("sections", ["contact"]),
        legal_basis=sgb_ii,
        purpose="Benefits",
        **kwargs,
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)
    grant.refresh_from_db()
    return grant


def _update(client, actor, **fields):
    client.refresh_from_db()
    return client_services.client_update(
        client=client, actor=actor, fields=fields, seen_version=client.version
    )


def test_registering_agency_sees_the_record_created_in_every_section(olena, laf_caseworker):
    items, _cursor = _all(laf_caseworker)
    assert _kinds(items, olena) == [("created", list(SECTIONS))]
    assert items[0].version == olena.version


def test_other_agency_sees_nothing_of_a_record_not_shared(
    olena, laf_caseworker, sozialamt_caseworker
):
    _update(olena, laf_caseworker, street="Allee der Kosmonauten 1")
    items, _cursor = _all(sozialamt_caseworker)
    assert items == []


def test_staff_of_no_agency_get_an_empty_feed(olena, outsider):
    page = feed_for(outsider)
    assert page.items == [] and not page.has_more


def test_handover_starts_access_and_then_only_held_sections_appear(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii
):
    _items, cursor = _all(sozialamt_caseworker)
    _hand_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii)
    _update(olena, laf_caseworker, residence_status="fiktionsbescheinigung")  # not handed over
    _update(olena, laf_caseworker, street="Allee der Kosmonauten 1")
    _update(olena, laf_caseworker, sensitive_notes="x")  # not handed over

    items, _cursor = _all(sozialamt_caseworker, after=cursor)

    assert _kinds(items, olena) == [
        ("grant_started", ["identity", "contact"]),
        ("updated", ["contact"]),
    ]
    # The registering agency sees all three changes.
    laf_items, _ = _all(laf_caseworker)
    assert [i.sections for i in laf_items if i.kind == "updated"] == [
        ["residence"],
        ["contact"],
        ["sensitive"],
    ]


def test_a_pending_handover_shows_nothing_yet(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii
):
    handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=sgb_ii,
        purpose="Benefits",
    )
    _update(olena, laf_caseworker, street="Allee der Kosmonauten 1")
    assert _all(sozialamt_caseworker)[0] == []


def test_a_document_added_appears_in_the_documents_section(olena, laf_caseworker):
    _items, cursor = _all(laf_caseworker)
    DocumentFactory(client=olena, actor=laf_caseworker)
    items, _ = _all(laf_caseworker, after=cursor)
    assert _kinds(items, olena) == [("updated", ["documents"])]


def test_revoked_grant_appears_as_ended_and_later_changes_do_not(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii
):
    grant = _hand_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii)
    _items, cursor = _all(sozialamt_caseworker)

    grant_revoke(actor=laf_caseworker, grant=grant)
    _update(olena, laf_caseworker, street="Allee der Kosmonauten 1")

    items, _ = _all(sozialamt_caseworker, after=cursor)
    assert _kinds(items, olena) == [("grant_ended", ["identity", "contact"])]


def test_grant_ended_by_its_date_appears_after_the_nightly_run(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii
):
    today = timezone.localdate()
    _hand_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii, expires_on=today)
    _items, cursor = _all(sozialamt_caseworker)

    assert grant_expiries_record(today=today) == 0  # still valid today
    assert grant_expiries_record(today=today + dt.timedelta(days=1)) == 1
    assert grant_expiries_record(today=today + dt.timedelta(days=2)) == 0  # idempotent

    items, _ = _all(sozialamt_caseworker, after=cursor)
    assert _kinds(items, olena) == [("grant_ended", ["identity", "contact"])]


def test_an_end_date_covered_by_another_grant_ends_nothing(
    olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii
):
    today = timezone.localdate()
    _hand_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii, expires_on=today)
    _hand_over(olena, laf_caseworker, sozialamt, sozialamt_caseworker, sgb_ii, sections=[])
    assert grant_expiries_record(today=today + dt.timedelta(days=1)) == 1
    entry = ChangeEntry.objects.get(kind="grant_ended")
    assert entry.sections == ["contact"]  # identity stays open by the second grant


def test_cursor_paging_is_stable_and_continues_with_new_changes(laf, laf_caseworker):
    people = [ClientFactory(agency=laf, actor=laf_caseworker) for _ in range(5)]
    first = feed_for(laf_caseworker, limit=2)
    second = feed_for(laf_caseworker, after=first.next_cursor, limit=2)
    again = feed_for(laf_caseworker, after=first.next_cursor, limit=2)
    third = feed_for(laf_caseworker, after=second.next_cursor, limit=2)

    assert [i.cursor for i in second.items] == [i.cursor for i in again.items]
    seen = [i.client_id for page in (first, second, third) for i in page.items]
    assert seen == [p.pk for p in people]
    assert first.has_more and second.has_more and not third.has_more

    _update(people[0], laf_caseworker, street="Allee der Kosmonauten 1")
    fourth = feed_for(laf_caseworker, after=third.next_cursor)
    assert [(i.client_id, i.kind) for i in fourth.items] == [(people[0].pk, "updated")]


def test_a_merge_names_the_surviving_record(laf, laf_caseworker, laf_supervisor):
    a = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kovalenko")
    b = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kovalenko")
    _items, cursor = _all(laf_caseworker)
    pair = duplicate_services.duplicate_pair_record(
        client_ids=(a.pk, b.pk), score=0.93, reasons=[], source=DuplicatePair.Source.REPORT
    )
    client_merge(pair=pair, actor=laf_supervisor, survivor_id=a.pk, choices={})
    items, _ = _all(laf_caseworker, after=cursor)
    merged = [i for i in items if i.kind == "merged"]
    assert [(i.client_id, i.merged_into_id) for i in merged] == [(b.pk, a.pk)]
