"""The audit log's anomaly flags are alerted without anyone opening the audit page: a log
line with ids for the operator, a mail to the agency's supervisors, an audit event; each
flag once per window."""

import logging
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client as Browser
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def laf_supervisor_with_mail(laf):
    return UserFactory(
        username="laf.leitung", email="leitung@laf.example", agency=laf, agency__role="supervisor"
    )


def _run() -> str:
    out = StringIO()
    call_command("audit_anomaly_alerts", stdout=out)
    return out.getvalue()


def _refuse(user, times):
    for _ in range(times):
        audit_record(actor=user, action="view", object_type="clients.client", outcome="denied")


def test_repeated_refusals_are_mailed_to_the_supervisors_and_logged_by_id(
    laf_caseworker, laf_supervisor_with_mail, sozialamt_supervisor, caplog
):
    _refuse(laf_caseworker, 5)
    with caplog.at_level(logging.WARNING, logger="portal.alerts"):
        printed = _run()
    assert f"{laf_caseworker.membership.agency.slug}: denied" in printed
    assert [m.to for m in mail.outbox] == [["leitung@laf.example"]]
    assert "laf.caseworker" in mail.outbox[0].body
    assert "5" in mail.outbox[0].body
    [line] = [r.getMessage() for r in caplog.records if r.name == "portal.alerts"]
    assert f"rule=denied agency={laf_caseworker.membership.agency_id}" in line
    assert f"who={laf_caseworker.pk}" in line
    assert "laf.caseworker" not in line
    alert = AuditEvent.objects.get(action="alert")
    assert (alert.object_type, alert.object_id) == ("anomaly:denied", str(laf_caseworker.pk))


def test_a_flag_is_alerted_once_per_window(laf_caseworker, laf_supervisor_with_mail):
    _refuse(laf_caseworker, 5)
    _run()
    _refuse(laf_caseworker, 3)
    _run()
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="alert").count() == 1


def test_a_quiet_day_alerts_nothing(laf_caseworker, laf_supervisor_with_mail):
    _refuse(laf_caseworker, 4)
    _run()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="alert").exists()


def test_failed_logins_from_one_address_are_logged_for_the_central_admins_not_mailed(
    settings, laf_supervisor_with_mail, caplog
):
    settings.AUDIT_ANOMALY = {**settings.AUDIT_ANOMALY, "failed_login_address_min": 4}
    browser = Browser(REMOTE_ADDR="203.0.113.9")
    for name in ("anna", "bernd", "carla", "dieter"):
        browser.post(reverse("login"), {"username": name, "password": "wrong"})
    with caplog.at_level(logging.WARNING, logger="portal.alerts"):
        _run()
    assert mail.outbox == []
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.alerts"]
    assert any("rule=failed_logins_address agency=- who=203.0.113.9" in x for x in lines)
    alert = AuditEvent.objects.get(action="alert", object_type="anomaly:failed_logins_address")
    assert alert.agency is None
