import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.dates import PartialDate
from tests.factories import ClientFactory, DocumentFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("clients:client-search")


def _results(client, **criteria):
    response = client.post(SEARCH, criteria)
    assert response.status_code == 200
    page = response.context["page"]
    return [c.pk for c in page.object_list] if page else None


def test_search_by_name_ignores_case_and_accents(laf_client, laf):
    sevcenko = ClientFactory(agency=laf, family_name="Ševčenko", given_names="Oleksandr")
    ClientFactory(agency=laf, family_name="Kovalenko", given_names="Oleksandr")
    assert _results(laf_client, name="SEVCENKO") == [sevcenko.pk]
    assert _results(laf_client, name="oleksandr ševč") == [sevcenko.pk]


def test_search_finds_names_in_original_script(laf_client, olena):
    assert _results(laf_client, name="шевченко") == [olena.pk]


def test_search_by_birth_date_matches_less_precise_records(laf_client, laf):
    exact = ClientFactory(agency=laf, birth_date=PartialDate(1985, 7, 3))
    year_only = ClientFactory(agency=laf, birth_date=PartialDate(1985, None, None))
    ClientFactory(agency=laf, birth_date=PartialDate(1985, 8, 3))
    assert sorted(_results(laf_client, birth_date="03.07.1985")) == sorted([exact.pk, year_only.pk])


def test_search_by_document_azr_and_phone(laf_client, laf, olena):
    DocumentFactory(client=olena, number="FA765432")
    with_azr = ClientFactory(agency=laf, azr_number="123456789012")
    with_phone = ClientFactory(agency=laf, phone="+380501234567")
    assert _results(laf_client, document_number="fa 765 432") == [olena.pk]
    assert _results(laf_client, azr_number="1234 5678 9012") == [with_azr.pk]
    assert _results(laf_client, phone="+380 50 123 45 67") == [with_phone.pk]


def test_empty_search_shows_no_result_list(laf_client, olena):
    assert _results(laf_client) is None


def test_results_are_paginated(laf_client, laf):
    for _ in range(30):
        ClientFactory(agency=laf, family_name="Kovalenko")
    response = laf_client.post(SEARCH, {"name": "kovalenko"})
    assert len(response.context["page"].object_list) == 25
    response = laf_client.post(SEARCH, {"name": "kovalenko", "page": "2"})
    assert len(response.context["page"].object_list) == 5


def test_search_criteria_stay_out_of_the_url(laf_client, olena):
    response = laf_client.get(SEARCH, {"name": "Shevchenko"})
    assert response.context["page"] is None  # GET parameters are not searched


def test_search_is_audited_with_shown_ids_and_criteria_names_not_values(laf_client, olena):
    _results(laf_client, name="Shevchenko")
    event = AuditEvent.objects.get(action="search")
    assert event.object_ids == [olena.pk]
    assert event.fields == ["name"]
    assert "Shevchenko" not in str(event.__dict__)
