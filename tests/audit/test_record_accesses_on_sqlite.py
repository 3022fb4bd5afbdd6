"""'Who saw this record' lists every search hit on the try-out database too (issue 12):
SQLite has no JSON containment lookup, so the lists that showed a record are found with
json_each there. Run in a subprocess: the test database is PostgreSQL."""

from tests.tryout.runner import run_on_sqlite

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite", connection.vendor
from audit.models import AuditEvent
from audit.selectors import events_filtered, record_accesses
from audit.services import audit_record

audit_record(actor=None, action="view", object_type="clients.client", object_id="7")
audit_record(actor=None, action="search", object_type="clients.client", object_ids=[3, 7, 70])
audit_record(actor=None, action="search", object_type="clients.client", object_ids=[70, 17])
audit_record(actor=None, action="view", object_type="audit.auditevent", object_ids=[7])
audit_record(actor=None, action="view", object_type="access.grant", object_id="5")
objects = {"clients.client": [7], "access.grant": [5]}
found = record_accesses(objects)
print("accesses", sorted((e.action, e.object_type) for e in found))
listed = events_filtered(AuditEvent.objects.all(), {"client": 7, "action": "search"})
print("filtered", [sorted(e.object_ids) for e in listed])
"""


def test_search_hits_are_listed_on_the_try_out_database(tmp_path):
    accesses, filtered = run_on_sqlite(SCRIPT, tmp_path)[-2:]
    # The search that showed record 7 is found, the one that did not (70, 17) is not, nor
    # the audit log page that listed event no. 7.
    assert accesses == (
        "accesses [('search', 'clients.client'), ('view', 'access.grant'), "
        "('view', 'clients.client')]"
    )
    assert filtered == "filtered [[3, 7, 70]]"
