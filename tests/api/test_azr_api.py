"""The AZR endpoints: the export under the same guard, sections and audit as the page's
download (JSON or XML by Accept), and the intake pre-fill with the duplicate check."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from clients.models import Client
from core.dates import PartialDate
from tests.factories import ClientFactory, DocumentFactory
from workflows.azr import render
from workflows.duplicates import merge as merging
from workflows.duplicates import services as duplicate_services
from workflows.duplicates.models import DuplicatePair
from workflows.handover.services import handover_create, handover_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def mariia(laf, laf_caseworker):
    person = ClientFactory(
        agency=laf,
        actor=laf_caseworker,
        family_name="Kovalenko",
        given_names="Mariia",
        sex="f",
        birth_date=PartialDate(1985, 7, None),
        street="Warschauer Straße 12",
        postcode="10243",
    )
    DocumentFactory(client=person, number="FP123456")
    return person


def _url(person):
    return f"/api/v1/clients/{person.pk}/azr/"


def test_the_export_is_json_valid_against_the_schema_and_audited(laf_api, mariia):
    response = laf_api.get(_url(mariia))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    record = response.json()
    render.json_schema_validator().validate(record)
    assert record["person"]["grundpersonalien"]["geburtsdatum"] == {"jahrMonat": "1985-07"}
    export = AuditEvent.objects.get(action="export", object_id=str(mariia.pk))
    assert export.actor == laf_api.system.user
    assert "azr_export" in export.fields and "json" in export.fields
    assert "channel:api" in export.fields


def test_accept_xml_gives_xml_valid_against_the_xsd(laf_api, mariia):
    response = laf_api.get(_url(mariia), HTTP_ACCEPT="application/xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    render.xml_schema().validate(render.xml_resource(response.content))
    assert AuditEvent.objects.filter(action="export", fields__contains=["xml"]).exists()


def test_a_record_not_shared_is_404_problem_details_also_for_xml(sozialamt_api, mariia):
    response = sozialamt_api.get(_url(mariia), HTTP_ACCEPT="application/xml")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_sections_outside_the_grant_are_absent(
    api_as, mariia, sozialamt, sozialamt_caseworker, laf_caseworker, consent
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

    record = api_as(sozialamt).get(_url(mariia)).json()

    assert record["abschnitte"] == ["identity", "contact"]
    assert "ausweisdokumente" not in record["person"]
    assert "FP123456" not in json.dumps(record)


def _file(person, laf_api) -> bytes:
    return laf_api.get(_url(person), HTTP_ACCEPT="application/xml").content


def test_prefill_maps_the_file_and_names_the_probable_duplicate(laf_api, mariia):
    data = _file(mariia, laf_api)
    before = Client.objects.count()

    response = laf_api.post(
        "/api/v1/intake/azr-prefill/",
        {"file": SimpleUploadedFile("p.xml", data)},
        format="multipart",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["fields"]["family_name"] == "Kovalenko"
    assert body["fields"]["birth_date"] == "00.07.1985"
    assert body["documents"][0]["number"] == "FP123456"
    [duplicate] = [d for d in body["duplicates"] if d.get("id") == mariia.pk]
    assert duplicate["probable"] is True
    assert Client.objects.count() == before


def test_prefill_takes_the_raw_body_too(laf_api, mariia):
    data = laf_api.get(_url(mariia)).content

    response = laf_api.generic(
        "POST", "/api/v1/intake/azr-prefill/", data, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["fields"]["given_names"] == "Mariia"


def test_a_hostile_file_is_a_400_problem(laf_api):
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'

    response = laf_api.generic(
        "POST", "/api/v1/intake/azr-prefill/", bomb, content_type="application/xml"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "file" in response.json()["errors"]


def test_supervisor_systems_do_not_register(laf_supervisor_api):
    response = laf_supervisor_api.generic(
        "POST", "/api/v1/intake/azr-prefill/", b"{}", content_type="application/json"
    )

    assert response.status_code == 403


def test_an_oversized_body_is_a_400_without_reading_it_all(laf_api):
    body = b"{" + b" " * (2 * 1024 * 1024) + b"}"

    response = laf_api.generic(
        "POST", "/api/v1/intake/azr-prefill/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_a_merged_record_is_404_naming_its_survivor(
    laf_api, mariia, laf, laf_caseworker, laf_supervisor
):
    twin = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kowalenko")
    pair = duplicate_services.duplicate_pair_record(
        client_ids=(mariia.pk, twin.pk),
        score=0.93,
        reasons=["name_translit"],
        source=DuplicatePair.Source.REPORT,
    )
    merging.client_merge(pair=pair, actor=laf_supervisor, survivor_id=mariia.pk, choices={})

    response = laf_api.get(_url(twin))

    assert response.status_code == 404
    assert str(mariia.pk) in response.json()["detail"]
