"""Client import from CSV: the chunked bulk import of a file read by `parsing`.

Rows are written in chunks of `CHUNK_SIZE` rows, each chunk in its own transaction with
its history rows, documents, permission rows, blocking keys, import remarks and audit
events: a crash loses at most the chunk being written, and a rerun continues because
rows whose `external_ref` the agency already holds are skipped. Each row becomes its
own record; nothing is merged. A row is rejected only when it cannot describe a person
(see `parsing`); a value the record cannot take becomes an import remark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.rows import access_grant_owner_bulk
from agencies.models import Agency
from audit.models import AuditEvent
from audit.services import audit_buffer, audit_record
from clients.models import Client
from clients.reference import reference_code_new
from workflows.imports import writing
from workflows.imports.models import ClientImport, ImportRemark
from workflows.imports.parsing import (
    IMPORTED_FIELDS,
    ImportRow,
    read_rows,
    row_build,
    section_of_column,
)
from workflows.imports.values import REMARK_VALUE_MAX

CHUNK_SIZE = 1000


@dataclass
class _Chunk:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    skipped: int = 0  # already held before the chunk was validated


def client_import_run(
    *,
    agency: Agency,
    actor,
    data: bytes,
    file_name: str,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> ClientImport:
    """Import the CSV `data` for `agency`; return the recorded run.

    Deliberately not one transaction: each chunk commits on its own (see module doc).
    Raises `parsing.ImportFileError`, with nothing written, if the file cannot be read.
    """
    source = read_rows(data)
    total, rows = source.total, source.rows
    # Every write here commits in its own transaction with its audit events, also when
    # the caller (the upload view, a command) runs without one.
    with transaction.atomic(), audit_buffer():
        run = ClientImport.objects.create(
            agency=agency,
            started_by=_user(actor),
            file_name=file_name[:255],
            encoding=source.encoding,
            rows_total=total,
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=run,
            fields=["file_name", "rows_total"],
        )
    seen_refs: dict[str, int] = {}
    statistics = writing.Statistics()
    done = 0
    while batch := list(islice(rows, chunk_size)):
        # Rows the agency already holds are skipped unchecked: a rerun is quick. The check
        # that counts is repeated under lock when the chunk is written.
        refs = [values.get("external_ref", "") for _number, values in batch]
        held = set(
            Client.objects.filter(
                registered_by=agency, external_ref__in=[r for r in refs if r]
            ).values_list("external_ref", flat=True)
        )
        chunk = _Chunk()
        for (number, values), ref in zip(batch, refs, strict=True):
            if ref and ref in seen_refs:
                chunk.errors.append(
                    {
                        "row": number,
                        "errors": [
                            "external_ref: "
                            + _("appears more than once in this file (first in row %(row)d).")
                            % {"row": seen_refs[ref]}
                        ],
                    }
                )
                continue
            if ref:
                seen_refs[ref] = number
            if ref in held:
                chunk.skipped += 1
                continue
            result = row_build(values, agency=agency)
            if isinstance(result, list):
                chunk.errors.append({"row": number, "errors": result})
            else:
                result.number = number
                chunk.rows.append(result)
        _chunk_write(run=run, chunk=chunk, agency=agency, actor=actor)
        statistics.written_rows(len(chunk.rows))
        done += len(batch)
        if progress:
            progress(done, total)
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    return run


def _chunk_write(*, run: ClientImport, chunk: _Chunk, agency: Agency, actor) -> None:
    """Write one chunk: all of it with its run counts and audit events, or nothing."""
    with transaction.atomic(), audit_buffer():
        # Serialises imports into the same agency, so the external_ref check holds.
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        refs = [row.client.external_ref for row in chunk.rows if row.client.external_ref]
        existing = set(
            Client.objects.filter(registered_by=agency, external_ref__in=refs).values_list(
                "external_ref", flat=True
            )
        )
        new_rows = [row for row in chunk.rows if row.client.external_ref not in existing]
        clients = [row.client for row in new_rows]
        _reference_codes_unique(clients)
        documents = writing.records_write(
            clients=clients,
            documents=[(index, row.document) for index, row in enumerate(new_rows) if row.document],
            user=_user(actor),
            when=timezone.now(),
        )
        access_grant_owner_bulk(clients=clients, agency=agency)
        remarks = [
            ImportRemark(
                run_id=run.pk,
                client_id=row.client.pk,
                agency_id=agency.pk,
                row=row.number,
                column=remark.column,
                section=section_of_column(remark.column),
                reason=remark.reason,
                value=remark.value[:REMARK_VALUE_MAX],
            )
            for row in new_rows
            for remark in row.remarks
        ]
        writing.objects_insert(ImportRemark, remarks)
        ids = [client.pk for client in clients]
        if ids:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                object_type="clients.client",
                object_ids=ids,
                fields=IMPORTED_FIELDS,
            )
        if documents:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                object_type="clients.identitydocument",
                object_ids=[document.pk for document in documents],
                fields=["doc_type", "number", "issuing_country"],
            )
        run.rows_imported += len(clients)
        run.rows_with_remarks += sum(1 for row in new_rows if row.remarks)
        run.rows_skipped += chunk.skipped + len(chunk.rows) - len(new_rows)
        run.row_errors = [*run.row_errors, *chunk.errors]
        run.save(update_fields=["rows_imported", "rows_with_remarks", "rows_skipped", "row_errors"])


def _reference_codes_unique(clients: list[Client]) -> None:
    """Random 50-bit codes practically never collide; if one does, draw again."""
    while True:
        codes = [client.reference_code for client in clients]
        taken = set(
            Client.objects.filter(reference_code__in=codes).values_list("reference_code", flat=True)
        )
        repeated = len(codes) != len(set(codes))
        if not taken and not repeated:
            return
        seen: set[str] = set()
        for client in clients:
            if client.reference_code in taken or client.reference_code in seen:
                client.reference_code = reference_code_new()
            seen.add(client.reference_code)


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None
