"""What the audit page costs: its anomaly flags are computed every five minutes per
agency (the page says as of when) and on the first page only (six aggregates over the
window cost ~0.4 s at 3 million events); a user-name filter walks that user's events by
index (issue 13)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from audit.services import audit_record

pytestmark = pytest.mark.django_db

LOG = reverse("audit:event-list")


def _page(client, **query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LOG, query)
    assert response.status_code == 200
    return response, len(queries)


def test_flags_are_computed_every_five_minutes_and_only_on_the_first_page(
    client, laf_supervisor, laf_caseworker
):
    for _ in range(5):
        audit_record(actor=laf_caseworker, action="view", outcome="denied")
    client.force_login(laf_supervisor)
    first, computed = _page(client)
    assert "denied" in {flag.rule for flag in first.context["anomalies"]}
    again, cached = _page(client)
    assert [f.rule for f in again.context["anomalies"]] == [
        f.rule for f in first.context["anomalies"]
    ]
    assert cached <= computed - 6
    as_of = first.context["anomalies_as_of"]
    assert again.context["anomalies_as_of"] == as_of
    assert f"Stand {formats.time_format(timezone.localtime(as_of))}" in again.content.decode()
    later, _ = _page(client, after="1")
    assert later.context["anomalies"] == []


def test_the_log_filtered_by_user_name_shows_that_users_events_only(
    client, laf_supervisor, laf_caseworker
):
    audit_record(actor=laf_caseworker, action="view", object_type="clients.client")
    audit_record(actor=laf_supervisor, action="search", object_type="clients.client")
    client.force_login(laf_supervisor)
    response, _ = _page(client, actor="laf.caseworker")
    assert {event.actor_id for event in response.context["events"]} == {laf_caseworker.pk}
    nobody, _ = _page(client, actor="no.such.user")
    assert nobody.context["events"] == []
