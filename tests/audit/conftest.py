"""Fixtures of the audit tests: an anchored chain, the purge role."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from django.db import connection


@pytest.fixture
def anchored(settings, tmp_path):
    """The chain's head anchored in a file of this test's own."""
    path = tmp_path / "audit-anchor.json"
    current = getattr(settings, "AUDIT_ANCHOR", {})  # (absent before the anchor existed)
    settings.AUDIT_ANCHOR = {**current, "path": str(path), "redis_url": ""}
    return path


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def as_attacker(statement: str, params=()) -> None:
    """Raw SQL as a database superuser with triggers switched off."""
    sql("SET session_replication_role = replica")
    sql(statement, params)
    sql("SET session_replication_role = origin")


@contextmanager
def acting_as(role: str):
    sql(f'SET LOCAL ROLE "{role}"')
    try:
        yield
    finally:
        sql("RESET ROLE")


def _role(prefix: str, *grants: str) -> str:
    """A role of this test alone: created in the test's transaction, so that the rollback
    at its end removes it again (roles belong to the whole server)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    sql(f'CREATE ROLE "{name}" NOLOGIN')
    for grant in grants:
        sql(grant.format(role=f'"{name}"'))
    return name


@pytest.fixture
def purge_role(db):
    """A purge role of this test's own, named in the audit trigger (as docs/roles.sql does
    for `portal_purge`), with the purge role's grants."""
    name = _role(
        "audit_test_purge",
        "GRANT SELECT, INSERT, DELETE ON audit_auditevent TO {role}",
        "GRANT USAGE ON SEQUENCE audit_auditevent_id_seq TO {role}",
    )
    sql(
        "CREATE OR REPLACE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE "
        "ON audit_auditevent FOR EACH ROW "
        f"EXECUTE FUNCTION audit_event_append_only('{name}')"
    )
    return name


@pytest.fixture
def app_role(db):
    """The application's role: every privilege on the table short of owning it."""
    return _role(
        "audit_test_app",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON audit_auditevent TO {role}",
        "GRANT USAGE ON SEQUENCE audit_auditevent_id_seq TO {role}",
    )
