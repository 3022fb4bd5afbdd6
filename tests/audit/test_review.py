"""Supervisors review the audit log and answer 'who saw this record'."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from audit.selectors import anomalies
from audit.services import audit_record
from core.csv import safe_cell

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(laf_supervisor):
    """A browser of its own: the other fixtures' `client` is someone else's."""
    from django.test import Client

    browser = Client()
    browser.force_login(laf_supervisor)
    return browser


def test_caseworkers_cannot_open_the_audit_log(laf_client):
    assert laf_client.get(reverse("audit:event-list")).status_code == 403


def test_a_supervisor_sees_the_events_of_their_own_agency_only(
    supervisor_client, laf_client, sozialamt_caseworker, olena
):
    laf_client.get(reverse("clients:client-detail", args=[olena.pk]))
    laf_client.force_login(sozialamt_caseworker)
    laf_client.get(reverse("clients:client-detail", args=[olena.pk]))  # denied
    response = supervisor_client.get(reverse("audit:event-list"))
    agencies = {event.agency.slug for event in response.context["events"] if event.agency}
    assert agencies == {"laf"}


def test_filters_narrow_the_log_to_one_client_and_action(supervisor_client, laf_client, laf, olena):
    from tests.factories import ClientFactory

    other = ClientFactory(agency=laf)
    laf_client.get(reverse("clients:client-detail", args=[olena.pk]))
    laf_client.get(reverse("clients:client-detail", args=[other.pk]))
    response = supervisor_client.get(
        reverse("audit:event-list"), {"client": olena.pk, "action": "view"}
    )
    assert {e.object_id for e in response.context["events"]} == {str(olena.pk)}


def test_reading_the_audit_log_is_itself_audited(supervisor_client, laf_supervisor):
    supervisor_client.get(reverse("audit:event-list"))
    assert AuditEvent.objects.filter(actor=laf_supervisor, object_type="audit.auditevent").exists()


def test_who_saw_this_record_lists_every_agency(
    supervisor_client, laf_client, sozialamt_caseworker, olena, consent
):
    from workflows.handover.services import handover_create, handover_decide

    grants = handover_create(
        actor=olena.registered_by.memberships.get(role="caseworker").user,
        clients=[olena],
        agency=sozialamt_caseworker.membership.agency,
        sections=["contact"],
        legal_basis=consent,
        purpose="AsylbLG",
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grants[0].handover_id, accept=True)
    laf_client.get(reverse("clients:client-detail", args=[olena.pk]))
    laf_client.logout()
    laf_client.force_login(sozialamt_caseworker)
    laf_client.get(reverse("clients:client-detail", args=[olena.pk]))
    laf_client.post(reverse("clients:client-search"), {"name": "Shevchenko"})

    response = supervisor_client.get(reverse("audit:record-accesses", args=[olena.pk]))
    rows = response.context["rows"]
    assert {row.agency for row in rows if row.action == "view"} >= {
        "Landesamt für Flüchtlingsangelegenheiten",
        "Sozialamt Marzahn-Hellersdorf",
    }
    assert any(row.action == "search" for row in rows)  # shown in a result list

    csv = supervisor_client.get(
        reverse("audit:record-accesses", args=[olena.pk]), {"format": "csv"}
    )
    assert csv["Content-Type"].startswith("text/csv")
    assert "Sozialamt Marzahn-Hellersdorf" in csv.content.decode()
    assert AuditEvent.objects.filter(action="export", object_id=str(olena.pk)).exists()


def test_csv_cells_cannot_start_a_formula():
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+49 30") == "'+49 30"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@SUM") == "'@SUM"
    assert safe_cell("Sozialamt") == "Sozialamt"


def test_anomalies_flag_volume_off_hours_denials_and_one_name_across_agencies(
    settings, laf, laf_caseworker, sozialamt_caseworker, jobcenter_caseworker
):
    settings.AUDIT_ANOMALY = {**settings.AUDIT_ANOMALY, "volume_min": 5}
    for _ in range(6):
        audit_record(actor=laf_caseworker, action="view", object_type="clients.client")
    for _ in range(5):
        audit_record(
            actor=laf_caseworker, action="view", object_type="clients.client", outcome="denied"
        )
    for user in (laf_caseworker, sozialamt_caseworker, jobcenter_caseworker):
        audit_record(actor=user, action="search", object_type="clients.client", query_hash="abc")
    rules = {flag.rule for flag in anomalies(AuditEvent.objects.filter(agency=laf))}
    assert {"volume", "denied", "same_name"} <= rules


def test_a_quiet_normal_day_raises_no_flags(laf, laf_caseworker):
    audit_record(actor=laf_caseworker, action="view", object_type="clients.client")
    flags = anomalies(AuditEvent.objects.filter(agency=laf))
    assert [f for f in flags if f.rule in ("volume", "denied", "same_name")] == []


def test_events_at_night_are_flagged_as_off_hours(laf, laf_caseworker):
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    audit_record(actor=laf_caseworker, action="view", object_type="clients.client")
    night = timezone.localtime().replace(hour=3, minute=0) - dt.timedelta(days=1)
    with connection.cursor() as cursor:  # backdating needs the triggers off, as in a test only
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE audit_auditevent SET occurred_at = %s", [night])
        cursor.execute("SET session_replication_role = origin")
    flags = anomalies(AuditEvent.objects.filter(agency=laf))
    assert [(f.rule, f.who) for f in flags] == [("off_hours", "laf.caseworker")]
