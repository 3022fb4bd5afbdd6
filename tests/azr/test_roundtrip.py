"""Export -> file -> parse gives back the same fields, for the sections the reader's
agency holds; sections outside its grant are absent from the export (not empty)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.dates import PartialDate
from tests.azr.conftest import seen_by
from workflows.azr import render
from workflows.azr.export import azr_record
from workflows.azr.parse import parse_bytes

pytestmark = pytest.mark.django_db

IDENTITY_VALUES = {
    "family_name": "Kovalenko",
    "given_names": "Mariia Petrivna",
    "birth_name": "Hres",
    "former_names": "Kowalenko, Kovalenka",
    "family_name_original": "Коваленко",
    "given_names_original": "Марія",
    "sex": "f",
    "birth_date": PartialDate(1985, 7, None),
    "place_of_birth": "Zhytomyr",
    "country_of_birth": "UA",
    "nationalities": ["UA", "PL"],
    "azr_number": "123456789012",
}
CONTACT_VALUES = {
    "languages": ["uk", "ru"],
    "interpreter_needed": True,
    "phone": "+4915123456789",
    "email": "mariia@example.org",
    "street": "Warschauer Straße 12a",
    "postcode": "10243",
    "district": "friedrichshain-kreuzberg",
    "accommodation": "laf_shelter",
}
RESIDENCE_VALUES = {
    "arrival_date": dt.date(2022, 3, 14),
    "residence_status": "temporary_protection",
}
DOCUMENTS = [
    {
        "doc_type": "arrival_certificate",
        "number": "AKN778899",
        "issuing_country": "DE",
    },
    {
        "doc_type": "passport",
        "number": "FP123456",
        "issuing_country": "UA",
        "issued_on": dt.date(2019, 5, 2),
        "expires_on": dt.date(2029, 5, 1),
    },
]


def _members(person):
    return list(person.household.members.exclude(pk=person.pk))


@pytest.mark.parametrize("as_file", [render.as_json, render.as_xml], ids=["json", "xml"])
def test_the_registering_agency_gets_every_field_back(mariia, laf_caseworker, as_file):
    record = azr_record(
        seen_by(laf_caseworker, mariia), agency_name="LAF", members=_members(mariia)
    )

    prefill = parse_bytes(as_file(record))

    assert prefill.fields == IDENTITY_VALUES | CONTACT_VALUES | RESIDENCE_VALUES
    assert prefill.documents == DOCUMENTS
    assert prefill.sections == ["identity", "contact", "residence", "documents", "household"]
    assert prefill.record == record


@pytest.mark.parametrize("as_file", [render.as_json, render.as_xml], ids=["json", "xml"])
def test_an_agency_given_documents_only_gets_identity_and_documents_back(
    mariia, sozialamt, sozialamt_caseworker, share, as_file
):
    share(mariia, to=sozialamt, by=sozialamt_caseworker, sections=["documents"])
    record = azr_record(seen_by(sozialamt_caseworker, mariia), agency_name="Sozialamt")

    prefill = parse_bytes(as_file(record))

    assert prefill.fields == IDENTITY_VALUES
    assert prefill.documents == DOCUMENTS
    assert prefill.sections == ["identity", "documents"]


def test_fields_outside_the_grant_are_absent_from_the_export(
    mariia, sozialamt, sozialamt_caseworker, share
):
    share(mariia, to=sozialamt, by=sozialamt_caseworker, sections=["contact"])
    record = azr_record(
        seen_by(sozialamt_caseworker, mariia), agency_name="Sozialamt", members=_members(mariia)
    )

    person = record["person"]
    assert set(person) == {
        "azrNummer",
        "grundpersonalien",
        "weiterePersonalien",
        "anschriftInland",
        "kontakt",
    }
    assert record["abschnitte"] == ["identity", "contact"]
    for text in (render.as_json(record).decode(), render.as_xml(record).decode()):
        for hidden in (
            "FP123456",
            "AKN778899",
            "2022-03-14",
            "temporary_protection",
            "Taras",
            "haushalt",
            "Schutzbedarf",
        ):
            assert hidden not in text
        assert "Warschauer Straße" in text


def test_sensitive_notes_and_case_notes_are_never_exported(mariia, laf_caseworker):
    record = azr_record(seen_by(laf_caseworker, mariia), agency_name="LAF")

    text = render.as_json(record).decode()
    assert "Schutzbedarf" not in text
    assert "sensitive" not in json.dumps(record["abschnitte"])


def test_household_members_are_named_by_reference_and_partial_birth_date(mariia, laf_caseworker):
    record = azr_record(
        seen_by(laf_caseworker, mariia), agency_name="LAF", members=_members(mariia)
    )

    household = record["person"]["haushalt"]
    assert household["rolle"] == "head"
    [taras] = household["mitglieder"]
    assert taras["vornamen"] == "Taras"
    assert taras["geburtsdatum"] == {"jahr": "2015"}
    assert taras["rolle"] == "child"
    assert len(taras["aktenzeichen"]) > 5
