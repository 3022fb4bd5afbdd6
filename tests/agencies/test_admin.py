"""Admins run agencies, staff and memberships in Django admin, also on real data volumes."""

import pytest
from django.urls import reverse

from agencies.models import Agency, Membership
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:agencies_agency_changelist",
        "admin:agencies_user_changelist",
        "admin:agencies_membership_changelist",
        "admin:clients_client_changelist",
        "admin:clients_identitydocument_changelist",
        "admin:audit_auditevent_changelist",
    ],
)
def test_admin_lists_have_a_constant_number_of_queries(
    admin_client, laf, laf_caseworker, url_name, django_assert_max_num_queries
):
    for n in range(3):
        UserFactory(username=f"extra{n}", agency=laf)
        ClientFactory(agency=laf, actor=laf_caseworker)
    admin_client.get(reverse(url_name))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get(reverse(url_name)).status_code == 200
    for n in range(20):
        UserFactory(username=f"more{n}", agency=laf)
        ClientFactory(agency=laf, actor=laf_caseworker)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(reverse(url_name)).status_code == 200


def test_admin_search_finds_staff_by_username(admin_client, laf_caseworker):
    response = admin_client.get(reverse("admin:agencies_user_changelist"), {"q": "laf.case"})
    assert "laf.caseworker" in response.content.decode()


def test_admin_creates_an_agency_with_its_permission_group(admin_client):
    admin_client.post(
        reverse("admin:agencies_agency_add"),
        {
            "name": "Jobcenter Marzahn-Hellersdorf",
            "slug": "jobcenter-mh",
            "kind": "jobcenter",
            "is_active": "on",
        },
    )
    agency = Agency.objects.get(slug="jobcenter-mh")
    assert agency.group.name == "agency:jobcenter-mh"


def test_moving_a_user_to_another_agency_in_admin_moves_their_group(
    admin_client, laf_caseworker, laf, sozialamt
):
    membership = laf_caseworker.membership
    response = admin_client.post(
        reverse("admin:agencies_membership_change", args=[membership.pk]),
        {"user": laf_caseworker.pk, "agency": sozialamt.pk, "role": "supervisor"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=laf_caseworker).agency == sozialamt
    assert list(laf_caseworker.groups.all()) == [sozialamt.group]


def test_audit_log_in_admin_is_read_only(admin_client):
    response = admin_client.get(reverse("admin:audit_auditevent_add"))
    assert response.status_code == 403


def test_admin_reads_of_client_records_are_audited(admin_client, olena):
    from audit.models import AuditEvent

    admin_client.get(reverse("admin:clients_client_changelist"))
    admin_client.get(reverse("admin:clients_client_change", args=[olena.pk]))
    listed = AuditEvent.objects.get(action="view", object_id="")
    assert listed.object_ids == [olena.pk]
    assert AuditEvent.objects.filter(action="view", object_id=str(olena.pk)).exists()
