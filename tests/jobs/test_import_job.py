"""The CSV import as a background job: the upload answers at once with a result page that
shows the progress, a worker imports the file, the page then shows the result."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from clients.models import Client
from jobs import tasks
from jobs.models import JobRun
from jobs.queue import import_lock
from jobs.tasks import import_run
from tests.imports.files import csv_bytes, numbered, row, upload
from tests.jobs.conftest import jobs
from workflows.imports.models import ClientImport, ClientImportFile
from workflows.imports.services import client_import_execute, client_import_prepare

pytestmark = pytest.mark.django_db(transaction=True)

FILE = csv_bytes(*numbered(2500))


def progress_poll(client, run: ClientImport):
    return client.get(
        reverse("clients:client-import-detail", args=[run.pk]),
        {"progress": "1"},
        HTTP_HX_REQUEST="true",
    )


def test_an_upload_is_queued_and_its_page_shows_the_progress(client, laf_admin, queue):
    client.force_login(laf_admin)

    response = upload(client, FILE)

    run = ClientImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("clients:client-import-detail", args=[run.pk])
    assert (run.rows_total, run.rows_done, run.finished_at) == (2500, 0, None)
    assert Client.objects.count() == 0  # nothing imported in the request
    assert ClientImportFile.objects.filter(run=run).exists()
    [job] = jobs(task_name="import_run")
    assert job["status"] == "todo" and job["queue_name"] == "imports"
    assert job["args"] == {"run_id": run.pk}
    assert job["lock"] == job["queueing_lock"] == import_lock(run.agency_id, run.file_sha256)
    page = client.get(response.url).content.decode()
    assert 'data-status="in-progress"' in page and 'data-rows-total="2500"' in page
    assert 'hx-trigger="every 2s"' in page and "<progress" in page
    poll = progress_poll(client, run)
    assert poll.status_code == 200 and "HX-Refresh" not in poll
    assert 'data-rows-done="0"' in poll.content.decode()


def test_a_worker_imports_the_file_and_the_page_then_shows_the_result(client, laf_admin, work_off):
    client.force_login(laf_admin)
    upload(client, FILE)
    run = ClientImport.objects.get()

    work_off()

    run.refresh_from_db()
    assert run.finished_at is not None and run.stopped_at is None
    assert (run.rows_done, run.rows_imported) == (2500, 2500)
    assert Client.objects.filter(registered_by=laf_admin.membership.agency).count() == 2500
    assert not ClientImportFile.objects.filter(run=run).exists()  # the upload is gone
    assert jobs(task_name="import_run")[0]["status"] == "succeeded"
    record = JobRun.objects.get(task="import_run")
    assert record.status == JobRun.Status.OK and record.finished_at is not None
    assert record.summary["import_id"] == run.pk
    assert record.summary["rows_imported"] == 2500
    # The polling fragment tells the page to reload; the page shows the result.
    assert progress_poll(client, run)["HX-Refresh"] == "true"
    page = client.get(reverse("clients:client-import-detail", args=[run.pk])).content.decode()
    assert 'data-status="in-progress"' not in page
    assert '<dd class="col-sm-9" data-count="imported">2500</dd>' in page


def test_progress_is_committed_with_each_chunk(laf, laf_admin):
    run = client_import_prepare(agency=laf, actor=laf_admin, data=FILE, file_name="laf.csv")
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        # What another process (the page's poll) reads at this moment.
        stored = ClientImport.objects.get(pk=run.pk)
        seen.append((done, stored.rows_done))

    client_import_execute(run_id=run.pk, chunk_size=1000, progress=progress)

    assert seen == [(1000, 1000), (2000, 2000), (2500, 2500)]


def test_the_same_file_uploaded_again_while_it_waits_is_refused(client, laf_admin, queue):
    client.force_login(laf_admin)
    upload(client, FILE)

    again = upload(client, FILE)

    assert again.status_code == 200
    assert "gerade importiert" in again.content.decode() or again.context["form"].errors["file"]
    assert ClientImport.objects.count() == 1
    assert len(jobs(task_name="import_run")) == 1


def test_another_file_of_the_agency_is_queued_beside_it(client, laf_admin, queue):
    client.force_login(laf_admin)
    upload(client, FILE)
    upload(client, csv_bytes(*numbered(3, start=9000)))
    assert ClientImport.objects.count() == 2
    assert len(jobs(task_name="import_run")) == 2


def test_a_run_interrupted_without_a_trace_goes_on_after_its_last_committed_chunk(laf, laf_admin):
    """A worker killed mid-run: its job is retried (stalled_jobs_retry) and the same run
    goes on; rows without external_ref are not imported twice."""
    data = csv_bytes(*(row(given_names=f"Olena {i}") for i in range(2500)))
    run = client_import_prepare(agency=laf, actor=laf_admin, data=data, file_name="laf.csv")

    class Killed(BaseException):
        pass

    def kill_after_first_chunk(done: int, total: int) -> None:
        if done == 1000:
            raise Killed

    with pytest.raises(Killed):
        client_import_execute(run_id=run.pk, chunk_size=1000, progress=kill_after_first_chunk)
    # The process died here: nothing marked the run stopped, its file is still kept.
    ClientImport.objects.filter(pk=run.pk).update(stopped_at=None)
    ClientImportFile.objects.get_or_create(run_id=run.pk, defaults={"data": data})

    client_import_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.finished_at is not None and run.rows_imported == 2500
    assert Client.objects.count() == 2500


def test_a_run_whose_file_is_gone_fails_and_alerts(
    laf, laf_admin, work_off, settings, mailoutbox, caplog
):
    settings.ADMINS = [("Operator", "ops@example.org")]
    run = client_import_prepare(agency=laf, actor=laf_admin, data=FILE, file_name="laf.csv")
    ClientImportFile.objects.filter(run=run).delete()
    import_run.defer(run_id=run.pk)

    with caplog.at_level("ERROR", logger="portal.alerts"):
        work_off()

    record = JobRun.objects.get(task="import_run")
    assert record.status == JobRun.Status.FAILED
    assert record.error_class.endswith("ImportFileError")
    assert "nicht mehr aufbewahrt" in record.error_message  # German, the default
    assert jobs(task_name="import_run")[0]["status"] == "failed"
    [mail] = mailoutbox
    assert mail.to == ["ops@example.org"] and "import_run" in mail.subject
    assert f"Job run: {record.pk}" in mail.body
    assert any(
        f"run {record.pk}" in message and "import_run" in message for message in caplog.messages
    )
    run.refresh_from_db()
    assert run.stopped_at is not None  # its page stops waiting


def test_the_command_hands_the_file_to_the_queue_with_enqueue(laf, laf_admin, work_off, tmp_path):
    path = tmp_path / "laf.csv"
    path.write_bytes(csv_bytes(*numbered(5)))
    out = io.StringIO()

    call_command(
        "import_clients", str(path), agency="laf", user="laf.admin", enqueue=True, stdout=out
    )

    run = ClientImport.objects.get()
    assert f"Import {run.pk} queued: 5 rows" in out.getvalue()
    assert run.finished_at is None and Client.objects.count() == 0
    with pytest.raises(CommandError, match="gerade importiert"):
        call_command("import_clients", str(path), agency="laf", enqueue=True, stdout=out)
    work_off()
    run.refresh_from_db()
    assert run.finished_at is not None and run.rows_imported == 5


def test_the_command_imports_in_its_own_process_with_a_progress_line(
    laf, laf_admin, queue, tmp_path, capsys
):
    path = tmp_path / "laf.csv"
    path.write_bytes(FILE)

    call_command("import_clients", str(path), agency="laf", user="laf.admin")

    run = ClientImport.objects.get()
    assert run.finished_at is not None and run.rows_imported == 2500
    assert "2,500/2,500 rows 100%" in capsys.readouterr().err
    assert JobRun.objects.get(task="import_run").summary["rows_imported"] == 2500
    assert jobs() == []  # nothing went through the queue


def test_the_job_of_a_killed_worker_is_retried_and_its_import_goes_on(laf, laf_admin, work_off):
    data = csv_bytes(*(row(given_names=f"Olena {i}") for i in range(2500)))
    run = client_import_prepare(agency=laf, actor=laf_admin, data=data, file_name="laf.csv")
    import_run.configure(lock=import_lock(laf.pk, run.file_sha256)).defer(run_id=run.pk)
    with pytest.raises(KeyboardInterrupt):  # the worker's process dies after one chunk
        client_import_execute(run_id=run.pk, progress=_die_after_first_chunk)
    ClientImport.objects.filter(pk=run.pk).update(stopped_at=None)  # nothing said so
    ClientImportFile.objects.get_or_create(run_id=run.pk, defaults={"data": data})
    with connection.cursor() as cursor:  # its job: running, on no living worker
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing', worker_id = NULL")
    tasks.stalled_jobs_retry.defer(timestamp=0)

    work_off()

    run.refresh_from_db()
    assert run.finished_at is not None and run.first_row == 2
    assert run.rows_imported == 2500 and Client.objects.count() == 2500  # none twice
    [retry] = JobRun.objects.filter(task="stalled_jobs_retry")
    assert retry.summary == {"retried_jobs": [jobs(task_name="import_run")[0]["id"]],
                             "tasks": ["import_run"]}  # fmt: skip
    assert JobRun.objects.get(task="import_run").status == JobRun.Status.OK


def _die_after_first_chunk(done: int, total: int) -> None:
    if done == 1000:
        raise KeyboardInterrupt
