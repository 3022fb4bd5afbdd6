"""A procrastinate worker run in the test process, against the real test database.

procrastinate's recommended way for integration tests: `app.run_worker(wait=False)` works
off the jobs waiting and returns. The worker reads committed rows through connections of
its own threads, so these tests use `django_db(transaction=True)`. procrastinate's tables
are not Django-managed (a test flush leaves them): they are emptied around each test.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from procrastinate.contrib.django import app

from tests.factories import UserFactory

QUEUE_TABLES = (
    "procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs, procrastinate_workers"
)


def _queue_empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {QUEUE_TABLES} RESTART IDENTITY CASCADE")


@pytest.fixture
def queue(transactional_db, settings) -> Iterator[None]:
    settings.JOBS_INLINE = False  # the default on PostgreSQL, said here for the reader
    _queue_empty()
    yield
    _queue_empty()


@pytest.fixture
def work_off(queue, monkeypatch) -> Callable[..., None]:
    """Run a worker until no job waits. The scheduler stays off: tests defer the
    periodic tasks themselves (the registry is checked in test_scheduled)."""
    monkeypatch.setattr(app.periodic_registry, "periodic_tasks", {})

    def run(**options) -> None:
        # In a thread of its own: the worker starts an event loop (asyncio.run), and on an
        # xdist worker that ran a browser test before, Playwright's loop still runs in
        # this thread.
        failures: list[BaseException] = []

        def work() -> None:
            # As `manage.py procrastinate worker` does: the worker talks to PostgreSQL
            # through psycopg's async pool (Django's connection hands JSON over as text).
            try:
                with app.replace_connector(app.connector.get_worker_connector()):
                    app.run_worker(
                        wait=False, install_signal_handlers=False, listen_notify=False, **options
                    )
            except BaseException as error:  # noqa: BLE001 - raised again in the test's thread
                failures.append(error)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        if failures:
            raise failures[0]

    return run


@pytest.fixture
def laf_admin(laf):
    return UserFactory(username="laf.admin", agency=laf, agency__role="agency_admin")


def jobs(**where: str) -> list[dict]:
    """procrastinate's rows, as the admin's job list shows them."""
    conditions = " AND ".join(f"{column} = %s" for column in where) or "TRUE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, task_name, status, lock, queueing_lock, queue_name, args::text "  # noqa: S608
            f"FROM procrastinate_jobs WHERE {conditions} ORDER BY id",
            list(where.values()),
        )
        columns = [column[0].removesuffix("::text") for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["args"] = json.loads(row["args"])
    return rows
