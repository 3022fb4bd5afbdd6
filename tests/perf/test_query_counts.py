"""The pages staff use all day cost the same number of queries whatever the amount of
data behind them (issue 13): each page is rendered with a little data, then with much
more (records, versions, documents, handovers, events, household members), and its
queries are counted both times. The figures at a million records come from
`manage.py bench_load` and `bench_profile`; these tests keep N+1 queries out.

As in tests/clients/test_history.py: the first request of a session is not counted (it
writes the session and fills caches)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from clients.models import Client
from clients.services import case_note_add, client_update
from core.dates import PartialDate
from tests.factories import ClientFactory, DocumentFactory
from workflows.handover.services import handover_create, handover_decide
from workflows.intake.services import household_member_add

pytestmark = pytest.mark.django_db


def _queries(client, method: str, url: str, data=None, status: int = 200) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == status
    return len(captured.captured_queries)


def _counted(client, method: str, url: str, data=None) -> int:
    _queries(client, method, url, data)  # the session's first request is not counted
    return _queries(client, method, url, data)


def _new_versions(record: Client, actor, times: int) -> None:
    for number in range(times):
        current = Client.objects.get(pk=record.pk)
        client_update(
            client=current,
            actor=actor,
            fields={"phone": f"+49 30 5550{number:03d}"},
            seen_version=current.version,
        )


def _members(anchor: Client, agency, actor, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        household_member_add(
            anchor=anchor,
            agency=agency,
            actor=actor,
            role="child",
            fields={
                "family_name": "Shevchenko",
                "given_names": f"Kind{number:02d}",
                "sex": "u",
                "birth_date": PartialDate(2010 + number % 10, 1, 1),
            },
        )


def _hand_over(records, actor, agency, legal_basis, accept_as=None) -> None:
    grants = handover_create(
        actor=actor,
        clients=records,
        agency=agency,
        sections=["contact"],
        legal_basis=legal_basis,
        purpose="Leistungen nach dem AsylbLG",
    )
    if accept_as is not None:
        handover_decide(actor=accept_as, handover_id=grants[0].handover_id, accept=True)


def test_the_record_page_costs_the_same_with_many_versions_documents_notes_and_handovers(
    laf_client,
    olena,
    laf,
    laf_caseworker,
    sozialamt,
    sozialamt_caseworker,
    jobcenter,
    jobcenter_caseworker,
    consent,
):
    # One of each kind first (a conditional query is not a growing one), then many.
    url = reverse("clients:client-detail", args=[olena.pk])
    DocumentFactory(client=olena, actor=laf_caseworker)
    case_note_add(client=olena, agency=laf, actor=laf_caseworker, text="Erstgespräch")
    _new_versions(olena, laf_caseworker, 1)
    _hand_over([olena], laf_caseworker, sozialamt, consent, accept_as=sozialamt_caseworker)
    few = _counted(laf_client, "get", url)

    _new_versions(olena, laf_caseworker, 15)
    for number in range(8):
        DocumentFactory(client=olena, actor=laf_caseworker, number=f"FB{number:06d}")
        case_note_add(client=olena, agency=laf, actor=laf_caseworker, text=f"Termin {number}")
    _hand_over([olena], laf_caseworker, jobcenter, consent, accept_as=jobcenter_caseworker)
    for _ in range(30):
        audit_record(actor=laf_caseworker, action="view", obj=olena, fields=["identity"])
    assert _queries(laf_client, "get", url) == few


def test_the_household_page_costs_the_same_for_two_or_eight_members(
    laf_client, olena, laf, laf_caseworker
):
    _members(olena, laf, laf_caseworker, 1)
    url = reverse("clients:client-detail", args=[olena.pk])
    few = _counted(laf_client, "get", url)
    _members(olena, laf, laf_caseworker, 6, start=1)
    html_count = Client.objects.filter(household=Client.objects.get(pk=olena.pk).household)
    assert html_count.count() == 8
    assert _queries(laf_client, "get", url) == few


def test_search_results_cost_the_same_for_two_or_twenty_hits(
    laf_client, laf, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    def register(count: int, start: int) -> list[Client]:
        return [
            ClientFactory(
                agency=laf,
                actor=laf_caseworker,
                family_name="Bondarenko",
                given_names=f"Iryna{number:02d}",
            )
            for number in range(start, start + count)
        ]

    register(2, 0)
    search = {"name": "Bondarenko"}
    few = _counted(laf_client, "post", reverse("clients:client-search"), search)
    more = register(18, 2)
    for record in more[:5]:
        DocumentFactory(client=record, actor=laf_caseworker, number=f"FC{record.pk:06d}")
    _hand_over(more[5:8], laf_caseworker, sozialamt, consent, accept_as=sozialamt_caseworker)
    assert _queries(laf_client, "post", reverse("clients:client-search"), search) == few


def test_the_duplicate_check_costs_the_same_for_one_or_fifteen_candidates(
    laf_client, laf, laf_caseworker, sozialamt, sozialamt_caseworker
):
    def register(agency, actor, count: int, start: int) -> None:
        for number in range(start, start + count):
            ClientFactory(
                agency=agency,
                actor=actor,
                family_name="Melnyk",
                given_names="Oksana",
                birth_date=PartialDate(1980 + number % 3, 5, 1 + number % 20),
            )

    typed = {"family_name": "Melnyk", "given_names": "Oksana", "birth_date": "01.05.1980"}
    url = reverse("clients:duplicate-check")
    register(laf, laf_caseworker, 1, 0)
    few = _counted(laf_client, "post", url, typed)
    register(laf, laf_caseworker, 9, 1)
    register(sozialamt, sozialamt_caseworker, 5, 10)  # candidates the LAF may not see
    assert _queries(laf_client, "post", url, typed) == few


def test_the_inbox_costs_the_same_for_two_or_twenty_waiting_handovers(
    client, laf, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    def offer(count: int) -> None:
        for _ in range(count):
            _hand_over(
                [ClientFactory(agency=laf, actor=laf_caseworker)],
                laf_caseworker,
                sozialamt,
                consent,
            )

    client.force_login(sozialamt_caseworker)
    offer(2)
    few = _counted(client, "get", reverse("inbox:inbox"))
    offer(18)
    assert _queries(client, "get", reverse("inbox:inbox")) == few


def test_the_audit_page_costs_the_same_for_a_few_or_a_full_page_of_mixed_events(
    client, laf, laf_supervisor, laf_caseworker, olena, sozialamt, sozialamt_caseworker, consent
):
    def events(people: list[Client], repeat: int) -> None:
        for person in people * repeat:
            audit_record(actor=laf_caseworker, action="view", obj=person, fields=["identity"])
            audit_record(
                actor=laf_caseworker,
                action=AuditEvent.Action.SEARCH,
                object_type="clients.client",
                object_ids=[p.pk for p in people],
                fields=["name"],
            )

    # One event of each kind first (handover, change, view, search), then a full page.
    people = [ClientFactory(agency=laf, actor=laf_caseworker) for _ in range(2)]
    _hand_over(people[:1], laf_caseworker, sozialamt, consent, accept_as=sozialamt_caseworker)
    _new_versions(olena, laf_caseworker, 1)
    events(people, 1)
    client.force_login(laf_supervisor)
    url = reverse("audit:event-list")
    few = _counted(client, "get", url)

    people += [ClientFactory(agency=laf, actor=laf_caseworker) for _ in range(6)]
    events(people, 4)
    # The newest, so that the page shows every kind again, more of each.
    _hand_over(people[2:4], laf_caseworker, sozialamt, consent, accept_as=sozialamt_caseworker)
    _new_versions(olena, laf_caseworker, 3)
    events(people[4:], 1)
    audit_record(  # as the fixtures' membership_set wrote one before: a staff change
        actor=laf_supervisor,
        action=AuditEvent.Action.PERMISSION_CHANGE,
        object_type="auth.user",
        object_id=str(laf_caseworker.pk),
        fields=["role"],
    )
    assert AuditEvent.objects.filter(agency=laf).count() > 60
    # Counted as before: after a first view, whose own event is then on the page too.
    assert _counted(client, "get", url) == few
