"""The printed record: the sections the reader's agency may see and nothing else, with
who printed it and when; another agency's record is 404; the read is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from clients.services import case_note_add
from tests.factories import ClientFactory, DocumentFactory
from workflows.handover.services import handover_create, handover_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def mariia(laf, laf_caseworker):
    """A woman registered at LAF, with something in every section."""
    person = ClientFactory(
        agency=laf,
        actor=laf_caseworker,
        family_name="Kovalenko",
        given_names="Mariia",
        phone="+49 30 1234567",
        street="Warschauer Straße 12",
        postcode="10243",
        sensitive_notes="Schutzbedarf wegen Gewalterfahrung",
        special_protection_needs=True,
    )
    DocumentFactory(client=person, number="FP123456")
    case_note_add(client=person, agency=laf, actor=laf_caseworker, text="Termin beim Jobcenter")
    return person


def _print(http, person):
    return http.get(reverse("clients:client-print", args=[person.pk]))


def test_the_registering_agency_prints_every_section_with_a_header(laf_client, laf, mariia):
    response = _print(laf_client, mariia)

    assert response.status_code == 200
    body = response.content.decode()
    for value in (
        "KOVALENKO, Mariia",
        "Warschauer Straße 12",
        "FP123456",
        "Termin beim Jobcenter",
        "Schutzbedarf wegen Gewalterfahrung",
    ):
        assert value in body
    assert mariia.reference_code_display in body
    assert laf.name in body
    assert "laf.caseworker" in body
    assert "data-print" in body  # the Print button, hidden on paper (d-print-none)


def test_sections_not_granted_are_absent(
    client, mariia, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    [grant] = handover_create(
        actor=laf_caseworker,
        clients=[mariia],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=consent,
        purpose="Leistungen",
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)
    client.force_login(sozialamt_caseworker)

    response = _print(client, mariia)

    assert response.status_code == 200
    body = response.content.decode()
    assert "KOVALENKO, Mariia" in body
    assert "Warschauer Straße 12" in body
    for hidden in ("FP123456", "Termin beim Jobcenter", "Schutzbedarf", 'id="sensitive"'):
        assert hidden not in body
    assert 'id="documents"' not in body
    assert 'id="case_notes"' not in body


def test_another_agency_gets_404_and_the_attempt_is_logged(sozialamt_client, mariia):
    response = _print(sozialamt_client, mariia)

    assert response.status_code == 404
    assert "Kovalenko" not in response.content.decode()
    assert AuditEvent.objects.filter(
        object_type="clients.client",
        object_id=str(mariia.pk),
        outcome=AuditEvent.Outcome.DENIED,
    ).exists()


def test_printing_is_audited_as_a_read_of_the_sections_printed(laf_client, laf_caseworker, mariia):
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    _print(laf_client, mariia)

    event = AuditEvent.objects.get(pk__gt=before, object_id=str(mariia.pk))
    assert event.actor == laf_caseworker
    assert event.action == AuditEvent.Action.VIEW
    assert "print" in event.fields
    assert {"identity", "contact", "documents", "case_notes", "sensitive"} <= set(event.fields)


def test_the_record_page_links_to_the_print_view(laf_client, mariia):
    response = laf_client.get(reverse("clients:client-detail", args=[mariia.pk]))
    assert reverse("clients:client-print", args=[mariia.pk]) in response.content.decode()
