"""Hostile CSV files, generated (issue 11): random text and bytes, quotes, NULs, huge
fields, wrong delimiters and encodings. Whatever arrives, no exception but the file-level
refusal escapes, the page never answers 500, and each row is imported whole (record,
history row, permission rows, blocking keys) or not at all, as the run's counts say."""

from __future__ import annotations

import codecs
import csv

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from access.models import ClientGroupObjectPermission
from clients.models import Client, ClientMatchKey
from tests.imports.files import HEADER, upload
from workflows.imports.models import ClientImport, ImportRemark
from workflows.imports.parsing import COLUMNS, ImportFileError
from workflows.imports.services import client_import_run

pytestmark = pytest.mark.django_db

HOSTILE_CELLS = [
    "",
    "-",
    '"',
    '"Olena',
    'Ol"ena',
    "\x00",
    "Ol\x00ena",
    "\r",
    "\n",
    "\ufeff",
    "\u202e",
    "\ufdfa" * 150,
    "ß" * 200,
    "=cmd|' /C calc'!A0",
    "Шевченко",
    "????",
    "1985-02-31",
    "P1",
    "0049 (0) 30 1234567 / 0170 123",
    "passport",
]
NAMES = ["Shevchenko", "Müller", "Ahmadi", "Олена", "O'Brien", "Nguyễn", "Al-Hassan"]
cells = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(NAMES),
    st.text(max_size=40),
    st.sampled_from(HOSTILE_CELLS),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)
# Mostly rows of the right width, so that rows get as far as the database.
rows = st.lists(
    st.one_of(
        st.lists(cells, min_size=len(COLUMNS), max_size=len(COLUMNS)),
        st.lists(cells, max_size=len(COLUMNS) + 3),
    ),
    max_size=25,
)


@st.composite
def hostile_files(draw) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    right = HEADER.replace(",", delimiter)
    # Drawn integers lean to their bounds: a middle value is a rarer choice.
    header = draw(st.text(max_size=60)) if draw(st.integers(0, 7)) == 3 else right
    quoting = draw(st.sampled_from([True, False]))

    def line(values: list[str]) -> str:
        if quoting:
            values = ['"' + value.replace('"', '""') + '"' for value in values]
        return delimiter.join(values)

    # Good rows first, often: a NUL byte in the first 4 KiB refuses the file as not text.
    filler = [delimiter.join(["", "Shevchenko", "Olena", *[""] * 13])] * draw(
        st.sampled_from([0, 200])
    )
    lines = [*filler, *(line(values) for values in draw(rows))]
    if lines and draw(st.integers(0, 7)) == 3:  # a field over the csv module's limit
        lines[draw(st.integers(0, len(lines) - 1))] += "x" * (csv.field_size_limit() + 1)
    text = "\n".join([header, *lines])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 5)) == 2:  # raw bytes somewhere: a broken encoding, a NUL, a BOM
        noise = draw(st.one_of(st.binary(max_size=30), st.just(codecs.BOM_UTF16_LE)))
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + noise + data[at:]
    return data


def _counts() -> tuple[int, int, int, int]:
    return (
        Client.objects.count(),
        Client.history.count(),
        ClientImport.objects.count(),
        ImportRemark.objects.count(),
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=hostile_files())
def test_a_hostile_file_imports_whole_rows_or_refuses_them(laf, laf_admin, data):
    before = _counts()
    last_pk = Client.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    try:
        run = client_import_run(agency=laf, actor=laf_admin, data=data, file_name="x.csv")
    except ImportFileError as refusal:
        event("file refused")
        assert str(refusal)
        assert _counts() == before  # refused before anything was written
        return

    event(f"rows imported: {min(run.rows_imported, 1)}, rejected: {min(run.rows_rejected, 1)}")
    new = Client.objects.filter(pk__gt=last_pk)
    clients, history, runs, remarks = _counts()
    assert run.finished_at is not None and runs == before[2] + 1
    assert new.count() == clients - before[0] == run.rows_imported
    assert history - before[1] == run.rows_imported  # one "+" history row a record
    assert run.rows_imported + run.rows_skipped + run.rows_rejected == run.rows_total
    assert len(run.row_errors) == min(run.rows_rejected, ClientImport.ROW_ERRORS_KEPT)
    ids = set(new.values_list("pk", flat=True))
    permitted = set(
        ClientGroupObjectPermission.objects.filter(content_object__in=ids).values_list(
            "content_object_id", flat=True
        )
    )
    assert permitted == ids
    assert (
        set(ClientMatchKey.objects.filter(client__in=ids).values_list("client_id", flat=True))
        == ids
    )
    remarked = ImportRemark.objects.filter(run=run).values_list("client_id", flat=True)
    assert set(remarked) <= ids and len(set(remarked)) == run.rows_with_remarks
    assert remarks - before[3] == ImportRemark.objects.filter(run=run).count()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=hostile_files())
def test_the_upload_page_never_answers_500(client, laf, laf_admin, data):
    client.force_login(laf_admin)

    response = upload(client, data)

    assert response.status_code in (200, 302)
