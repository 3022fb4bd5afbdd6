"""CSV files for the import tests: a row of the import format, a file of rows, an upload."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from workflows.imports.parsing import COLUMNS

HEADER = ",".join(COLUMNS)


def row(**values: str) -> str:
    merged = {"family_name": "Shevchenko", "given_names": "Olena", **values}
    return ",".join(merged.get(name, "") for name in COLUMNS)


def numbered(count: int, *, start: int = 1, **values: str) -> list[str]:
    """`count` good rows with the references P<start>, P<start+1>, ..."""
    return [row(external_ref=f"P{i}", **values) for i in range(start, start + count)]


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(client, data: bytes, name: str = "laf.csv"):
    return client.post(
        reverse("clients:client-import"),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )
