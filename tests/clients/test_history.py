"""The history page reads each version once: its query count does not grow with the
number of changes (simple-history's `.instance` queried the record per access: 265
queries for 31 versions, issue 13)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from clients.services import client_update

pytestmark = pytest.mark.django_db


def _change_phone(record, actor, times):
    for number in range(times):
        current = Client.objects.get(pk=record.pk)
        client_update(
            client=current,
            actor=actor,
            fields={"phone": f"+49 30 12345{number:02d}"},
            seen_version=current.version,
        )


def _history_queries(client, record) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("clients:client-history", args=[record.pk]))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_history_page_costs_the_same_queries_for_2_and_31_versions(
    laf_client, olena, laf_caseworker
):
    _change_phone(olena, laf_caseworker, 1)
    _history_queries(laf_client, olena)  # the session's first write is not counted
    few, _ = _history_queries(laf_client, olena)
    _change_phone(olena, laf_caseworker, 30)
    many, html = _history_queries(laf_client, olena)
    assert many == few
    assert "+49 30 1234529" in html.replace("\u00a0", " ") or "30 1234529" in html
