"""Every job run leaves a `JobRun` row, and a failure alerts: a line on `portal.alerts`
(ids only, for the operator's monitoring) and a mail to the site admins (`ADMINS`).

Error messages are personal-data free only where the portal wrote them itself (the
classes in `SAFE_MESSAGES`); of any other error (a database error quotes the values of
the row it refused) only the class is kept, here and in the alert.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.mail import mail_admins
from django.core.management.base import CommandError
from django.db import close_old_connections, connections
from django.utils import timezone

from jobs.models import JobRun
from workflows.imports.parsing import ImportFileError

alerts = logging.getLogger("portal.alerts")
logger = logging.getLogger(__name__)


class JobError(Exception):
    """A job's own refusal, with a message that names ids and counts only."""


SAFE_MESSAGES = (JobError, ImportFileError, CommandError)


@contextmanager
def job_run(task: str, *, job_id: int | None = None, in_worker: bool = False) -> Iterator[JobRun]:
    """Record a run of `task`: the body fills `run.summary`; an exception marks the run
    failed, alerts, and goes on to the caller (procrastinate then marks the job failed).
    `in_worker`: a worker's thread, whose database connection is closed afterwards (no
    request cycle closes it there)."""
    if in_worker:
        close_old_connections()
    try:
        run = JobRun.objects.create(task=task, job_id=job_id, started_at=timezone.now())
        try:
            yield run
        except BaseException as error:
            job_run_failed(run, error)
            raise
        run.status = JobRun.Status.OK
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at", "summary"])
        logger.info("job %s (run %s, job %s) ok: %s", task, run.pk, job_id, run.summary)
    finally:
        if in_worker:
            connections.close_all()


def job_run_failed(run: JobRun, error: BaseException) -> None:
    run.status = JobRun.Status.FAILED
    run.finished_at = timezone.now()
    run.error_class = f"{type(error).__module__}.{type(error).__qualname__}"[:200]
    run.error_message = str(error)[:2000] if isinstance(error, SAFE_MESSAGES) else ""
    try:
        run.save(update_fields=["status", "finished_at", "summary", "error_class", "error_message"])
    except Exception as save_error:  # the database may be what failed: still alert
        logger.warning("job run %s: outcome not saved (%s)", run.pk, type(save_error).__name__)
    alerts.error("job %s failed: run %s, job %s, %s", run.task, run.pk, run.job_id, run.error_class)
    summary = ", ".join(f"{key}={value}" for key, value in run.summary.items())
    mail_admins(
        f"Job {run.task} failed",
        f"The background job {run.task} failed.\n\n"
        f"Job run: {run.pk} (Django admin: Background jobs > Job runs)\n"
        f"procrastinate job: {run.job_id}\n"
        f"Started: {run.started_at:%Y-%m-%d %H:%M:%S %Z}\n"
        f"Error: {run.error_class}\n"
        f"{run.error_message}\n"
        f"Summary: {summary or '-'}\n\n"
        "The worker's log has the traceback (docs/operations.md, 'Background jobs').\n",
        fail_silently=True,
    )
