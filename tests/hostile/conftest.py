"""A small world for hostile input: LAF's records, a pair of duplicates at LAF, and the
Jobcenter's pending request for Olena's record that LAF's supervisor decides."""

from __future__ import annotations

import importlib

import pytest

from tests.factories import ClientFactory, DocumentFactory
from workflows.duplicates import proposals
from workflows.duplicates import services as duplicate_services
from workflows.handover.services import access_request_create


@pytest.fixture
def supervisor_client(client, laf_supervisor):
    client.force_login(laf_supervisor)
    return client


@pytest.fixture
def laf_pair(laf, laf_caseworker):
    """Two records at LAF that are probably the same person."""
    a = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kovalenko")
    b = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kowalenko")
    return duplicate_services.duplicate_pair_record(
        client_ids=(a.pk, b.pk), score=0.95, reasons=["name_translit"], source="report"
    )


@pytest.fixture
def pending_request(olena, jobcenter_caseworker, sgb_ii):
    DocumentFactory(client=olena, actor=None, number="FA123456")
    return access_request_create(
        actor=jobcenter_caseworker,
        client=olena,
        sections=["contact"],
        legal_basis=sgb_ii,
        purpose="SGB II",
    )


@pytest.fixture
def merge_basis(db):
    """The legal basis of merging across agencies (its data migration, replayed)."""
    from django.apps import apps

    migration = importlib.import_module("agencies.migrations.0005_legal_basis_merge_of_duplicates")
    migration.create(apps, None)


@pytest.fixture
def sozialamt_supervisor_client(client, sozialamt_supervisor):
    client.force_login(sozialamt_supervisor)
    return client


@pytest.fixture
def proposal(laf, laf_caseworker, sozialamt, sozialamt_caseworker, laf_supervisor, merge_basis):
    """LAF proposed to merge its record with the Sozialamt's; the Sozialamt decides."""
    at_laf = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kovalchuk")
    at_sozialamt = ClientFactory(
        agency=sozialamt, actor=sozialamt_caseworker, family_name="Kowaltschuk"
    )
    pair = duplicate_services.duplicate_pair_record(
        client_ids=(at_laf.pk, at_sozialamt.pk),
        score=0.94,
        reasons=["name_translit", "birth_same"],
        source="report",
    )
    return proposals.merge_proposal_create(pair=pair, actor=laf_supervisor, choices={})
