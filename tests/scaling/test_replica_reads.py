"""Reads go to a replica only for the list pages named in DATABASE_REPLICA_VIEWS, until
the request writes, and not for a user who wrote a moment ago (registration_portal.db_router).

Transactional tests: the replica is a second connection, which sees committed rows only.
"""

from __future__ import annotations

import time

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.scaling.conftest import REPLICA

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])

LOG = reverse("audit:event-list")


def _served(client, method: str, url: str, **kwargs):
    """The response and the SQL each database answered for one request."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = getattr(client, method)(url, **kwargs)
    return response, [q["sql"] for q in primary], [q["sql"] for q in replica]


def _reads_of(queries: list[str], table: str) -> list[str]:
    """SELECTs from the table (joins to it from another table's query do not count)."""
    return [sql for sql in queries if sql.startswith("SELECT") and f'FROM "{table}"' in sql]


@pytest.fixture
def supervisor(client, laf_supervisor):
    client.force_login(laf_supervisor)
    return client


def test_the_audit_log_is_read_from_the_replica(supervisor, replica):
    supervisor.get(LOG)  # an event to list: this visit's own
    response, primary, on_replica = _served(supervisor, "get", LOG)
    assert response.status_code == 200
    assert _reads_of(on_replica, "audit_auditevent")
    # On the primary only the chain's head, read after the chain's lock (a write).
    lock = next(i for i, sql in enumerate(primary) if "pg_advisory_xact_lock" in sql)
    assert [primary.index(sql) > lock for sql in _reads_of(primary, "audit_auditevent")] == [True]


def test_staff_and_roles_are_read_from_the_primary_even_on_a_marked_page(supervisor, replica):
    _response, primary, on_replica = _served(supervisor, "get", LOG)
    assert _reads_of(primary, "agencies_membership")
    assert not _reads_of(on_replica, "agencies_membership")
    assert not _reads_of(on_replica, "agencies_user")


def test_the_audit_event_of_the_visit_is_written_on_the_primary(supervisor, replica):
    _response, primary, on_replica = _served(supervisor, "get", LOG)
    assert any(sql.startswith('INSERT INTO "audit_auditevent"') for sql in primary)
    # The chain's head is read after its lock, on the primary, never on the replica.
    head = 'SELECT "audit_auditevent"."hash" AS "hash" FROM "audit_auditevent" ORDER BY'
    assert any(sql.startswith(head) for sql in primary)
    assert not any(sql.startswith(head) for sql in on_replica)
    assert all(sql.lstrip().startswith("SELECT") for sql in on_replica)


def test_a_page_not_named_reads_only_the_primary(supervisor, replica):
    response, primary, on_replica = _served(supervisor, "get", reverse("home"))
    assert response.status_code == 200
    assert primary
    assert on_replica == []


def test_without_replicas_configured_the_marked_page_reads_the_primary(supervisor, settings):
    settings.DATABASE_REPLICAS = []
    response, primary, on_replica = _served(supervisor, "get", LOG)
    assert response.status_code == 200
    assert _reads_of(primary, "audit_auditevent")
    assert on_replica == []


def test_a_user_who_just_wrote_reads_from_the_primary(supervisor, replica):
    # Choosing a language is a write of the user's own row (not an audit event).
    supervisor.post(reverse("language-set"), {"language": "en", "next": "/"})
    _response, primary, on_replica = _served(supervisor, "get", LOG)
    assert on_replica == []
    assert _reads_of(primary, "audit_auditevent")


def test_read_your_writes_ends_after_the_configured_seconds(supervisor, replica, settings):
    settings.DATABASE_READ_YOUR_WRITES = 1
    supervisor.post(reverse("language-set"), {"language": "en", "next": "/"})
    time.sleep(1.5)
    _response, _primary, on_replica = _served(supervisor, "get", LOG)
    assert _reads_of(on_replica, "audit_auditevent")


def test_an_unreachable_replica_leaves_the_reads_to_the_primary(supervisor, replica):
    replica_settings = connections[REPLICA].settings_dict
    port = replica_settings["PORT"]
    connections[REPLICA].close()
    replica_settings["PORT"] = "1"  # nothing listens there
    try:
        with CaptureQueriesContext(connections["default"]) as primary:
            response = supervisor.get(LOG)
    finally:
        replica_settings["PORT"] = port
    assert response.status_code == 200
    assert _reads_of([q["sql"] for q in primary], "audit_auditevent")
