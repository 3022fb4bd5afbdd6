"""Two public bodies registered the same person: LAF on arrival (earlier), the
Sozialamt later from a benefits application under another spelling. The Jobcenter is a
third agency with no part in it; Caritas an NGO."""

from __future__ import annotations

import importlib

import pytest

from agencies.models import Agency
from core.dates import PartialDate
from tests.factories import AgencyFactory, ClientFactory, DocumentFactory, UserFactory
from workflows.duplicates import services
from workflows.duplicates.models import DuplicatePair


@pytest.fixture
def merge_basis(db):
    """The legal basis of the data migration (replayed: a transactional test's flush
    empties the table)."""
    from django.apps import apps

    from agencies.models import LegalBasis

    migration = importlib.import_module("agencies.migrations.0005_legal_basis_merge_of_duplicates")
    migration.create(apps, None)
    return LegalBasis.objects.get(code=migration.CODE)


@pytest.fixture
def caritas(db):
    return AgencyFactory(name="Caritas Berlin", slug="caritas", kind=Agency.Kind.NGO)


@pytest.fixture
def caritas_caseworker(caritas):
    return UserFactory(username="caritas.caseworker", agency=caritas, agency__role="caseworker")


@pytest.fixture
def caritas_supervisor(caritas):
    return UserFactory(username="caritas.supervisor", agency=caritas, agency__role="supervisor")


@pytest.fixture
def jobcenter_supervisor(jobcenter):
    return UserFactory(username="jobcenter.supervisor", agency=jobcenter, agency__role="supervisor")


@pytest.fixture
def at_laf(laf, laf_caseworker, merge_basis):
    """Registered first, from her passport."""
    client = ClientFactory(
        agency=laf,
        actor=laf_caseworker,
        family_name="Kovalchuk",
        given_names="Olena",
        family_name_original="Ковальчук",
        sex="f",
        birth_date=PartialDate(1979, 2, 11),
        street="Oranienburger Straße 12",
        postcode="10117",
    )
    DocumentFactory(client=client, actor=laf_caseworker, number="FL246810")
    return client


@pytest.fixture
def at_sozialamt(sozialamt, sozialamt_caseworker, at_laf):
    """Registered later, from a benefits application, with a phone number."""
    from clients import services as client_services

    client = ClientFactory(
        agency=sozialamt,
        actor=sozialamt_caseworker,
        family_name="Kowaltschuk",
        given_names="Jelena",
        sex="f",
        birth_date=PartialDate(1979, 2, 11),
        phone="+49 1512 3456789",
        email="kowaltschuk.j@example.org",
    )
    client_services.case_note_add(
        client=client, agency=sozialamt, actor=sozialamt_caseworker, text="Antrag SGB XII offen"
    )
    return client


@pytest.fixture
def pair(at_laf, at_sozialamt) -> DuplicatePair:
    return services.duplicate_pair_record(
        client_ids=(at_laf.pk, at_sozialamt.pk),
        score=0.94,
        reasons=["name_translit", "birth_same"],
        source=DuplicatePair.Source.REPORT,
    )
