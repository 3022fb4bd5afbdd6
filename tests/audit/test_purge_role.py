"""Only the purge role may delete audit events: not the application's role, whatever
session setting it sets, and nobody may change one."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from audit.services import audit_record
from tests.audit.conftest import acting_as, sql

pytestmark = pytest.mark.django_db


def _events(n):
    for index in range(n):
        audit_record(actor=None, action="view", object_type="clients.client", object_id=str(index))


def test_the_application_role_cannot_delete_with_the_old_session_switch(app_role):
    _events(2)
    with acting_as(app_role):
        sql("SET LOCAL audit.purge = 'on'")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 2


def test_the_application_role_cannot_delete_even_with_the_table_privilege(app_role, purge_role):
    _events(2)
    with acting_as(app_role), pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=AuditEvent.objects.first().pk).delete()
    assert AuditEvent.objects.count() == 2


def test_the_purge_role_may_delete(purge_role):
    _events(3)
    with acting_as(purge_role):
        AuditEvent.objects.filter(pk=AuditEvent.objects.order_by("pk").first().pk).delete()
    assert AuditEvent.objects.count() == 2


def test_nobody_may_change_an_event_not_even_the_purge_role(purge_role):
    _events(1)
    sql(f'GRANT UPDATE ON audit_auditevent TO "{purge_role}"')
    with acting_as(purge_role), pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="delete")
    assert AuditEvent.objects.get().action == "view"


def test_the_migrated_trigger_names_portal_purge():
    from audit.management.commands.audit_purge import purge_role as trigger_role

    assert trigger_role() == "portal_purge"


def test_the_purge_command_refuses_another_role_before_deleting_anything():
    import datetime as dt

    from django.utils import timezone

    from tests.audit.conftest import as_attacker

    _events(2)
    as_attacker(
        "UPDATE audit_auditevent SET occurred_at = %s", [timezone.now() - dt.timedelta(days=800)]
    )
    with pytest.raises(CommandError, match="portal_purge"):
        call_command("audit_purge", "--days", "730")
    assert AuditEvent.objects.count() == 2


def test_the_purge_command_runs_as_the_purge_role(purge_role):
    """Nothing old enough here: it runs, finds nothing and deletes nothing."""
    _events(1)
    with acting_as(purge_role):
        call_command("audit_purge", "--days", "730")
    assert AuditEvent.objects.count() == 1
