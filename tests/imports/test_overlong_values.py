"""Values longer than their column once folded for the search name (issue 11): a family
name becomes a rejection, an optional name a remark; never a DataError after 1,000 rows
were committed."""

from __future__ import annotations

import pytest

from clients.models import Client
from tests.imports.files import csv_bytes, numbered, row, upload
from workflows.imports.models import ClientImport, ImportRemark
from workflows.imports.services import client_import_run

pytestmark = pytest.mark.django_db

# One character, written out in 18 when folded (NFKD): 150 of them fold to 2,700.
LIGATURE = "\ufdfa"


def test_a_family_name_that_outgrows_its_column_when_folded_rejects_only_its_row(
    client, laf, laf_admin
):
    rows = [
        *numbered(1500),
        row(external_ref="P1501", family_name=LIGATURE * 150),
        *numbered(98, start=1502),
    ]
    client.force_login(laf_admin)

    response = upload(client, csv_bytes(*rows))

    run = ClientImport.objects.get()
    assert response.status_code == 302
    assert run.finished_at is not None
    assert run.rows_imported == Client.objects.count() == 1598
    assert run.rows_rejected == 1
    assert run.row_errors[0]["row"] == 1502
    assert run.row_errors[0]["errors"][0].startswith("family_name: ")
    assert LIGATURE not in str(run.row_errors)


def test_optional_names_that_outgrow_their_column_when_folded_become_remarks(laf, laf_admin):
    data = csv_bytes(
        row(
            external_ref="P1",
            given_names=LIGATURE * 150,
            family_name_original=LIGATURE * 150,
            given_names_original=LIGATURE * 100,
        )
    )

    run = client_import_run(agency=laf, actor=laf_admin, data=data, file_name="a")

    person = Client.objects.get()
    assert run.rows_imported == run.rows_with_remarks == 1
    assert (person.given_names, person.family_name_original, person.given_names_original) == (
        "",
        "",
        "",
    )
    assert set(ImportRemark.objects.values_list("column", "reason")) == {
        ("given_names", "too_long"),
        ("family_name_original", "too_long"),
        ("given_names_original", "too_long"),
    }
    assert len(person.search_name) <= Client._meta.get_field("search_name").max_length
