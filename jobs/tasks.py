"""The portal's background jobs (procrastinate; docs/operations.md "Background jobs").

`import_run` runs a prepared CSV import (jobs.queue.enqueue_import); the periodic jobs run
at the times of `settings.JOBS_SCHEDULE` (cron, UTC). Each run writes a `JobRun` and
alerts when it fails (jobs.runs). The queues: `imports`, `scheduled`, and `purge`, the
one job that needs the audit purge role (its own worker, with that role's DATABASE_URL).

Without procrastinate's Django app (SQLite try-out) the tasks are plain functions that
jobs.queue calls in the request.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management import call_command
from procrastinate import JobContext
from procrastinate.contrib.django import app

from audit.alerts import anomaly_alerts_send
from audit.chain import chain_verify
from audit.partitions import ensure_audit_partitions
from jobs.runs import JobError, job_run
from workflows.imports.services import client_import_execute

SCHEDULE = settings.JOBS_SCHEDULE


def _run(task: str, context: JobContext | None):
    """`job_run` for a task run by a worker (context) or inline (None)."""
    job_id = context.job.id if context is not None and context.job is not None else None
    return job_run(task, job_id=job_id, in_worker=context is not None)


# --- Imports ------------------------------------------------------------------------------


@app.task(name="import_run", queue="imports", pass_context=True)
def import_run(context: JobContext | None, *, run_id: int) -> dict:
    """Import the rows of a prepared `ClientImport`; progress is committed with each
    chunk. Deferred with a lock per agency and file (jobs.queue.import_lock): two runs of
    one file never overlap. A worker that died mid-run leaves the job stalled; it is
    retried (`stalled_jobs_retry`) and goes on after the last committed chunk."""
    return import_execute(context, run_id=run_id)


def import_execute(
    context: JobContext | None,
    *,
    run_id: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """The import job's work, also run inline (no queue, `manage.py import_clients`)."""
    with _run("import_run", context) as record:
        record.summary = {"import_id": run_id}
        run = client_import_execute(run_id=run_id, progress=progress)
        record.summary.update(
            rows_total=run.rows_total,
            rows_imported=run.rows_imported,
            rows_with_remarks=run.rows_with_remarks,
            rows_skipped=run.rows_skipped,
            rows_rejected=run.rows_rejected,
            first_row=run.first_row,
        )
        return record.summary


# --- Scheduled ----------------------------------------------------------------------------

_REPORT_COUNTS = re.compile(
    r"(?P<records>\d+) records, (?P<pairs>\d+) pairs .*?\((?P<decided>\d+) already decided\)"
    r"; queue: (?P<new>\d+) new, (?P<updated>\d+) updated"
)


@app.periodic(cron=SCHEDULE["duplicate_report"], periodic_id="nightly")
@app.task(name="duplicate_report", queue="scheduled", queueing_lock="duplicate_report",
          pass_context=True)  # fmt: skip
def duplicate_report(context: JobContext | None, timestamp: int = 0) -> dict:
    """The nightly duplicate report (`manage.py duplicate_report`): the supervisors'
    review queue gets the new pairs; the CSV goes to JOBS_DUPLICATE_REPORT_PATH."""
    with _run("duplicate_report", context) as record:
        errors = io.StringIO()
        call_command(
            "duplicate_report",
            output=settings.JOBS_DUPLICATE_REPORT_PATH,
            workers=settings.JOBS_DUPLICATE_REPORT_WORKERS,
            stdout=io.StringIO(),
            stderr=errors,
        )
        found = _REPORT_COUNTS.search(errors.getvalue())
        if found is None:
            raise JobError("duplicate_report printed no counts")
        record.summary = {key: int(value) for key, value in found.groupdict().items()}
        return record.summary


@app.periodic(cron=SCHEDULE["audit_chain_verify"], periodic_id="nightly")
@app.task(name="audit_chain_verify", queue="scheduled", queueing_lock="audit_chain_verify",
          pass_context=True)  # fmt: skip
def audit_chain_verify(context: JobContext | None, timestamp: int = 0) -> dict:
    """The audit chain walked and its anchored head checked (`verify_audit_chain`); a
    break fails the run, which alerts."""
    with _run("audit_chain_verify", context) as record:
        checked, broken = chain_verify()
        record.summary = {"events_checked": checked}
        if broken is not None:
            record.summary["broken_at_event"] = broken.event_id
            raise JobError(f"audit chain broken at event {broken.event_id}: {broken.reason}")
        return record.summary


_PURGED = re.compile(r"Purged (?P<purged>\d+) audit events")


@app.periodic(cron=SCHEDULE["audit_purge"], periodic_id="nightly")
@app.task(name="audit_purge", queue="purge", queueing_lock="audit_purge", pass_context=True)
def audit_purge(context: JobContext | None, timestamp: int = 0) -> dict:
    """Audit events past the retention (`AUDIT_RETENTION_DAYS`) deleted (`audit_purge`).
    Only the purge role may delete: the `purge` queue has its own worker with that role's
    DATABASE_URL; connected as another role the command refuses and the run fails."""
    with _run("audit_purge", context) as record:
        out = io.StringIO()
        call_command("audit_purge", days=settings.AUDIT_RETENTION_DAYS, stdout=out)
        found = _PURGED.search(out.getvalue())
        record.summary = {
            "retention_days": settings.AUDIT_RETENTION_DAYS,
            "purged": int(found["purged"]) if found else 0,
        }
        return record.summary


@app.periodic(cron=SCHEDULE["audit_anomaly_alerts"], periodic_id="hourly")
@app.task(name="audit_anomaly_alerts", queue="scheduled", queueing_lock="audit_anomaly_alerts",
          pass_context=True)  # fmt: skip
def audit_anomaly_alerts(context: JobContext | None, timestamp: int = 0) -> dict:
    """New anomaly flags of the audit log logged, mailed to the agencies' supervisors
    and recorded (`audit_anomaly_alerts`)."""
    with _run("audit_anomaly_alerts", context) as record:
        sent = anomaly_alerts_send()
        record.summary = {
            "flags": len(sent),
            "agencies": sorted({agency.pk for agency, _flag in sent if agency is not None}),
            "rules": sorted({flag.rule for _agency, flag in sent}),
        }
        return record.summary


@app.periodic(cron=SCHEDULE["audit_partitions"], periodic_id="nightly")
@app.task(name="audit_partitions", queue="scheduled", queueing_lock="audit_partitions",
          pass_context=True)  # fmt: skip
def audit_partitions(context: JobContext | None, timestamp: int = 0) -> dict:
    """The audit table's coming months created ahead (`audit_partitions`), daily so that a
    missed night changes nothing: events of a month without its partition would land in
    the default partition, which that month can then not be attached beside."""
    with _run("audit_partitions", context) as record:
        record.summary = {"created": ensure_audit_partitions(months_ahead=2)}
        return record.summary


@app.periodic(cron=SCHEDULE["stalled_jobs_retry"], periodic_id="housekeeping")
@app.task(name="stalled_jobs_retry", queue="scheduled", queueing_lock="stalled_jobs_retry",
          pass_context=True)  # fmt: skip
async def stalled_jobs_retry(context: JobContext, timestamp: int = 0) -> list[int]:
    """Jobs left running by a worker that stopped sending heartbeats (killed, machine
    gone) are put back in the queue (procrastinate's recipe); an import then goes on
    after its last committed chunk. Every five minutes: a JobRun only when it retried
    something (and the retried job writes its own when it runs again)."""
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.JOBS_STALLED_AFTER
    )
    for job in stalled:
        await context.app.job_manager.retry_job(job)
    retried = [job.id for job in stalled if job.id is not None]
    if retried:
        await sync_to_async(_recorded)(
            "stalled_jobs_retry",
            context,
            {"retried_jobs": retried, "tasks": sorted({job.task_name for job in stalled})},
        )
    return retried


@app.periodic(cron=SCHEDULE["jobs_cleanup"], periodic_id="daily")
@app.task(name="jobs_cleanup", queue="scheduled", queueing_lock="jobs_cleanup", pass_context=True)
async def jobs_cleanup(context: JobContext, timestamp: int = 0) -> None:
    """procrastinate keeps every finished job: those that succeeded go after
    JOBS_KEEP_DAYS (failed ones stay for a look; JobRun rows are kept regardless)."""
    await context.app.job_manager.delete_old_jobs(nb_hours=settings.JOBS_KEEP_DAYS * 24)
    await sync_to_async(_recorded)("jobs_cleanup", context, {"kept_days": settings.JOBS_KEEP_DAYS})


def _recorded(task: str, context: JobContext, summary: dict) -> None:
    """The JobRun of a housekeeping job whose work is done (it runs on the event loop)."""
    with _run(task, context) as record:
        record.summary = summary
