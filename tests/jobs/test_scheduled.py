"""The scheduled jobs: registered at the times of settings.JOBS_SCHEDULE, run by a worker,
each run recorded as a JobRun for the admins; a failure alerts the operator."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.db import connection
from procrastinate.contrib.django import app

from audit.models import AuditEvent
from audit.services import audit_record
from jobs import tasks
from jobs.models import JobRun
from tests.factories import ClientFactory
from tests.jobs.conftest import jobs

# Run by the main worker (the purge has a worker of its own, with the purge role).
SCHEDULED = {
    "duplicate_report": tasks.duplicate_report,
    "audit_chain_verify": tasks.audit_chain_verify,
    "audit_anomaly_alerts": tasks.audit_anomaly_alerts,
    "audit_partitions": tasks.audit_partitions,
}


def test_every_scheduled_job_is_registered_with_the_cron_of_the_settings():
    registered = {
        periodic.task.name: (periodic.cron, periodic.task.queue)
        for periodic in app.periodic_registry.periodic_tasks.values()
        if periodic.task.name in settings.JOBS_SCHEDULE  # other apps' jobs are their own
    }
    assert registered == {
        "duplicate_report": (settings.JOBS_SCHEDULE["duplicate_report"], "scheduled"),
        "audit_chain_verify": (settings.JOBS_SCHEDULE["audit_chain_verify"], "scheduled"),
        "audit_purge": (settings.JOBS_SCHEDULE["audit_purge"], "purge"),
        "audit_anomaly_alerts": (settings.JOBS_SCHEDULE["audit_anomaly_alerts"], "scheduled"),
        "audit_partitions": (settings.JOBS_SCHEDULE["audit_partitions"], "scheduled"),
        "stalled_jobs_retry": (settings.JOBS_SCHEDULE["stalled_jobs_retry"], "scheduled"),
        "jobs_cleanup": (settings.JOBS_SCHEDULE["jobs_cleanup"], "scheduled"),
    }
    assert settings.JOBS_SCHEDULE["audit_chain_verify"] == "0 3 * * *"  # nightly by default


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_each_scheduled_job_and_records_its_outcome(
    work_off, clients_world, mailoutbox
):
    for task in SCHEDULED.values():
        task.defer(timestamp=0)

    work_off()

    assert {job["task_name"]: job["status"] for job in jobs()} == dict.fromkeys(
        SCHEDULED, "succeeded"
    )
    runs = {run.task: run for run in JobRun.objects.all()}
    assert set(runs) == set(SCHEDULED)
    assert all(run.status == JobRun.Status.OK and run.finished_at for run in runs.values())
    assert all(run.job_id for run in runs.values())
    assert runs["duplicate_report"].summary["records"] == 2
    assert runs["duplicate_report"].summary["pairs"] == 1  # the two Olenas
    assert runs["audit_chain_verify"].summary["events_checked"] > 0
    assert runs["audit_anomaly_alerts"].summary["flags"] == 0
    assert runs["audit_partitions"].summary == {"created": []}  # the migration made them
    assert mailoutbox == []  # nothing failed
    # Ids and counts only: no name of the records in any outcome.
    assert "Shevchenko" not in str([run.summary for run in runs.values()])


@pytest.mark.django_db(transaction=True)
def test_the_purge_run_by_a_worker_without_the_purge_role_fails_and_says_why(
    work_off, settings, mailoutbox
):
    settings.ADMINS = [("Operator", "ops@example.org")]
    tasks.audit_purge.defer(timestamp=0)

    work_off(queues=["purge"])

    run = JobRun.objects.get(task="audit_purge")
    assert run.status == JobRun.Status.FAILED
    assert run.error_class == "django.core.management.base.CommandError"
    assert "only the role" in run.error_message  # a message of our own: kept
    assert run.summary == {}
    assert "only the role" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PURGE).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_broken_audit_chain_fails_the_nightly_check_and_alerts(
    work_off, settings, mailoutbox, caplog
):
    settings.ADMINS = [("Operator", "ops@example.org")]
    for index in range(3):
        audit_record(actor=None, action="view", object_type="clients.client", object_id=str(index))
    altered = AuditEvent.objects.order_by("pk")[1]
    with connection.cursor() as cursor:  # an attacker with the database's superuser
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", [altered.pk])
        cursor.execute("SET session_replication_role = origin")
    tasks.audit_chain_verify.defer(timestamp=0)

    with caplog.at_level(logging.ERROR, logger="portal.alerts"):
        work_off()

    run = JobRun.objects.get(task="audit_chain_verify")
    assert run.status == JobRun.Status.FAILED
    assert run.error_class == "jobs.runs.JobError"
    assert f"broken at event {altered.pk}" in run.error_message
    assert run.summary["broken_at_event"] == altered.pk
    assert jobs()[0]["status"] == "failed"
    [mail] = mailoutbox
    assert mail.to == ["ops@example.org"]
    assert "audit_chain_verify" in mail.subject and f"broken at event {altered.pk}" in mail.body
    assert [r for r in caplog.records if r.name == "portal.alerts" and str(run.pk) in r.message]


@pytest.mark.django_db(transaction=True)
def test_a_failure_with_a_foreign_message_keeps_only_the_error_class(
    work_off, settings, mailoutbox, monkeypatch
):
    """A database error quotes the values it refused: neither the run nor the mail gets it."""
    settings.ADMINS = [("Operator", "ops@example.org")]

    def refuse(**_kwargs):
        raise ValueError("Key (family_name)=(Shevchenko) already exists")

    monkeypatch.setattr(tasks, "anomaly_alerts_send", refuse)
    tasks.audit_anomaly_alerts.defer(timestamp=0)

    work_off()

    run = JobRun.objects.get(task="audit_anomaly_alerts")
    assert (run.status, run.error_class, run.error_message) == (
        JobRun.Status.FAILED,
        "builtins.ValueError",
        "",
    )
    assert "Shevchenko" not in mailoutbox[0].body


@pytest.fixture
def clients_world(transactional_db, laf):
    """Two records of one person, for the duplicate report to find."""
    ClientFactory(agency=laf, family_name="Shevchenko", given_names="Olena")
    ClientFactory(agency=laf, family_name="Shevchenko", given_names="Olena")
