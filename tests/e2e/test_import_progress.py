"""In the browser (issue 13): LAF's admin uploads a CSV through the upload form's button;
the import waits for a worker, its result page shows a progress bar; a real worker
process (`manage.py procrastinate worker`, as `make worker` runs it) imports the file and
the page, polling, turns into the result without anyone reloading it.

Found by ids and data attributes, not by translated text."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.imports.files import csv_bytes, numbered
from workflows.imports.models import ClientImport

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ROWS = 2500  # three chunks


@pytest.fixture
def queue_tables_emptied() -> Iterator[None]:
    """procrastinate's tables are not emptied by the test flush."""
    empty = (
        "TRUNCATE procrastinate_periodic_defers, procrastinate_events, procrastinate_jobs, "
        "procrastinate_workers RESTART IDENTITY CASCADE"
    )
    with connection.cursor() as cursor:
        cursor.execute(empty)
    yield
    with connection.cursor() as cursor:
        cursor.execute(empty)


@pytest.fixture
def start_worker(settings) -> Iterator:
    """A worker process on the test database, started when the test asks for it."""
    settings.JOBS_INLINE = False  # the default on PostgreSQL
    started: list[subprocess.Popen] = []
    database = connection.settings_dict

    def start() -> None:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:"
            f"{database['PORT']}/{database['NAME']}",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        started.append(
            subprocess.Popen(  # noqa: S603 - our own manage.py
                [sys.executable, "manage.py", "procrastinate", "worker", "--queues=imports"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def test_an_upload_shows_its_progress_and_then_its_result(
    page_for, laf, password, queue_tables_emptied, start_worker, screenshot, assert_accessible
):
    UserFactory(username="laf.admin", password=password, agency=laf, agency__role="agency_admin")
    admin = page_for("laf.admin")
    admin.goto("/clients/import/")
    admin.locator("#id_file").set_input_files(
        files=[{"name": "laf.csv", "mimeType": "text/csv", "buffer": csv_bytes(*numbered(ROWS))}]
    )
    admin.locator("main form[method=post] button[type=submit]").click()

    expect(admin).to_have_url(re.compile(r"/clients/import/\d+/$"))
    progress = admin.locator("#import-progress")
    expect(progress).to_have_attribute("data-rows-total", str(ROWS))
    expect(progress).to_have_attribute("data-rows-done", "0")  # no worker yet
    expect(admin.locator("#import-progress-bar")).to_be_visible()
    assert_accessible(admin, "import-progress")
    screenshot(admin, "import-progress-waiting")

    start_worker()

    # The page polls and reloads itself once the run has finished.
    expect(admin.locator("[data-count=imported]")).to_have_text(str(ROWS), timeout=90_000)
    expect(admin.locator("#import-progress")).to_have_count(0)
    screenshot(admin, "import-progress-finished")
    run = ClientImport.objects.get()
    assert run.finished_at is not None and run.rows_done == ROWS
