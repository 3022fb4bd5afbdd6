"""Every export is valid against both schemas we keep (JSON Schema 2020-12 and XSD), for
many generated records: hypothesis over the field values (records built in memory, as
the export reads them) and factory-made records in the database. The schemas' code lists
match the model's choices, so neither drifts from the other."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django_countries import countries
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.policy import ClientAccess
from clients.choices import (
    LANGUAGES,
    Accommodation,
    District,
    DocumentType,
    HouseholdRole,
    ResidenceStatus,
    Sex,
)
from clients.models import Client, IdentityDocument
from core.dates import PartialDate
from core.sections import SECTIONS
from tests.azr.conftest import seen_by
from tests.factories import ClientFactory, DocumentFactory
from workflows.azr import render
from workflows.azr.export import EXPORTED_SECTIONS, azr_record
from workflows.azr.parse import parse_bytes

LETTERS = "abcdefghijklmnopqrstuvwxyzäöüßčšžąłйцукенгшщзхїфівапролджєячсмитьбюعمرحسينفاطمة'-"
WORD = st.text(alphabet=LETTERS, min_size=1, max_size=12).filter(lambda w: w[0] not in "'-")
NAME = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
COUNTRY = st.sampled_from([c.code for c in countries])
BIRTH = st.one_of(
    st.just(PartialDate()),
    st.integers(1900, 2020).map(PartialDate),
    st.tuples(st.integers(1900, 2020), st.integers(1, 12)).map(lambda t: PartialDate(*t)),
    st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)).map(
        lambda d: PartialDate(d.year, d.month, d.day)
    ),
)
SECTION_SETS = st.sets(st.sampled_from([s for s in SECTIONS if s != "identity"])).map(
    lambda s: frozenset({"identity", *s})
)


@st.composite
def records(draw):
    client = Client(
        family_name=draw(NAME),
        given_names=draw(st.one_of(st.just(""), NAME)),
        birth_name=draw(st.one_of(st.just(""), NAME)),
        former_names=", ".join(draw(st.lists(NAME, max_size=3))),
        family_name_original=draw(st.one_of(st.just(""), NAME)),
        sex=draw(st.sampled_from(Sex.values)),
        birth_date=draw(BIRTH),
        place_of_birth=draw(st.one_of(st.just(""), NAME)),
        country_of_birth=draw(st.one_of(st.just(""), COUNTRY)),
        nationalities=draw(st.lists(COUNTRY, max_size=3, unique=True)),
        azr_number=draw(st.one_of(st.just(""), st.from_regex(r"\A[0-9]{12}\Z"))),
        languages=draw(st.lists(st.sampled_from([c for c, _ in LANGUAGES]), unique=True)),
        interpreter_needed=draw(st.booleans()),
        phone=draw(st.one_of(st.just(""), st.from_regex(r"\A\+49151[0-9]{7,8}\Z"))),
        email=draw(st.one_of(st.just(""), st.just("person@example.org"))),
        street=draw(
            st.one_of(
                st.just(""),
                st.tuples(NAME, st.integers(1, 300), st.sampled_from(["", "a"])).map(
                    lambda t: f"{t[0]} {t[1]}{t[2]}"
                ),
                NAME,
            )
        ),
        postcode=draw(st.one_of(st.just(""), st.from_regex(r"\A1[0-4][0-9]{3}\Z"))),
        district=draw(st.one_of(st.just(""), st.sampled_from(District.values))),
        accommodation=draw(st.one_of(st.just(""), st.sampled_from(Accommodation.values))),
        arrival_date=draw(st.one_of(st.none(), st.dates(dt.date(2015, 1, 1), dt.date(2024, 1, 1)))),
        residence_status=draw(st.sampled_from(ResidenceStatus.values)),
    )
    documents = [
        IdentityDocument(
            doc_type=draw(st.sampled_from(DocumentType.values)),
            number=draw(st.from_regex(r"\A[A-Z]{2}[0-9]{6}\Z")),
            issuing_country=draw(COUNTRY),
            issued_on=draw(st.one_of(st.none(), st.just(dt.date(2019, 5, 2)))),
            expires_on=draw(st.one_of(st.none(), st.just(dt.date(2029, 5, 1)))),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    client.access = ClientAccess(draw(SECTION_SETS), frozenset())
    return client, documents


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_every_generated_export_is_valid_and_reads_back(generated):
    client, documents = generated
    record = azr_record(client, agency_name="LAF", documents=documents)

    render.json_schema_validator().validate(record)
    xml = render.as_xml(record)
    render.xml_schema().validate(render.xml_resource(xml))
    assert record["abschnitte"] == [s for s in EXPORTED_SECTIONS if s in client.access.view]
    from_json = parse_bytes(render.as_json(record))
    from_xml = parse_bytes(xml)
    assert from_json.fields == from_xml.fields
    assert from_json.documents == from_xml.documents
    assert from_json.fields["family_name"] == client.family_name
    assert from_json.fields.get("birth_date", PartialDate()) == client.birth_date
    if "contact" in client.access.view:
        assert from_json.fields.get("street", "") == client.street
    else:
        assert "street" not in from_json.fields and "phone" not in from_json.fields
    if "documents" not in client.access.view:
        assert from_json.documents == []


@pytest.mark.django_db
def test_factory_made_records_export_valid_files(laf, laf_caseworker):
    people = [ClientFactory(agency=laf, actor=laf_caseworker) for _ in range(25)]
    for person in people[::3]:
        DocumentFactory(client=person)
    for person in people:
        record = azr_record(seen_by(laf_caseworker, person), agency_name=laf.name)
        render.json_schema_validator().validate(record)
        render.xml_schema().validate(render.xml_resource(render.as_xml(record)))


def _schema_enum(name: str) -> list[str]:
    schema = json.loads((render.SCHEMA_DIR / "azr-record.schema.json").read_text())
    defs = schema["$defs"]
    return {
        "art": defs["ausweisdokument"]["properties"]["art"]["enum"],
        "bezirk": defs["anschriftInland"]["properties"]["bezirk"]["enum"],
        "unterbringung": defs["anschriftInland"]["properties"]["unterbringung"]["enum"],
        "sprachen": defs["kontakt"]["properties"]["sprachen"]["items"]["enum"],
        "aufenthaltsstatus": defs["aufenthalt"]["properties"]["aufenthaltsstatus"]["enum"],
        "rolle": defs["haushaltsrolle"]["enum"],
    }[name]


def _xsd_enum(type_name: str) -> list[str]:
    return list(render.xml_schema().types[type_name].enumeration)


@pytest.mark.parametrize(
    ("json_name", "xsd_type", "choices"),
    [
        ("art", "Dokumentart", DocumentType.values),
        ("bezirk", "Bezirk", District.values),
        ("unterbringung", "Unterbringung", Accommodation.values),
        ("sprachen", "Sprache", [code for code, _label in LANGUAGES]),
        ("aufenthaltsstatus", "Aufenthaltsstatus", ResidenceStatus.values),
        ("rolle", "Haushaltsrolle", HouseholdRole.values),
    ],
)
def test_the_schemas_code_lists_match_the_model(json_name, xsd_type, choices):
    assert _schema_enum(json_name) == list(choices)
    assert _xsd_enum(xsd_type) == list(choices)
