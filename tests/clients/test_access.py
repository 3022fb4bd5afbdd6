"""A record is visible only to the agency that registered it (until handover exists)."""

import pytest
from django.urls import reverse

from access import policy
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def olena_passport(olena):
    return DocumentFactory(client=olena)


@pytest.mark.parametrize(
    "url_name",
    ["client-detail", "client-history", "household-member-add", "document-create"],
)
def test_other_agency_gets_404_for_the_record(sozialamt_client, olena, url_name):
    response = sozialamt_client.get(reverse(f"clients:{url_name}", args=[olena.pk]))
    assert response.status_code == 404
    assert "Shevchenko" not in response.content.decode()


@pytest.mark.parametrize("section", ["identity", "contact", "residence"])
def test_other_agency_gets_404_for_edit_and_cannot_change(sozialamt_client, olena, section):
    url = reverse("clients:client-edit", args=[olena.pk, section])
    assert sozialamt_client.get(url).status_code == 404
    assert sozialamt_client.post(url, {"family_name": "Hacked", "street": "X"}).status_code == 404
    olena.refresh_from_db()
    assert olena.family_name == "Shevchenko"


def test_other_agency_gets_404_for_document_edit(sozialamt_client, olena, olena_passport):
    url = reverse("clients:document-edit", args=[olena.pk, olena_passport.pk])
    assert sozialamt_client.get(url).status_code == 404


def test_document_of_another_client_is_404_even_for_own_agency(laf_client, laf, olena_passport):
    from tests.factories import ClientFactory

    other = ClientFactory(agency=laf)
    url = reverse("clients:document-edit", args=[other.pk, olena_passport.pk])
    assert laf_client.get(url).status_code == 404


def test_other_agency_does_not_find_the_record_in_search(sozialamt_client, olena):
    response = sozialamt_client.post(reverse("clients:client-search"), {"name": "Shevchenko"})
    assert list(response.context["page"].object_list) == []
    assert "SHEVCHENKO" not in response.content.decode()


def test_unknown_id_is_404_not_500(laf_client):
    assert laf_client.get(reverse("clients:client-detail", args=[999999])).status_code == 404


def test_staff_without_agency_get_403_without_data(client, outsider, olena):
    client.force_login(outsider)
    assert client.get(reverse("clients:client-search")).status_code == 403
    assert client.get(reverse("clients:client-detail", args=[olena.pk])).status_code == 403


def test_anonymous_users_are_sent_to_login(client, olena):
    response = client.get(reverse("clients:client-detail", args=[olena.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_visibility_is_one_sql_filter_through_the_guardian_table(
    laf_caseworker, olena, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        visible = list(policy.clients_visible_to(laf_caseworker))
    assert visible == [olena]


def test_a_deactivated_agency_sees_nothing(laf_caseworker, laf, olena):
    laf.is_active = False
    laf.save(update_fields=["is_active"])
    laf_caseworker._cached_membership = False
    assert not policy.clients_visible_to(laf_caseworker).exists()


def test_registering_gives_the_agency_group_the_whole_record_and_nobody_else(olena, laf, sozialamt):
    from guardian.shortcuts import get_groups_with_perms

    assert get_groups_with_perms(olena, attach_perms=True) == {laf.group: ["view_client"]}
