"""The try-out on SQLite (`make run`) keeps working: for a fast typist (the live duplicate
check writes its audit event while the form is saved, and neither may fail with
"database is locked"), and for an agency system reading through the API."""

from tests.tryout.runner import run_on_sqlite

# Eight requests at once, each as the portal runs them: one transaction per request that
# reads first (the duplicate check, the audit chain's head) and then writes.
WRITERS = """
import threading, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
call_command("migrate", verbosity=0)
from audit.models import AuditEvent
from audit.services import audit_record
failures = []

def request():
    try:
        with transaction.atomic():
            AuditEvent.objects.count()
            time.sleep(0.05)
            audit_record(actor=None, action="search", object_type="clients.client")
    except Exception as error:
        failures.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=request) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("events", AuditEvent.objects.count(), "failures", failures)
"""


def test_concurrent_requests_on_the_try_out_database_wait_for_each_other(tmp_path):
    assert run_on_sqlite(WRITERS, tmp_path)[-1] == "events 8 failures []"


# An agency system on the try-out: its key reads a record and the change feed (whose
# PostgreSQL-only shortcut for small agencies once answered 500 here).
API_SYSTEM = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
from django.test import Client
from access.policy import clients_visible_to
from agencies.models import Agency
from api.services import api_client_create, api_key_issue
agency = Agency.objects.get(slug="sozialamt-mh")
system = api_client_create(agency=agency, name="Fachverfahren", role="caseworker", actor=None)
_key, secret = api_key_issue(api_client=system, actor=None)
http = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
record = clients_visible_to(system.user).values_list("pk", flat=True).first()
answers = [
    http.get(f"/api/v1/clients/{record}/").status_code,
    http.get("/api/v1/feed/", {"cursor": 0}).status_code,
    len(http.get("/api/v1/feed/", {"cursor": 0}).json()["items"]) > 0,
]
print("answers", answers)
"""


def test_an_agency_system_reads_a_record_and_the_feed_on_the_try_out_database(tmp_path):
    assert run_on_sqlite(API_SYSTEM, tmp_path)[-1] == "answers [200, 200, True]"
