"""Two requests writing to one record at the same moment both succeed: the audit chain's
lock is never held while a foreign-key check waits for a row the other request holds
(found by the scanner: two 500s "deadlock detected" on adding case notes)."""

import threading

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import audit_record
from clients.models import CaseNote, Client

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_note_and_a_change_to_the_same_record_at_once_do_not_deadlock(olena, laf, laf_caseworker):
    inserted, locked, appended = threading.Event(), threading.Event(), threading.Event()
    errors: list[str] = []

    def add_note():  # as case_note_add: the note's row first, its audit event last
        try:
            with transaction.atomic():
                CaseNote.objects.create(client=olena, agency=laf, author=laf_caseworker, text="x")
                inserted.set()
                locked.wait(5)
                audit_record(actor=laf_caseworker, action="update", obj=olena)
                appended.set()
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    def change_record():  # as client_update: the record's row locked, then its event
        try:
            inserted.wait(5)
            with transaction.atomic():
                Client.objects.select_for_update().get(pk=olena.pk)
                locked.set()
                appended.wait(2)  # the note's request holds the chain's lock by now, if ever
                audit_record(actor=laf_caseworker, action="update", obj=olena)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=add_note), threading.Thread(target=change_record)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert CaseNote.objects.filter(client=olena).count() == 1
    assert AuditEvent.objects.filter(action="update", object_id=str(olena.pk)).count() == 2
