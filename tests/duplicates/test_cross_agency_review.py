"""Duplicates across agencies reach someone who can act (issue 10, point 7): a pair of
records two public bodies registered goes to the queue of each, and each sees of the
other's record its identity only, read audited. NGOs' records do not cross this way."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import policy
from audit.models import AuditEvent
from core.dates import PartialDate
from tests.factories import ClientFactory
from workflows.duplicates import services
from workflows.duplicates.models import DuplicatePair
from workflows.handover.services import handover_create, handover_decide

pytestmark = pytest.mark.django_db

# Values of sections other than identity, of each record.
LAF_PRIVATE = ["Oranienburger", "FL246810"]
SOZIALAMT_PRIVATE = ["3456789", "kowaltschuk.j@example.org", "Antrag SGB XII offen"]


def _queue(client, user):
    client.force_login(user)
    response = client.get(reverse("clients:duplicate-queue"))
    assert response.status_code == 200
    return response


def test_the_pair_is_in_the_queue_of_both_registering_agencies(
    client, pair, laf_supervisor, sozialamt_supervisor
):
    for supervisor in (laf_supervisor, sozialamt_supervisor):
        response = _queue(client, supervisor)
        assert [row["pair"] for row in response.context["rows"]] == [pair]
        body = response.content.decode()
        assert "KOVALCHUK" in body and "KOWALTSCHUK" in body
        event = AuditEvent.objects.filter(actor=supervisor, action="search").latest("pk")
        assert sorted(event.object_ids) == sorted([pair.client_a_id, pair.client_b_id])


def test_a_third_agency_and_caseworkers_do_not_see_the_pair(
    client, pair, jobcenter_supervisor, laf_caseworker
):
    response = _queue(client, jobcenter_supervisor)
    assert response.context["rows"] == []
    assert "KOVALCHUK" not in response.content.decode()
    url = reverse("clients:duplicate-pair", args=[pair.pk])
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        actor=jobcenter_supervisor,
        outcome="denied",
        object_type="duplicates.duplicatepair",
        object_id=str(pair.pk),
    ).exists()
    client.force_login(laf_caseworker)
    assert client.get(url).status_code == 403


def test_the_pair_page_shows_only_the_identity_of_the_other_agencys_record(
    client, pair, at_laf, at_sozialamt, laf_supervisor
):
    client.force_login(laf_supervisor)
    response = client.get(reverse("clients:duplicate-pair", args=[pair.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Kowaltschuk" in body and "Jelena" in body and "11.02.1979" in body
    assert at_sozialamt.registered_by.name in body
    for value in SOZIALAMT_PRIVATE:
        assert value not in body
    # Its own record in full (document number), the other's neither linked nor coded.
    assert "FL246810" in body
    assert reverse("clients:client-detail", args=[at_sozialamt.pk]) not in body
    assert at_sozialamt.reference_code_display not in body
    rows = response.context["rows"]
    assert {row["field"].section for row in rows} == {"identity"}
    assert response.context["documents_b"] is None
    assert response.context["b"].access.view == frozenset({"identity"})
    assert not response.context["b"].access.change


def test_reading_the_other_agencys_identity_is_audited_naming_it(
    client, pair, at_laf, at_sozialamt, laf_supervisor
):
    client.force_login(laf_supervisor)
    client.get(reverse("clients:duplicate-pair", args=[pair.pk]))

    read = AuditEvent.objects.get(
        actor=laf_supervisor,
        action="view",
        object_type="clients.client",
        object_id=str(at_sozialamt.pk),
    )
    assert read.fields == ["identity"]
    assert read.outcome == AuditEvent.Outcome.ALLOWED
    own = AuditEvent.objects.get(actor=laf_supervisor, action="view", object_id=str(at_laf.pk))
    assert "contact" in own.fields


def test_the_identity_read_does_not_open_the_record_itself(
    client, pair, at_sozialamt, laf_supervisor
):
    client.force_login(laf_supervisor)
    client.get(reverse("clients:duplicate-pair", args=[pair.pk]))

    assert client.get(reverse("clients:client-detail", args=[at_sozialamt.pk])).status_code == 404
    assert not policy.clients_visible_to(laf_supervisor).filter(pk=at_sozialamt.pk).exists()


def test_a_pair_with_an_ngos_record_does_not_cross(
    client, at_laf, caritas, caritas_caseworker, caritas_supervisor, laf_supervisor
):
    theirs = ClientFactory(
        agency=caritas,
        actor=caritas_caseworker,
        family_name="Kovalchuk",
        given_names="Olena",
        birth_date=PartialDate(1979, 2, 11),
    )
    ngo_pair = services.duplicate_pair_record(
        client_ids=(at_laf.pk, theirs.pk), score=0.97, reasons=["name_same"], source="report"
    )
    for supervisor in (laf_supervisor, caritas_supervisor):
        assert _queue(client, supervisor).context["rows"] == []
        url = reverse("clients:duplicate-pair", args=[ngo_pair.pk])
        assert client.get(url).status_code == 404
    assert not policy.may_review_across_agencies(laf_supervisor, at_laf, theirs)
    assert not policy.may_merge(caritas_supervisor, at_laf, theirs)


def test_a_pair_with_an_ngo_is_reviewed_the_ordinary_way_with_consent(
    client, at_laf, caritas, caritas_caseworker, laf_caseworker, laf_supervisor, consent
):
    """With the person's consent the NGO handed its record over: LAF sees both, may mark
    them as different people, and may not merge across the NGO boundary."""
    from workflows.handover import services as handover_services

    theirs = ClientFactory(
        agency=caritas, actor=caritas_caseworker, family_name="Kovalchuk", given_names="Olena"
    )
    grant = handover_services.handover_create(
        actor=caritas_caseworker,
        clients=[theirs],
        agency=at_laf.registered_by,
        sections=["contact"],
        legal_basis=consent,
        purpose="Unterbringung",
    )[0]
    handover_services.handover_decide(
        actor=laf_caseworker, handover_id=grant.handover_id, accept=True
    )
    ngo_pair = services.duplicate_pair_record(
        client_ids=(at_laf.pk, theirs.pk), score=0.97, reasons=["name_same"], source="report"
    )
    client.force_login(laf_supervisor)
    response = client.get(reverse("clients:duplicate-pair", args=[ngo_pair.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="propose"' not in body and 'value="merge"' not in body
    assert 'value="not_same"' in body


def test_an_intake_pair_with_a_hidden_record_reaches_the_registering_agency(
    client, at_laf, sozialamt_caseworker, sozialamt_supervisor, laf_supervisor
):
    """The Sozialamt's caseworker registers her although LAF's record (hidden from the
    Sozialamt) probably is her: the pair lands in LAF's queue too."""
    client.force_login(sozialamt_caseworker)
    data = {
        "family_name": "Kowaltschuk",
        "given_names": "Olena",
        "family_name_original": "Ковальчук",
        "birth_date": "11.02.1979",
        "sex": "f",
        "nationalities": ["UA"],
        "residence_status": "temporary_protection",
        "intake_token": str(uuid.uuid4()),
    }
    response = client.post(reverse("clients:client-create"), data)
    assert response.status_code == 200  # asks for a confirmation first
    data.update(duplicate_confirmed="on", duplicate_reason="Andere Mutter laut Antrag")
    assert client.post(reverse("clients:client-create"), data).status_code == 302

    intake = DuplicatePair.objects.get(source=DuplicatePair.Source.INTAKE)
    assert at_laf.pk in (intake.client_a_id, intake.client_b_id)
    assert intake.note_agency_id == sozialamt_caseworker.membership.agency_id
    response = _queue(client, laf_supervisor)
    assert [row["pair"] for row in response.context["rows"]] == [intake]
    page = client.get(reverse("clients:duplicate-pair", args=[intake.pk]))
    assert page.status_code == 200
    # The reason is the Sozialamt's free text: not LAF's to read.
    assert not page.context["note_shown"]
    assert "Andere Mutter" not in page.content.decode()
    client.force_login(sozialamt_supervisor)
    page = client.get(reverse("clients:duplicate-pair", args=[intake.pk]))
    assert page.context["note_shown"]
    assert "Andere Mutter" in page.content.decode()


def test_either_registering_agency_may_mark_the_pair_not_the_same_person(
    client, pair, sozialamt_supervisor
):
    client.force_login(sozialamt_supervisor)
    response = client.post(
        reverse("clients:duplicate-pair", args=[pair.pk]), {"decision": "not_same"}
    )
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.NOT_SAME
    assert pair.decided_by == sozialamt_supervisor


def test_the_queue_keeps_a_constant_query_count_with_cross_agency_pairs(
    client, laf, sozialamt, laf_caseworker, sozialamt_caseworker, laf_supervisor, merge_basis
):
    from workflows.duplicates import proposals

    def cross_pair(score):
        ours = ClientFactory(agency=laf, actor=laf_caseworker)
        theirs = ClientFactory(agency=sozialamt, actor=sozialamt_caseworker)
        made = services.duplicate_pair_record(
            client_ids=(ours.pk, theirs.pk), score=score, reasons=[], source="report"
        )
        proposals.merge_proposal_create(pair=made, actor=laf_supervisor, choices={})
        return made

    cross_pair(0.9)
    client.force_login(laf_supervisor)
    client.get(reverse("clients:duplicate-queue"))  # the session's first write
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("clients:duplicate-queue"))
    for i in range(4):
        cross_pair(0.8 - i / 100)
    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("clients:duplicate-queue"))
    assert len(response.context["rows"]) == 5
    assert all(row["pending"] is not None for row in response.context["rows"])
    assert len(more) == len(few)


def test_the_intake_reason_is_not_shown_to_an_agency_the_records_were_only_handed_to(
    client, laf, laf_caseworker, laf_supervisor, jobcenter, jobcenter_caseworker,
    jobcenter_supervisor, consent,
):  # fmt: skip
    first = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Moroz")
    second = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Moroz")
    pair = services.duplicate_pair_record(
        client_ids=(first.pk, second.pk), score=0.9, reasons=["name_same"], source="intake",
        note="Schwester laut Geburtsurkunde", note_agency_id=laf.pk,
    )  # fmt: skip
    for record in (first, second):
        [grant] = handover_create(
            actor=laf_caseworker, clients=[record], agency=jobcenter, legal_basis=consent,
            purpose="Leistungen nach dem SGB II", sections=["identity"],
        )  # fmt: skip
        handover_decide(actor=jobcenter_caseworker, handover_id=grant.handover_id, accept=True)
    url = reverse("clients:duplicate-pair", args=[pair.pk])
    client.force_login(jobcenter_supervisor)
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context["note_shown"]
    assert "Schwester" not in page.content.decode()
    client.force_login(laf_supervisor)
    assert client.get(url).context["note_shown"]
