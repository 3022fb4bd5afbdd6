"""The supervisors' duplicate review queue and the pair page (issue 5, capability 4)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from core.identity.score import REASON_LABELS
from tests.factories import ClientFactory, UserFactory
from workflows.duplicates import merge as merging
from workflows.duplicates import services
from workflows.duplicates.models import DuplicatePair
from workflows.handover import services as handover_services

pytestmark = pytest.mark.django_db


def _pair(a, b, score, reasons=("name_translit",)) -> DuplicatePair:
    return services.duplicate_pair_record(
        client_ids=(a.pk, b.pk), score=score, reasons=list(reasons), source="report"
    )


@pytest.fixture
def laf_people(laf, laf_caseworker):
    names = ["Kovalenko", "Kowalenko", "Bondarenko", "Bondarenco", "Melnyk", "Melnik"]
    return [ClientFactory(agency=laf, actor=laf_caseworker, family_name=n) for n in names]


@pytest.fixture
def sozialamt_people(sozialamt, sozialamt_caseworker):
    names = ["Yaremchuk", "Jaremtschuk"]
    return [
        ClientFactory(agency=sozialamt, actor=sozialamt_caseworker, family_name=n) for n in names
    ]


@pytest.fixture
def supervisor_client(client, laf_supervisor):
    client.force_login(laf_supervisor)
    return client


def test_queue_lists_the_agencys_pairs_and_its_cross_agency_pairs_ordered_by_score(
    supervisor_client, laf_people, sozialamt_people
):
    low = _pair(laf_people[4], laf_people[5], 0.81)
    high = _pair(laf_people[0], laf_people[1], 0.97, ["name_translit", "birth_same"])
    middle = _pair(laf_people[2], laf_people[3], 0.9)
    _pair(*sozialamt_people, 0.99)  # the Sozialamt's: LAF must not learn of it
    # LAF's record and the Sozialamt's (hidden from LAF): goes to both agencies' queues.
    mixed = _pair(laf_people[0], sozialamt_people[0], 0.95)

    response = supervisor_client.get(reverse("clients:duplicate-queue"))
    assert response.status_code == 200
    pairs = [row["pair"] for row in response.context["rows"]]
    assert pairs == [high, mixed, middle, low]
    body = response.content.decode()
    assert "Yaremchuk".upper() in body  # the identity of the mixed pair's other record
    assert "Jaremtschuk".upper() not in body
    assert "0,97" in body or "0.97" in body
    assert str(REASON_LABELS["birth_same"]) in body
    assert reverse("clients:duplicate-pair", args=[high.pk]) in body


def test_queue_read_is_audited_with_the_records_shown(
    supervisor_client, laf_supervisor, laf_people
):
    pair = _pair(laf_people[0], laf_people[1], 0.97)
    supervisor_client.get(reverse("clients:duplicate-queue"))
    event = AuditEvent.objects.filter(actor=laf_supervisor, action="search").latest("pk")
    assert sorted(event.object_ids) == sorted([pair.client_a_id, pair.client_b_id])
    assert event.object_type == "clients.client"


def test_queue_leaves_out_decided_pairs_and_merged_records(
    supervisor_client, laf_supervisor, laf_people
):
    decided = _pair(laf_people[0], laf_people[1], 0.97)
    services.duplicate_pair_decide_not_same(pair=decided, actor=laf_supervisor)
    merged = _pair(laf_people[2], laf_people[3], 0.9)
    merging.client_merge(
        pair=merged, actor=laf_supervisor, survivor_id=merged.client_a_id, choices={}
    )
    stale = _pair(laf_people[3], laf_people[4], 0.85)  # its record b was merged away
    response = supervisor_client.get(reverse("clients:duplicate-queue"))
    assert [row["pair"] for row in response.context["rows"]] == []
    assert stale.status == DuplicatePair.Status.OPEN


def test_queue_pages_have_a_constant_query_count(supervisor_client, laf, laf_caseworker):
    people = [ClientFactory(agency=laf, actor=laf_caseworker) for _ in range(12)]
    for i in range(0, 12, 2):
        _pair(people[i], people[i + 1], 0.8 + i / 100)
    supervisor_client.get(reverse("clients:duplicate-queue"))  # the session's first write
    with CaptureQueriesContext(connection) as few:
        supervisor_client.get(reverse("clients:duplicate-queue"))
    for i in range(1, 11, 2):
        _pair(people[i], people[i + 1], 0.7)
    with CaptureQueriesContext(connection) as more:
        response = supervisor_client.get(reverse("clients:duplicate-queue"))
    assert len(response.context["rows"]) == 11
    assert len(more) == len(few)


@pytest.mark.parametrize("url_name", ["clients:duplicate-queue", "clients:duplicate-pair"])
def test_caseworkers_are_refused(client, laf_caseworker, laf_people, url_name):
    pair = _pair(laf_people[0], laf_people[1], 0.97)
    client.force_login(laf_caseworker)
    args = [pair.pk] if url_name == "clients:duplicate-pair" else []
    assert client.get(reverse(url_name, args=args)).status_code == 403
    assert client.post(reverse(url_name, args=args), {"decision": "not_same"}).status_code == 403
    assert DuplicatePair.objects.get(pk=pair.pk).status == DuplicatePair.Status.OPEN


def test_another_agencys_pair_is_404_and_the_attempt_is_logged(
    client, sozialamt_supervisor, laf_people
):
    pair = _pair(laf_people[0], laf_people[1], 0.97)
    client.force_login(sozialamt_supervisor)
    response = client.get(reverse("clients:duplicate-pair", args=[pair.pk]))
    assert response.status_code == 404
    assert "KOVALENKO" not in response.content.decode()
    assert AuditEvent.objects.filter(
        actor=sozialamt_supervisor,
        outcome="denied",
        object_type="duplicates.duplicatepair",
        object_id=str(pair.pk),
    ).exists()
    assert client.get(reverse("clients:duplicate-pair", args=[2_000_000_000])).status_code == 404


def test_pair_page_compares_side_by_side_and_audits_both_records(
    supervisor_client, laf_supervisor, laf_people
):
    pair = _pair(laf_people[0], laf_people[1], 0.97, ["name_translit"])
    response = supervisor_client.get(reverse("clients:duplicate-pair", args=[pair.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kovalenko" in body and "Kowalenko" in body
    assert 'class="merge-differs"' in body
    assert str(REASON_LABELS["name_translit"]) in body
    assert 'style="' not in body
    rows = {row["field"].name: row for row in response.context["rows"]}
    assert rows["family_name"]["field"].differs
    assert not rows["sex"]["field"].differs
    # The record to keep is the first; its family name is proposed.
    assert rows["family_name"]["chosen"] == "a"
    assert 'name="choice_family_name" id="choice-family_name-a" value="a"' in body
    viewed = AuditEvent.objects.filter(actor=laf_supervisor, action="view")
    assert {e.object_id for e in viewed} >= {str(pair.client_a_id), str(pair.client_b_id)}
    assert 'value="merge"' in body


def test_not_the_same_person_is_remembered_and_never_proposed_again(
    supervisor_client, laf_supervisor, laf_people
):
    pair = _pair(laf_people[0], laf_people[1], 0.97)
    response = supervisor_client.post(
        reverse("clients:duplicate-pair", args=[pair.pk]), {"decision": "not_same"}
    )
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.NOT_SAME
    assert pair.decided_by == laf_supervisor and pair.decided_at is not None
    assert _pair(laf_people[0], laf_people[1], 0.99) is None
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.NOT_SAME and pair.score == 0.97
    assert AuditEvent.objects.filter(
        actor=laf_supervisor, action="update", object_type="duplicates.duplicatepair"
    ).exists()
    listed = supervisor_client.get(reverse("clients:duplicate-queue")).context["rows"]
    assert listed == []


def test_a_cross_agency_pair_offers_a_proposal_and_no_merge_at_once(
    client, laf, sozialamt, laf_caseworker, sozialamt_caseworker, consent
):
    ours = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Tkachenko")
    theirs = ClientFactory(agency=sozialamt, actor=sozialamt_caseworker, family_name="Tkatschenko")
    grant = handover_services.handover_create(
        actor=sozialamt_caseworker,
        clients=[theirs],
        agency=laf,
        sections=["contact"],
        legal_basis=consent,
        purpose="Unterbringung",
    )[0]
    handover_services.handover_decide(
        actor=laf_caseworker, handover_id=grant.handover_id, accept=True
    )
    pair = _pair(ours, theirs, 0.95)
    admin = UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")
    client.force_login(admin)
    url = reverse("clients:duplicate-pair", args=[pair.pk])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="merge"' not in body
    assert 'value="propose"' in body
    assert not response.context["may_merge"]
    # Sections the Sozialamt did not grant (residence) are not compared; across agencies
    # only identity values are chosen.
    rows = response.context["rows"]
    assert {row["field"].section for row in rows} == {"identity", "contact"}
    assert {row["field"].section for row in rows if row["choosable"]} == {"identity"}
    response = client.post(url, {"decision": "merge", "survivor": ours.pk})
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.merged_into_id is None
    assert DuplicatePair.objects.get(pk=pair.pk).status == DuplicatePair.Status.OPEN
    response = client.post(url, {"decision": "not_same"})
    assert DuplicatePair.objects.get(pk=pair.pk).status == DuplicatePair.Status.NOT_SAME


def test_navigation_shows_duplicates_to_supervisors_only(client, laf_caseworker, laf_supervisor):
    link = reverse("clients:duplicate-queue")
    client.force_login(laf_caseworker)
    assert link not in client.get(reverse("clients:client-search")).content.decode()
    client.force_login(laf_supervisor)
    assert link in client.get(reverse("clients:client-search")).content.decode()


def test_reasons_from_sections_the_reader_may_not_see_are_left_out():
    from core.identity.score import reason_labels

    codes = ["name_translit", "same_document", "postcode_same", "birth_same"]

    assert reason_labels(codes) == [REASON_LABELS["name_translit"], REASON_LABELS["birth_same"]]
    assert REASON_LABELS["same_document"] in reason_labels(
        codes, sections=frozenset({"identity", "documents"})
    )
