import pytest
from django.test import Client as Browser
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
    return [result.client.pk for result in page.object_list] if page is not None else None


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


# --- The identity layer: any spelling finds the person, best match first -----------------


@pytest.mark.parametrize(
    "typed",
    [
        "Schewtschenko",
        "Ševčenko",
        "Шевченко",
        "Elena Schewtschenko",
        "Olena Shevchenko",
        "SHEVCHENKO, Olena",
        "Helene Sevcenko",
        "Shevchnko",  # one letter left out
        "Shevtchenko Olena",  # one consonant too many
        "Shevch",  # the beginning of a name
    ],
)
def test_any_spelling_finds_the_person(laf_client, olena, typed):
    assert _results(laf_client, name=typed) == [olena.pk]


def test_a_birth_date_with_day_and_month_swapped_or_partial_still_finds(laf_client, olena):
    assert _results(laf_client, name="Schewtschenko", birth_date="07.03.1985") == [olena.pk]
    assert _results(laf_client, name="Schewtschenko", birth_date="1985") == [olena.pk]
    assert _results(laf_client, name="Schewtschenko", birth_date="00.07.1985") == [olena.pk]


def test_another_birth_date_excludes_the_record(laf_client, olena):
    assert _results(laf_client, name="Schewtschenko", birth_date="04.09.1970") == []


def test_other_names_are_not_found(laf_client, laf, olena):
    ClientFactory(agency=laf, family_name="Savchenko", given_names="Olena")
    ClientFactory(agency=laf, family_name="Shevchenko", given_names="Oleksandra")
    assert _results(laf_client, name="Shevchenko Olena") == [olena.pk]


def test_results_are_ranked_best_first_with_the_reason(laf_client, laf, olena):
    undated = ClientFactory(
        agency=laf, family_name="Shevchenko", given_names="Olena", birth_date=PartialDate()
    )
    response = laf_client.post(SEARCH, {"name": "Schewtschenko Olena", "birth_date": "03.07.1985"})
    results = response.context["page"].object_list
    assert [result.client.pk for result in results] == [olena.pk, undated.pk]
    assert results[0].match.score > results[1].match.score
    assert "birth_same" in results[0].match.reasons
    assert "name_translit" in results[0].match.reasons
    page = response.content.decode()
    assert str(results[0].labels[0]) in page


def test_arabic_script_finds_the_latin_record(laf_client, laf):
    person = ClientFactory(agency=laf, family_name="Al-Ahmad", given_names="Mohammed")
    ClientFactory(agency=laf, family_name="Al-Ahmad", given_names="Mahmoud")
    assert _results(laf_client, name="محمد الأحمد") == [person.pk]


def test_a_name_search_never_lists_records_of_other_agencies(sozialamt_client, olena):
    assert _results(sozialamt_client, name="Schewtschenko") == []


def test_the_spelling_of_a_merged_record_finds_the_survivor(laf_client, laf):
    from clients.models import Client
    from clients.services import match_keys_refresh

    survivor = ClientFactory(agency=laf, family_name="Moroz", given_names="Olena")
    merged = ClientFactory(agency=laf, family_name="Kovalchuk", given_names="Olena")
    assert _results(laf_client, name="Kovalchuk Olena") == [merged.pk]
    Client.objects.filter(pk=merged.pk).update(merged_into=survivor)  # as the merge does
    match_keys_refresh(clients=list(Client.objects.filter(pk__in=[survivor.pk, merged.pk])))
    assert _results(laf_client, name="Kovalchuk Olena") == [survivor.pk]
    assert _results(laf_client, name="Kowaltschuk") == [survivor.pk]


def test_a_search_is_shown_again_from_its_key_and_audited_again(laf_client, olena):
    response = laf_client.post(SEARCH, {"name": "Schewtschenko"})
    key = response.context["search_key"]
    assert key and "Schewtschenko" not in key
    again = laf_client.get(SEARCH, {"q": key})
    assert [r.client.pk for r in again.context["page"].object_list] == [olena.pk]
    assert again.context["form"]["name"].value() == "Schewtschenko"
    searches = AuditEvent.objects.filter(action="search", object_ids=[olena.pk])
    assert searches.count() == 2


def test_a_search_key_is_of_no_use_to_another_session(laf_client, olena, laf_caseworker):
    key = laf_client.post(SEARCH, {"name": "Shevchenko"}).context["search_key"]
    other = Browser()
    other.force_login(laf_caseworker)
    response = other.get(SEARCH, {"q": key})
    assert response.context["page"] is None
    assert "no longer available" in response.content.decode() or "nicht mehr" in (
        response.content.decode()
    )


def test_an_empty_search_asks_for_a_criterion(laf_client):
    response = laf_client.post(SEARCH, {"name": "  "})
    assert response.context["page"] is None
    assert response.context["form"].non_field_errors()
