"""A run that stops keeps what it committed and says so; the same file uploaded again
continues after the last committed row (issue 11), also for rows without external_ref,
which nothing else would recognise as imported."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from clients.models import Client
from tests.imports.files import csv_bytes, numbered, row, upload
from workflows.imports import writing
from workflows.imports.models import ClientImport
from workflows.imports.services import client_import_run

pytestmark = pytest.mark.django_db

# 1,500 rows without external_ref: rows 2 to 1,501 of the file.
NO_REFS = csv_bytes(*(row(given_names=f"Olena {i}") for i in range(1500)))


@pytest.fixture
def stopped_run(laf, laf_admin, monkeypatch) -> ClientImport:
    """An upload that stopped in its second chunk (the server went away)."""
    original, calls = writing.match_keys_copy, []

    def crash_in_the_second_chunk(client_ids):
        calls.append(client_ids)
        if len(calls) == 2:
            raise RuntimeError("the database server went away")
        original(client_ids)

    monkeypatch.setattr(writing, "match_keys_copy", crash_in_the_second_chunk)
    with pytest.raises(RuntimeError):
        client_import_run(agency=laf, actor=laf_admin, data=NO_REFS, file_name="laf.csv")
    monkeypatch.setattr(writing, "match_keys_copy", original)
    return ClientImport.objects.get()


def test_a_stopped_run_keeps_its_first_chunk_and_records_how_far_it_got(stopped_run):
    assert stopped_run.finished_at is None
    assert stopped_run.rows_imported == Client.objects.count() == 1000
    assert (stopped_run.last_row, stopped_run.rows_total) == (1001, 1500)
    assert len(stopped_run.file_sha256) == 64


def test_the_result_page_of_a_stopped_run_says_what_was_imported(client, laf_admin, stopped_run):
    client.force_login(laf_admin)

    page = client.get(reverse("clients:client-import-detail", args=[stopped_run.pk]))

    html = page.content.decode()
    assert 'data-status="stopped"' in html
    assert "1001" in html and "1002" in html
    assert '<dd class="col-sm-9" data-count="imported">1000</dd>' in html


def test_the_same_file_uploaded_again_continues_after_the_last_committed_row(
    client, laf_admin, stopped_run
):
    client.force_login(laf_admin)

    response = upload(client, NO_REFS)

    again = ClientImport.objects.exclude(pk=stopped_run.pk).get()
    assert response.url == reverse("clients:client-import-detail", args=[again.pk])
    assert (again.continued_from, again.first_row, again.last_row) == (stopped_run, 1002, 1501)
    assert again.rows_imported == 500 and again.finished_at is not None
    assert Client.objects.count() == 1500  # not one row twice
    assert Client.history.count() == 1500
    html = client.get(response.url).content.decode()
    assert 'data-status="continued"' in html and 'data-status="stopped"' not in html
    assert "1001" in html and "1002" in html
    earlier = client.get(reverse("clients:client-import-detail", args=[stopped_run.pk]))
    assert 'data-status="continued-by"' in earlier.content.decode()


def test_the_command_continues_the_same_file_and_says_from_which_row(
    laf, laf_admin, stopped_run, tmp_path
):
    path = tmp_path / "laf.csv"
    path.write_bytes(NO_REFS)
    out = io.StringIO()

    call_command("import_clients", str(path), agency="laf", quiet_progress=True, stdout=out)

    assert f"processed by import {stopped_run.pk}" in out.getvalue()
    assert "continued from row 1002" in out.getvalue()
    assert "500 imported" in out.getvalue()
    assert Client.objects.count() == 1500


def test_a_changed_file_does_not_continue_a_stopped_run(laf, laf_admin, stopped_run):
    changed = NO_REFS + row(given_names="Taras").encode() + b"\n"

    again = client_import_run(agency=laf, actor=laf_admin, data=changed, file_name="laf.csv")

    assert (again.continued_from, again.first_row) == (None, 2)
    assert again.rows_imported == 1501


def test_a_finished_file_uploaded_again_is_read_from_the_start(laf, laf_admin):
    data = csv_bytes(*numbered(3))
    first = client_import_run(agency=laf, actor=laf_admin, data=data, file_name="a")

    again = client_import_run(agency=laf, actor=laf_admin, data=data, file_name="a")

    assert first.finished_at is not None
    assert (again.continued_from, again.first_row) == (None, 2)
    assert (again.rows_skipped, again.rows_imported) == (3, 0)


def test_a_row_the_database_refuses_is_rejected_and_the_run_goes_on(laf, laf_admin):
    # A rule of the database the import does not know (as a later migration might add).
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE clients_client ADD CONSTRAINT test_refuse_taras "
            "CHECK (given_names <> 'Taras')"
        )
    rows = [*numbered(1200), row(external_ref="T1", given_names="Taras"), *numbered(10, start=2000)]

    run = client_import_run(agency=laf, actor=laf_admin, data=csv_bytes(*rows), file_name="a")

    assert run.finished_at is not None
    assert run.rows_imported == Client.objects.count() == Client.history.count() == 1210
    assert run.rows_rejected == 1 and run.row_errors[0]["row"] == 1202
    assert "Taras" not in str(run.row_errors)
    assert not Client.objects.filter(external_ref="T1").exists()
    assert run.last_row == 1212
