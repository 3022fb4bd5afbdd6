"""The pages: a record's AZR export (guarded, audited as an export, only the sections
held) and the intake form pre-filled from an AZR file with the duplicate check run on it."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from clients.models import Client
from tests.azr.conftest import seen_by
from tests.factories import ClientFactory
from workflows.azr import render
from workflows.azr.export import azr_record
from workflows.azr.parse import CHECKED_FIELDS
from workflows.duplicates import merge as merging
from workflows.duplicates import services as duplicate_services
from workflows.duplicates.models import DuplicatePair
from workflows.intake.forms import DuplicateCheckForm

pytestmark = pytest.mark.django_db


def _export(http, person, fmt="json"):
    return http.get(reverse("clients:client-azr-export", args=[person.pk]), {"format": fmt})


def test_the_record_page_links_both_exports(laf_client, mariia):
    body = laf_client.get(reverse("clients:client-detail", args=[mariia.pk])).content.decode()

    url = reverse("clients:client-azr-export", args=[mariia.pk])
    assert f"{url}?format=json" in body
    assert f"{url}?format=xml" in body


def test_the_json_export_is_schema_valid_and_audited_as_an_export(laf_client, mariia):
    response = _export(laf_client, mariia)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="azr-{mariia.pk}.json"'
    record = json.loads(response.content)
    render.json_schema_validator().validate(record)
    assert record["person"]["grundpersonalien"]["familienname"] == "Kovalenko"
    export = AuditEvent.objects.get(action="export", object_id=str(mariia.pk))
    assert export.fields == [
        "identity",
        "contact",
        "residence",
        "documents",
        "household",
        "azr_export",
        "json",
    ]
    assert AuditEvent.objects.filter(
        action="view", object_id=str(mariia.pk), fields__contains=["azr_export"]
    ).exists()
    # The household member named in the file is audited as exported too.
    [taras] = mariia.household.members.exclude(pk=mariia.pk)
    assert AuditEvent.objects.filter(action="export", object_ids__contains=[taras.pk]).exists()


def test_the_xml_export_is_valid_against_the_xsd(laf_client, mariia):
    response = _export(laf_client, mariia, "xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    render.xml_schema().validate(render.xml_resource(response.content))
    assert "Коваленко" in response.content.decode()


def test_another_agency_gets_404_and_the_attempt_is_logged(sozialamt_client, mariia):
    response = _export(sozialamt_client, mariia)

    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        object_id=str(mariia.pk), outcome=AuditEvent.Outcome.DENIED
    ).exists()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_agency_given_contact_exports_no_documents_or_residence(
    sozialamt_client, mariia, sozialamt, sozialamt_caseworker, share
):
    share(mariia, to=sozialamt, by=sozialamt_caseworker, sections=["contact"])

    response = _export(sozialamt_client, mariia, "xml")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Warschauer Straße" in body
    for hidden in ("FP123456", "ausweisdokument", "aufenthalt", "Taras", "Schutzbedarf"):
        assert hidden not in body


# --- the intake, pre-filled --------------------------------------------------------------


def _file(person, user, *, fmt="json", name=None):
    record = azr_record(seen_by(user, person), agency_name="LAF")
    data = render.as_json(record) if fmt == "json" else render.as_xml(record)
    return SimpleUploadedFile(name or f"person.{fmt}", data)


def _prefill(http, upload, **typed):
    return http.post(reverse("clients:client-prefill-azr"), {"azr_file": upload, **typed})


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_file_prefills_the_form_and_shows_the_existing_record(
    laf_client, laf_caseworker, mariia, fmt
):
    before = Client.objects.count()

    response = _prefill(laf_client, _file(mariia, laf_caseworker, fmt=fmt))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["family_name"] == "Kovalenko"
    assert form.initial["nationalities"] == ["UA", "PL"]
    body = response.content.decode()
    assert 'value="Kovalenko"' in body
    assert 'value="00.07.1985"' in body
    assert response.context["document_form"].initial["number"] == "AKN778899"
    # The duplicate check ran on the pre-filled values, rendered beside the form.
    assert 'data-testid="duplicate-visible"' in body
    assert reverse("clients:client-detail", args=[mariia.pk]) in body
    assert Client.objects.count() == before  # nothing saved


def test_a_bad_file_is_refused_with_an_error_and_keeps_what_was_typed(laf_client):
    upload = SimpleUploadedFile("person.json", b"this is not a record")

    response = _prefill(
        laf_client, upload, family_name="Tkachenko", given_names="Iryna", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.context["azr_form"].errors["azr_file"]
    body = response.content.decode()
    assert 'data-error="azr_file"' in body
    assert 'value="Tkachenko"' in body
    assert 'value="Iryna"' in body


def test_a_file_with_entities_is_refused(laf_client):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<azrPersonendatensatz xmlns="urn:de:berlin:registrierungsportal:azr-abgleich:1">'
        b"&x;</azrPersonendatensatz>"
    )

    response = _prefill(laf_client, SimpleUploadedFile("x.xml", bomb))

    assert response.status_code == 200
    [error] = response.context["azr_form"].errors["azr_file"]
    assert "root:" not in response.content.decode()


def test_supervisors_do_not_register_and_may_not_prefill(client, laf_supervisor, mariia):
    client.force_login(laf_supervisor)

    response = _prefill(client, SimpleUploadedFile("p.json", b"{}"))

    assert response.status_code == 403


def test_prefill_takes_post_only(laf_client):
    assert laf_client.get(reverse("clients:client-prefill-azr")).status_code == 405


def test_the_prefilled_check_reads_every_field_the_live_check_reads():
    assert set(CHECKED_FIELDS) == set(DuplicateCheckForm.base_fields)


def _merged_into(survivor, laf, laf_caseworker, laf_supervisor):
    """A second record of the same person, merged into `survivor` by LAF's supervisor."""
    twin = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kowalenko")
    pair = duplicate_services.duplicate_pair_record(
        client_ids=(survivor.pk, twin.pk),
        score=0.93,
        reasons=["name_translit"],
        source=DuplicatePair.Source.REPORT,
    )
    merging.client_merge(pair=pair, actor=laf_supervisor, survivor_id=survivor.pk, choices={})
    return twin


def test_a_merged_record_exports_its_survivor(
    laf_client, mariia, laf, laf_caseworker, laf_supervisor
):
    twin = _merged_into(mariia, laf, laf_caseworker, laf_supervisor)

    response = _export(laf_client, twin, "xml")

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("clients:client-azr-export", args=[mariia.pk]) + "?format=xml"
    )
