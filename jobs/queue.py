"""What the pages and commands ask of the job queue.

On PostgreSQL a job is deferred to procrastinate (after the caller's transaction
commits) and a worker (`manage.py procrastinate worker`, `make worker`) runs it. Where
`settings.JOBS_INLINE` is set (the SQLite try-out, which has no queue) the same task
runs at once in the caller's process: the page works the same, synchronously.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _
from procrastinate.exceptions import AlreadyEnqueued

from agencies.models import Agency
from jobs import tasks
from workflows.imports.models import ClientImport
from workflows.imports.services import ImportBusy, client_import_prepare, client_import_stopped

logger = logging.getLogger(__name__)


def inline() -> bool:
    return settings.JOBS_INLINE


def import_lock(agency_id: int, digest: str) -> str:
    """One lock per agency and file: procrastinate runs one job per lock at a time and
    queues at most one waiting (its queueing lock)."""
    return f"import-{agency_id}-{digest}"


def enqueue_import(*, agency: Agency, actor, data: bytes, file_name: str) -> ClientImport:
    """Record an import of `data` and run it in the background (or inline); the run,
    whose result page shows the progress. Raises `ImportFileError` for a file that
    cannot be read and `ImportBusy` while the same file of the agency is being imported
    or waits to be."""
    lock = import_lock(agency.pk, hashlib.sha256(data).hexdigest())
    if not inline() and _job_active(lock):
        raise ImportBusy(_busy_message())
    run = client_import_prepare(agency=agency, actor=actor, data=data, file_name=file_name)
    if inline():
        tasks.import_execute(None, run_id=run.pk)
        run.refresh_from_db()
        return run
    transaction.on_commit(lambda: _import_defer(run.pk, lock))
    return run


def _import_defer(run_id: int, lock: str) -> None:
    try:
        tasks.import_run.configure(lock=lock, queueing_lock=lock).defer(run_id=run_id)
    except AlreadyEnqueued:
        # Two uploads of one file at the same moment, both past the check above: the
        # second run stops at once (its page says so) rather than wait behind the first.
        logger.info("import %s: the same file waits in the queue already", run_id)
        client_import_stopped(run_id=run_id)
    except Exception:
        # Not queued: the run's page must not wait for a job that does not exist.
        client_import_stopped(run_id=run_id)
        raise


def _busy_message() -> str:
    return _(
        "This file is being imported right now (it was uploaded again while its import "
        "waited or ran). Wait for that import to finish, then look at its result among "
        "the recent imports."
    )


def _job_active(lock: str) -> bool:
    """A job of this lock waits or runs (a stalled one counts until it is retried)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs "
            "WHERE lock = %s AND status IN ('todo', 'doing'))",
            [lock],
        )
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class QueueState:
    """What /readyz reports of the queue: its tables answer; seconds since the freshest
    worker heartbeat (None: no worker registered); jobs waiting."""

    reachable: bool
    heartbeat_age: float | None = None
    waiting: int = 0


def queue_state() -> QueueState:
    """One query on procrastinate's tables."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT EXTRACT(EPOCH FROM now() - MAX(last_heartbeat)) "
                "FROM procrastinate_workers), "
                # bounded: a long queue is counted up to 10,000
                "(SELECT count(*) FROM (SELECT 1 FROM procrastinate_jobs "
                "WHERE status = 'todo' LIMIT 10000) AS waiting)"
            )
            age, waiting = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("queue unavailable (%s)", type(error).__name__)
        return QueueState(reachable=False)
    return QueueState(
        reachable=True, heartbeat_age=float(age) if age is not None else None, waiting=waiting
    )
