"""The audit log is append-only and hash-chained; tampering is found."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse

from audit.chain import chain_verify
from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def _events(n, actor=None):
    for index in range(n):
        audit_record(actor=actor, action="view", object_type="clients.client", object_id=str(index))


def _raw(sql, params=()):
    """Raw SQL as a database superuser with triggers switched off: the attacker's view."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = origin")


def test_events_form_an_intact_chain():
    _events(5)
    checked, broken = chain_verify()
    assert (checked, broken) == (5, None)
    first, *rest = AuditEvent.objects.order_by("pk")
    assert first.prev_hash == ""
    assert [e.prev_hash for e in rest] == [e.hash for e in AuditEvent.objects.order_by("pk")][:-1]


def test_the_database_refuses_updates_and_deletes_even_from_the_application():
    _events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="delete")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "view"


def test_a_row_altered_with_the_trigger_disabled_is_found():
    _events(4)
    victim = AuditEvent.objects.order_by("pk")[2]
    _raw("UPDATE audit_auditevent SET object_id = '999' WHERE id = %s", [victim.pk])
    checked, broken = chain_verify()
    assert broken.event_id == victim.pk
    assert "altered" in broken.reason
    assert checked == 2


def test_a_removed_row_is_found():
    _events(4)
    victim = AuditEvent.objects.order_by("pk")[1]
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    _checked, broken = chain_verify()
    assert broken.event_id == AuditEvent.objects.order_by("pk")[1].pk
    assert "removed or inserted" in broken.reason


def test_a_row_inserted_out_of_order_is_found():
    _events(3)
    last = AuditEvent.objects.order_by("pk").last()
    forged = AuditEvent.objects.order_by("pk").first()
    _raw(
        "INSERT INTO audit_auditevent (occurred_at, role, action, object_type, object_id, "
        "object_ids, fields, query_hash, outcome, request_id, prev_hash, hash) "
        "SELECT occurred_at, role, action, object_type, '42', object_ids, fields, query_hash, "
        "outcome, request_id, prev_hash, 'forged' FROM audit_auditevent WHERE id = %s",
        [forged.pk],
    )
    _checked, broken = chain_verify()
    assert broken.event_id > last.pk


def test_verify_command_exits_non_zero_and_names_the_event():
    _events(3)
    call_command("verify_audit_chain")
    victim = AuditEvent.objects.order_by("pk")[1]
    _raw("UPDATE audit_auditevent SET outcome = 'denied' WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=f"event {victim.pk}"):
        call_command("verify_audit_chain")


def test_retention_purge_is_the_only_delete_and_keeps_the_chain_verifiable(purge_role):
    import datetime as dt

    from django.utils import timezone

    from tests.audit.conftest import acting_as

    _events(3)
    _raw(
        "UPDATE audit_auditevent SET occurred_at = %s WHERE id <= %s",
        [timezone.now() - dt.timedelta(days=800), AuditEvent.objects.order_by("pk")[1].pk],
    )
    # Rehash after the backdating above so the chain starts intact.
    events = list(AuditEvent.objects.order_by("pk"))
    _raw("DELETE FROM audit_auditevent")
    from audit.chain import chain_append

    for event in events:
        event.pk = None
    chain_append(events)
    assert chain_verify()[1] is None

    with acting_as(purge_role):
        call_command("audit_purge", "--days", "730")
    remaining = AuditEvent.objects.order_by("pk")
    assert remaining.count() == 2  # one young event and the purge event itself
    assert remaining.last().action == "purge"
    assert chain_verify()[1] is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    errors = []

    def write(worker):
        try:
            for n in range(15):
                with transaction.atomic():
                    audit_record(
                        actor=None, action="view", object_type="t", object_id=f"{worker}-{n}"
                    )
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 90
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == 90  # no two events continue the same predecessor
    assert chain_verify() == (90, None)


def test_a_denied_attempt_on_another_agencys_record_is_recorded(sozialamt_client, olena):
    response = sozialamt_client.get(reverse("clients:client-detail", args=[olena.pk]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(outcome="denied")
    assert (event.object_type, event.object_id) == ("clients.client", str(olena.pk))
    assert event.agency.slug == "sozialamt-mh"
    assert chain_verify()[1] is None


def test_a_search_name_is_stored_only_as_a_fingerprint(laf_client, olena):
    laf_client.post(reverse("clients:client-search"), {"name": "Shevchenko"})
    event = AuditEvent.objects.get(action="search")
    assert event.query_hash and "hevchenko" not in str(event.__dict__).lower()


def test_logins_failed_logins_and_logouts_are_recorded(client, laf_caseworker):
    laf_caseworker.set_password("correct horse")
    laf_caseworker.save()
    client.post(reverse("login"), {"username": "laf.caseworker", "password": "wrong"})
    client.post(reverse("login"), {"username": "laf.caseworker", "password": "correct horse"})
    client.post(reverse("logout"))
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "outcome"))
    assert actions == [("login_failed", "denied"), ("login", "allowed"), ("logout", "allowed")]
    assert "wrong" not in str(AuditEvent.objects.values_list().all())


def test_an_update_links_to_the_change_history_entry(laf_client, olena):
    laf_client.post(
        reverse("clients:client-edit", args=[olena.pk, "contact"]),
        {"street": "Allee der Kosmonauten 32", "postcode": "12681", "seen_version": olena.version},
    )
    event = AuditEvent.objects.get(action="update")
    entry = olena.history.get(history_id=event.history_id)
    assert entry.street == "Allee der Kosmonauten 32"
    assert set(event.fields) == {"street", "postcode", "district"}  # district was emptied


def test_membership_changes_in_admin_are_permission_changes(client, laf_caseworker, sozialamt):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    membership = laf_caseworker.membership
    client.post(
        reverse("admin:agencies_membership_change", args=[membership.pk]),
        {"user": laf_caseworker.pk, "agency": sozialamt.pk, "role": "supervisor"},
    )
    event = AuditEvent.objects.get(action="permission_change")
    assert event.object_type == "agencies.membership"
    assert set(event.fields) == {"agency", "role"}
