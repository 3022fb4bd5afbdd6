"""What the csv module cannot read, anywhere in the file (issue 11): a field over its
limit, a quotation mark that is not closed, a NUL byte after the first 4 KiB. Each is a
refusal of the file or of a row, named by row, never by value, and never a 500."""

from __future__ import annotations

import csv

import pytest
from django.urls import reverse

from clients.models import Client
from tests.imports.files import HEADER, csv_bytes, numbered, row, upload
from workflows.imports.models import ClientImport
from workflows.imports.parsing import ImportFileError
from workflows.imports.services import client_import_run

pytestmark = pytest.mark.django_db

HUGE = "Olena" * (csv.field_size_limit() // 5 + 1)  # over 128 KiB


def test_a_field_over_the_csv_limit_in_row_1502_refuses_the_file_naming_the_row(
    client, laf, laf_admin
):
    rows = [*numbered(1500), row(external_ref="P1501", given_names=HUGE), *numbered(5, start=2000)]
    client.force_login(laf_admin)

    response = upload(client, csv_bytes(*rows))

    assert response.status_code == 200
    page = response.content.decode()
    assert "1502" in page and "131,072" in page
    assert "OlenaOlena" not in page
    assert not Client.objects.exists() and not ClientImport.objects.exists()


def test_a_field_over_the_csv_limit_in_the_header_refuses_the_file(client, laf, laf_admin):
    client.force_login(laf_admin)

    response = upload(client, csv_bytes(row(), header=HEADER + "," + HUGE))

    assert response.status_code == 200
    assert "131,072" in response.content.decode()
    assert not Client.objects.exists()


def test_an_unclosed_quote_in_the_header_refuses_the_file(client, laf, laf_admin):
    client.force_login(laf_admin)

    response = upload(client, csv_bytes(row(), header='"' + HEADER + "\n" + HUGE))

    assert response.status_code == 200
    assert not Client.objects.exists()


def test_an_unclosed_quote_rejects_its_row_and_names_the_lines_it_swallowed(laf, laf_admin):
    rows = [*numbered(3), row(external_ref="P4", given_names='"Olena'), *numbered(3, start=5)]

    run = client_import_run(agency=laf, actor=laf_admin, data=csv_bytes(*rows), file_name="a")

    assert run.rows_imported == 3 and run.rows_rejected == 1
    (rejected,) = run.row_errors
    assert rejected["row"] == 5
    assert "5" in rejected["errors"][0] and "8" in rejected["errors"][0]  # lines 5 to 8
    assert "Olena" not in str(run.row_errors)
    assert run.finished_at is not None


def test_a_nul_byte_in_row_1501_is_dropped_and_every_row_imported(client, laf, laf_admin):
    rows = [
        *numbered(1499),
        row(external_ref="P1500", given_names="Ol\x00ena"),
        *numbered(99, start=1501),
    ]
    client.force_login(laf_admin)

    response = upload(client, csv_bytes(*rows))

    run = ClientImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("clients:client-import-detail", args=[run.pk])
    assert run.rows_imported == Client.objects.count() == 1599
    assert Client.objects.get(external_ref="P1500").given_names == "Olena"


def test_a_nul_byte_in_the_first_4_kib_refuses_the_file_as_not_text(laf, laf_admin):
    with pytest.raises(ImportFileError):
        client_import_run(
            agency=laf, actor=laf_admin, data=csv_bytes(row(given_names="\x00")), file_name="a"
        )

    assert not Client.objects.exists()
