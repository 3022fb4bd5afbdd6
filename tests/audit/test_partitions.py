"""The audit table is partitioned by month in PostgreSQL (audit.0005, audit.partitions):
events land in their month, the append-only trigger guards every month, the purge drops
whole old months and deletes the rest row by row, and the chain still verifies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.chain import chain_append, chain_verify
from audit.models import AuditEvent
from audit.partitions import audit_partitions, ensure_audit_partitions, is_partitioned
from tests.audit.conftest import acting_as, sql

pytestmark = pytest.mark.django_db


def _month_name(moment: dt.datetime) -> str:
    return f"audit_auditevent_{moment.astimezone(dt.UTC):%Y_%m}"


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s", [event.pk]
        )
        return cursor.fetchone()[0]


def _append(*moments: dt.datetime) -> list[AuditEvent]:
    events = [
        AuditEvent(occurred_at=moment, action="view", object_type="clients.client", object_id="1")
        for moment in moments
    ]
    chain_append(events)
    return events


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]


def test_the_table_has_this_month_the_next_two_and_a_default():
    assert is_partitioned()
    names = [month.name for month in audit_partitions()]
    now = timezone.now()
    assert _month_name(now) in names
    assert _month_name(now + dt.timedelta(days=62)) in names
    assert names[-1] == "audit_auditevent_default"


def test_an_event_lands_in_the_month_it_occurred_in():
    (event,) = _append(timezone.now())
    assert _partition_of(event) == _month_name(event.occurred_at)


def test_an_event_of_a_month_nobody_created_lands_in_the_default_partition():
    (event,) = _append(timezone.now() - dt.timedelta(days=900))
    assert _partition_of(event) == "audit_auditevent_default"


def test_ensure_creates_the_months_ahead_once():
    created = ensure_audit_partitions(months_ahead=5)
    assert _month_name(timezone.now() + dt.timedelta(days=5 * 31 - 10)) in created
    assert ensure_audit_partitions(months_ahead=5) == []


def test_the_command_creates_the_months_ahead(capsys):
    call_command("audit_partitions", "--months-ahead", "4", "--list")
    out = capsys.readouterr().out
    assert _month_name(timezone.now() + dt.timedelta(days=4 * 31 - 10)) in out
    assert "default" in out


def test_every_month_refuses_updates_and_deletes():
    recent, old = _append(timezone.now(), timezone.now() - dt.timedelta(days=900))
    for event in (recent, old):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="search")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(action="view").count() == 2


def test_nobody_but_the_owner_may_drop_a_month(app_role):
    month = _month_name(timezone.now())
    with acting_as(app_role), pytest.raises(DatabaseError), transaction.atomic():
        sql("SELECT audit_partition_drop(%s::regclass)", [month])
    assert _exists(month)


def test_a_month_younger_than_a_year_is_never_dropped():
    month = _month_name(timezone.now() - dt.timedelta(days=40))
    sql("SELECT audit_partitions_ensure(0, now() - interval '40 days')")
    with pytest.raises(DatabaseError, match="at least one year"), transaction.atomic():
        sql("SELECT audit_partition_drop(%s::regclass)", [month])
    assert _exists(month)


@pytest.fixture
def old_months(purge_role):
    """Months back to 28 months ago, and the purge role allowed to drop them."""
    sql("SELECT audit_partitions_ensure(0, now() - interval '28 months')")
    sql(f'GRANT EXECUTE ON FUNCTION audit_partition_drop(regclass) TO "{purge_role}"')
    return purge_role


def test_the_purge_drops_whole_old_months_and_deletes_the_rest(old_months):
    now = timezone.now()
    whole = now - dt.timedelta(days=800)  # a month that ended before the cutoff (730 days)
    partial = now - dt.timedelta(days=735)  # before the cutoff, in a month that ends after it
    kept = now - dt.timedelta(days=700)
    events = _append(whole, whole, whole, partial, kept, now)
    assert _partition_of(events[0]) == _month_name(whole)

    with acting_as(old_months):
        call_command("audit_purge", "--days", "730")

    assert not _exists(_month_name(whole))
    assert _exists(_month_name(kept))
    remaining = list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True))
    purge = AuditEvent.objects.get(action=AuditEvent.Action.PURGE)
    assert remaining == [events[4].pk, events[5].pk, purge.pk]
    assert "events:4" in purge.fields
    assert purge.object_id == events[3].hash
    checked, broken = chain_verify(head=False)
    assert (checked, broken) == (3, None)


def test_a_month_holding_an_event_after_the_purged_prefix_is_deleted_by_rows(old_months):
    old = timezone.now() - dt.timedelta(days=800)
    (first,) = _append(old)
    # An earlier purge's own event, two years old by now: never counted as purgeable, so
    # the prefix ends before it and its month is not dropped.
    earlier = AuditEvent(occurred_at=old, action=AuditEvent.Action.PURGE, object_type="audit.chain")
    chain_append([earlier])
    with acting_as(old_months):
        call_command("audit_purge", "--days", "730")
    assert _exists(_month_name(old))
    assert not AuditEvent.objects.filter(pk=first.pk).exists()
    assert AuditEvent.objects.filter(pk=earlier.pk).exists()
