"""The start page for the day: records the user opened lately (only those still visible),
what waits in the inbox, the user's open requests, the agency's registrations today."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clients.models import Client
from tests.factories import ClientFactory, UserFactory
from workflows.handover.services import (
    access_request_create,
    grant_revoke,
    handover_create,
    handover_decide,
)

pytestmark = pytest.mark.django_db


def _hand_over(olena, laf_caseworker, sozialamt, consent, *, accept_by=None):
    [grant] = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=consent,
        purpose="Leistungen",
    )
    if accept_by is not None:
        handover_decide(actor=accept_by, handover_id=grant.handover_id, accept=True)
        grant.refresh_from_db()
    return grant


def _opened(response) -> list[int]:
    return [item.client.pk for item in response.context["opened"]]


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_of_no_agency_is_sent_to_their_account_page(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("account:security")


def test_it_lists_the_records_the_user_opened_newest_first_each_once(laf_client, laf, olena):
    taras = ClientFactory(agency=laf, family_name="Shevchenko", given_names="Taras")
    for record in (olena, taras, olena):
        laf_client.get(reverse("clients:client-detail", args=[record.pk]))

    response = laf_client.get(reverse("home"))

    assert response.status_code == 200
    assert _opened(response) == [olena.pk, taras.pk]
    body = response.content.decode()
    assert "SHEVCHENKO, Olena" in body
    assert reverse("clients:client-detail", args=[taras.pk]) in body
    assert "03.07.1985" in body  # the birth date, as German offices write it


def test_records_opened_by_a_colleague_are_not_listed(client, laf, olena, laf_supervisor):
    client.force_login(laf_supervisor)
    client.get(reverse("clients:client-detail", args=[olena.pk]))
    colleague = UserFactory(username="laf.colleague", agency=laf, agency__role="caseworker")
    client.force_login(colleague)
    assert _opened(client.get(reverse("home"))) == []


def test_a_record_no_longer_visible_leaves_the_list(
    client, olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    grant = _hand_over(olena, laf_caseworker, sozialamt, consent, accept_by=sozialamt_caseworker)
    client.force_login(sozialamt_caseworker)
    client.get(reverse("clients:client-detail", args=[olena.pk]))
    assert _opened(client.get(reverse("home"))) == [olena.pk]

    grant_revoke(actor=laf_caseworker, grant=grant)

    response = client.get(reverse("home"))
    assert _opened(response) == []
    assert "Shevchenko" not in response.content.decode()


def test_a_refused_attempt_is_not_a_record_opened(sozialamt_client, olena):
    response = sozialamt_client.get(reverse("clients:client-detail", args=[olena.pk]))
    assert response.status_code == 404
    assert _opened(sozialamt_client.get(reverse("home"))) == []


def test_it_counts_the_handovers_waiting_for_the_agency(
    client, olena, laf_caseworker, sozialamt, sozialamt_caseworker, consent
):
    _hand_over(olena, laf_caseworker, sozialamt, consent)
    client.force_login(sozialamt_caseworker)

    response = client.get(reverse("home"))

    assert response.context["waiting"].handovers == 1
    assert reverse("inbox:inbox") in response.content.decode()


def test_supervisors_see_the_requests_to_decide_and_the_requester_sees_their_own(
    client, olena, laf_caseworker, laf_supervisor, sozialamt_caseworker, consent
):
    access_request_create(
        actor=sozialamt_caseworker,
        client=olena,
        sections=["contact"],
        legal_basis=consent,
        purpose="Leistungen",
    )
    client.force_login(laf_supervisor)
    assert client.get(reverse("home")).context["waiting"].requests_to_decide == 1
    client.force_login(laf_caseworker)  # caseworkers do not decide requests
    assert client.get(reverse("home")).context["waiting"].requests_to_decide == 0

    client.force_login(sozialamt_caseworker)
    response = client.get(reverse("home"))
    assert [item.client_id for item in response.context["requests"]] == [olena.pk]
    body = response.content.decode()
    assert "Landesamt für Flüchtlingsangelegenheiten" in body
    # The record is not the requester's to see yet: not named on the page.
    assert "Shevchenko" not in body


def test_it_counts_and_lists_the_agencys_registrations_of_today(laf_client, laf, sozialamt, olena):
    yesterday = ClientFactory(agency=laf, family_name="Bondarenko")
    Client.objects.filter(pk=yesterday.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1, hours=1)
    )
    ClientFactory(agency=sozialamt, family_name="Melnyk")

    response = laf_client.get(reverse("home"))

    assert response.context["today_count"] == 1
    assert [c.pk for c in response.context["today_listed"]] == [olena.pk]
    body = response.content.decode()
    assert "SHEVCHENKO, Olena" in body
    assert "BONDARENKO" not in body
    assert "MELNYK" not in body


def test_many_registrations_today_are_counted_not_listed(laf_client, laf, laf_caseworker):
    for _ in range(11):
        ClientFactory(agency=laf, actor=laf_caseworker)
    response = laf_client.get(reverse("home"))
    assert response.context["today_count"] == 11
    assert response.context["today_listed"] == []


def test_the_records_listed_are_audited_as_read(laf_client, laf, laf_caseworker, olena):
    taras = ClientFactory(agency=laf, family_name="Shevchenko", given_names="Taras")
    Client.objects.filter(pk=taras.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    laf_client.get(reverse("clients:client-detail", args=[taras.pk]))
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    laf_client.get(reverse("home"))

    [event] = AuditEvent.objects.filter(pk__gt=before, object_type="clients.client")
    assert event.actor == laf_caseworker
    assert event.action == AuditEvent.Action.VIEW
    assert sorted(event.object_ids) == sorted([olena.pk, taras.pk])
    assert event.fields == ["identity", "start_page"]


def test_the_query_count_does_not_grow_with_the_records_listed(
    laf_client, laf, laf_caseworker, django_assert_max_num_queries
):
    records = [ClientFactory(agency=laf, actor=laf_caseworker) for _ in range(2)]
    for record in records:
        laf_client.get(reverse("clients:client-detail", args=[record.pk]))
    with django_assert_max_num_queries(30) as few:
        laf_client.get(reverse("home"))
    baseline = len(few)  # read now: the next requests empty the connection's query log

    records += [ClientFactory(agency=laf, actor=laf_caseworker) for _ in range(8)]
    for record in records:
        laf_client.get(reverse("clients:client-detail", args=[record.pk]))
    with django_assert_max_num_queries(baseline):
        response = laf_client.get(reverse("home"))
    assert len(response.context["opened"]) == 10
    assert len(response.context["today_listed"]) == 10
