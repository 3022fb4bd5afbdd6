"""A person with something in every section the AZR shape carries, and helpers to
read a record as an agency's staff member would (client.access set by the policy)."""

from __future__ import annotations

import datetime as dt

import pytest

from access import policy
from core.dates import PartialDate
from tests.factories import ClientFactory, DocumentFactory
from workflows.handover.services import handover_create, handover_decide
from workflows.intake import services as intake_services


@pytest.fixture
def mariia(laf, laf_caseworker):
    person = ClientFactory(
        agency=laf,
        actor=laf_caseworker,
        family_name="Kovalenko",
        given_names="Mariia Petrivna",
        birth_name="Hres",
        former_names="Kowalenko, Kovalenka",
        family_name_original="Коваленко",
        given_names_original="Марія",
        sex="f",
        birth_date=PartialDate(1985, 7, None),
        place_of_birth="Zhytomyr",
        country_of_birth="UA",
        nationalities=["UA", "PL"],
        azr_number="123456789012",
        languages=["uk", "ru"],
        interpreter_needed=True,
        phone="+49 151 23456789",
        email="mariia@example.org",
        street="Warschauer Straße 12a",
        postcode="10243",
        district="friedrichshain-kreuzberg",
        accommodation="laf_shelter",
        arrival_date=dt.date(2022, 3, 14),
        residence_status="temporary_protection",
        sensitive_notes="Schutzbedarf wegen Gewalterfahrung",
        special_protection_needs=True,
    )
    DocumentFactory(
        client=person,
        number="FP123456",
        issued_on=dt.date(2019, 5, 2),
        expires_on=dt.date(2029, 5, 1),
    )
    DocumentFactory(
        client=person, doc_type="arrival_certificate", number="AKN778899", issuing_country="DE"
    )
    intake_services.household_member_add(
        anchor=person,
        agency=laf,
        actor=laf_caseworker,
        role="child",
        fields={
            "family_name": "Kovalenko",
            "given_names": "Taras",
            "birth_date": PartialDate(2015),
        },
    )
    person.refresh_from_db()
    return person


def seen_by(user, client):
    """The record as `user`'s agency sees it (what get_client_for sets on a page)."""
    client.access = policy.access_for(user, client)
    return client


@pytest.fixture
def share(laf_caseworker, consent):
    """Hand sections of a LAF record to another agency, accepted by its caseworker."""

    def give(person, *, to, by, sections):
        [grant] = handover_create(
            actor=laf_caseworker,
            clients=[person],
            agency=to,
            sections=sections,
            legal_basis=consent,
            purpose="Leistungen",
        )
        handover_decide(actor=by, handover_id=grant.handover_id, accept=True)

    return give
