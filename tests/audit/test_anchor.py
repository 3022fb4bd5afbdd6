"""The chain's head is anchored outside the database: events removed from the end of
the chain are found, the anchor cannot be forged, moved back or quietly started over."""

import json
import logging
import os
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from audit.chain import chain_verify
from audit.models import AuditEvent
from audit.services import audit_record
from tests.audit.conftest import as_attacker

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the anchoring that a commit would (tests run inside one transaction)."""

    def appended(n: int = 1) -> list[AuditEvent]:
        with django_capture_on_commit_callbacks(execute=True):
            return [
                audit_record(actor=None, action="view", object_type="t", object_id=str(i))
                for i in range(n)
            ]

    return appended


def _stored(path) -> dict:
    return json.loads(path.read_text())


def test_every_commit_anchors_the_newest_event(anchored, commit):
    first = commit(2)
    assert _stored(anchored)["event_id"] == first[-1].pk
    second = commit(1)
    assert _stored(anchored)["event_id"] == second[-1].pk
    assert _stored(anchored)["hash"] == second[-1].hash
    assert chain_verify() == (3, None)


def test_removing_the_newest_events_is_found(anchored, commit):
    events = commit(5)
    as_attacker("DELETE FROM audit_auditevent WHERE id >= %s", [events[3].pk])
    checked, broken = chain_verify()
    assert broken.event_id == events[-1].pk
    assert "removed from the end" in broken.reason
    with pytest.raises(CommandError, match="removed from the end"):
        call_command("verify_audit_chain")


def test_a_chain_rewritten_as_a_whole_is_found(anchored, commit):
    """Someone with the database, not the key, recomputes every hash after an edit."""
    from audit.chain import event_hash

    events = commit(3)
    prev = ""
    for event in AuditEvent.objects.order_by("pk"):
        event.object_id = "999" if event.pk == events[0].pk else event.object_id
        event.prev_hash, event.hash = prev, event_hash(event, prev)
        as_attacker(
            "UPDATE audit_auditevent SET object_id = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.object_id, event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    checked, broken = chain_verify()
    assert checked == 3  # the walk alone sees nothing
    assert "rewritten" in broken.reason


def test_an_anchor_behind_the_table_is_fine_while_the_chain_continues(anchored, commit):
    commit(2)
    for index in range(3):  # committed, but not anchored yet
        audit_record(actor=None, action="view", object_type="t", object_id=f"late-{index}")
    assert chain_verify() == (5, None)
    call_command("verify_audit_chain")


def test_a_forged_anchor_is_found(anchored, commit):
    events = commit(3)
    forged = {**_stored(anchored), "event_id": events[0].pk}
    anchored.write_text(json.dumps(forged))
    _checked, broken = chain_verify()
    assert "not valid" in broken.reason


def test_the_anchor_never_moves_back(anchored, commit):
    from audit import anchor

    events = commit(3)
    anchor.anchor_head(event_id=events[0].pk, hash_=events[0].hash, new_chain=False)
    assert _stored(anchored)["event_id"] == events[-1].pk


def test_a_rolled_back_batch_is_never_anchored(
    anchored, commit, django_capture_on_commit_callbacks
):
    events = commit(1)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(actor=None, action="view", object_type="t", object_id="gone")
            raise RuntimeError
    assert _stored(anchored)["event_id"] == events[0].pk
    assert chain_verify() == (1, None)


def test_one_transaction_anchors_once_however_many_events_it_appends(
    anchored, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as steps:
        events = [audit_record(actor=None, action="view", object_type="t") for _ in range(50)]
    assert len(steps) == 1
    assert _stored(anchored)["event_id"] == events[-1].pk


def test_events_of_a_rolled_back_savepoint_are_never_anchored(
    anchored, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(actor=None, action="view", object_type="t", object_id="gone")
            raise RuntimeError
        kept = audit_record(actor=None, action="view", object_type="t", object_id="kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(actor=None, action="view", object_type="t", object_id="gone too")
            raise RuntimeError
    assert _stored(anchored)["event_id"] == kept.pk
    assert chain_verify() == (1, None)


def test_events_of_a_released_savepoint_are_anchored(anchored, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=None, action="view", object_type="t", object_id="outer")
        with transaction.atomic():
            inner = audit_record(actor=None, action="view", object_type="t", object_id="inner")
    assert _stored(anchored)["event_id"] == inner.pk


def test_a_deleted_anchor_is_not_started_over_by_the_next_commit(anchored, commit, caplog):
    """Truncate the tail, delete the anchor, let the portal go on: still found."""
    events = commit(4)
    as_attacker("DELETE FROM audit_auditevent WHERE id >= %s", [events[2].pk])
    anchored.unlink()
    with caplog.at_level(logging.ERROR, logger="portal.alerts"):
        commit(1)
    assert not anchored.exists()
    assert any("no anchor" in record.getMessage() for record in caplog.records)
    _checked, broken = chain_verify()
    assert "holds no anchor" in broken.reason


def test_an_anchor_naming_a_removed_event_is_kept_as_evidence(anchored, commit, caplog):
    events = commit(4)
    as_attacker("DELETE FROM audit_auditevent WHERE id >= %s", [events[2].pk])
    with caplog.at_level(logging.ERROR, logger="portal.alerts"):
        commit(1)
    assert _stored(anchored)["event_id"] == events[-1].pk
    assert any("missing" in record.getMessage() for record in caplog.records)
    assert "removed from the end" in chain_verify()[1].reason


def test_reanchoring_after_a_restore_is_recorded_in_the_chain(
    anchored, commit, django_capture_on_commit_callbacks
):
    """A restore loses the events after the backup: the operator sees the break, then
    anchors the restored head anew, and that decision is itself an event."""
    events = commit(4)
    as_attacker("DELETE FROM audit_auditevent WHERE id >= %s", [events[2].pk])  # "restored"
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("verify_audit_chain", "--reanchor")
    event = AuditEvent.objects.order_by("pk").last()
    assert event.action == "reanchor"
    assert f"event {events[-1].pk}" in " ".join(event.fields)
    assert _stored(anchored)["event_id"] == event.pk
    assert chain_verify() == (3, None)
    commit(1)
    assert chain_verify() == (4, None)


def test_reanchoring_refuses_a_broken_chain(anchored, commit):
    events = commit(3)
    as_attacker("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError, match="altered"):
        call_command("verify_audit_chain", "--reanchor")


def test_a_filled_table_without_an_anchor_is_reported(anchored):
    audit_record(actor=None, action="view", object_type="t", object_id="1")  # before anchoring
    assert "holds no anchor" in chain_verify()[1].reason


def test_without_a_store_the_command_says_the_end_is_unanchored(settings, capsys):
    settings.AUDIT_ANCHOR = {**settings.AUDIT_ANCHOR, "path": "", "redis_url": ""}
    audit_record(actor=None, action="view", object_type="t", object_id="1")
    call_command("verify_audit_chain")
    assert "not anchored" in capsys.readouterr().out


def test_the_file_is_replaced_whole(anchored, commit):
    commit(1)
    leftovers = [p for p in os.listdir(anchored.parent) if p.startswith(".anchor-")]
    assert leftovers == []


@pytest.fixture
def redis_anchored(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (REDIS_URL)")
    from audit import anchor

    key = f"audit-anchor-test:{uuid.uuid4().hex}"
    settings.AUDIT_ANCHOR = {
        **settings.AUDIT_ANCHOR,
        "path": "",
        "redis_url": settings.REDIS_URL,
        "redis_key": key,
    }
    store = anchor.stores()[0]
    yield store
    store._client().delete(key)


def test_a_redis_anchor_finds_removed_events_too(redis_anchored, commit):
    from audit import anchor

    events = commit(3)
    assert anchor.read(redis_anchored).event_id == events[-1].pk
    as_attacker("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    assert "removed from the end" in chain_verify()[1].reason


def test_an_unreachable_store_does_not_fail_the_request(
    settings, laf_client, olena, caplog, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    settings.AUDIT_ANCHOR = {**settings.AUDIT_ANCHOR, "path": "/nonexistent/a.json"}
    with (
        caplog.at_level(logging.ERROR, logger="portal.alerts"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = laf_client.get(reverse("clients:client-detail", args=[olena.pk]))
    assert response.status_code == 200
    assert callbacks  # the anchoring was tried
    assert any("not written" in record.getMessage() for record in caplog.records)


def test_a_retention_purge_keeps_the_anchored_chain_verifiable(
    anchored, purge_role, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from audit.chain import chain_append
    from tests.audit.conftest import acting_as

    old = timezone.now() - dt.timedelta(days=800)
    with django_capture_on_commit_callbacks(execute=True):
        chain_append([AuditEvent(occurred_at=old, action="view", object_type="t") for _ in "ab"])
        chain_append([AuditEvent(occurred_at=timezone.now(), action="view", object_type="t")])
    with acting_as(purge_role), django_capture_on_commit_callbacks(execute=True):
        call_command("audit_purge", "--days", "730")
    purge = AuditEvent.objects.order_by("pk").last()
    assert purge.action == "purge"
    assert _stored(anchored)["event_id"] == purge.pk
    assert chain_verify() == (2, None)
