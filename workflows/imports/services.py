"""Client import from CSV: the chunked bulk import of a file read by `parsing`.

Rows are written in chunks of `CHUNK_SIZE` rows, each chunk in its own transaction with
its history rows, documents, permission rows, blocking keys, import remarks and audit
events, and with the run's counts and its `last_row`: a crash loses at most the chunk
being written, and the run says how far it got. The same file (by SHA-256) uploaded
again continues the agency's unfinished run after its `last_row`; besides, rows whose
`external_ref` the agency already holds are skipped. A chunk the database refuses is
written again row by row, so a bad row is rejected instead of stopping every rerun at
the same place. Each row becomes its own record; nothing is merged. A row is rejected
only when it cannot describe a person (see `parsing`); a value the record cannot take
becomes an import remark. A run keeps the first `ClientImport.ROW_ERRORS_KEPT`
rejections and counts the rest: 100,000 bad rows make a small run quickly.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.rows import access_grant_owner_bulk
from agencies.models import Agency
from audit.models import AuditEvent
from audit.services import audit_buffer, audit_record
from clients.models import Client
from clients.reference import reference_code_new
from workflows.imports import writing
from workflows.imports.models import ClientImport, ClientImportFile, ImportRemark
from workflows.imports.parsing import (
    IMPORTED_FIELDS,
    ImportFileError,
    ImportRow,
    read_rows,
    row_build,
    section_of_column,
)
from workflows.imports.values import REMARK_VALUE_MAX

CHUNK_SIZE = 1000
logger = logging.getLogger(__name__)


@dataclass
class _Chunk:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    skipped: int = 0  # already held before the chunk was validated
    last_row: int = 0  # the file's row number of the chunk's last row
    rows_done: int = 0  # rows of the file read up to the chunk's end (the progress)


class ImportBusy(ImportFileError):
    """The same file is being continued by another run right now."""


def client_import_run(
    *,
    agency: Agency,
    actor,
    data: bytes,
    file_name: str,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> ClientImport:
    """Import the CSV `data` for `agency` in this process; return the recorded run.

    `client_import_prepare` then `client_import_execute` (a background job does the
    second step apart: jobs.tasks.import_run). Raises `parsing.ImportFileError`, with
    nothing written, if the file cannot be read.
    """
    run = client_import_prepare(agency=agency, actor=actor, data=data, file_name=file_name)
    return client_import_execute(
        run_id=run.pk, actor=actor, chunk_size=chunk_size, progress=progress
    )


def client_import_prepare(*, agency: Agency, actor, data: bytes, file_name: str) -> ClientImport:
    """Read the file far enough to count its rows, record the run and keep the file for
    `client_import_execute`. If the agency's last run of the same file (by SHA-256) did
    not finish, this run continues it after its last committed row. Raises
    `parsing.ImportFileError` (nothing written) for a file that cannot be read, and
    `ImportBusy` when another run is continuing that run already."""
    source = read_rows(data)
    return _run_start(
        agency=agency,
        actor=actor,
        digest=hashlib.sha256(data).hexdigest(),
        file_name=file_name,
        encoding=source.encoding,
        total=source.total,
        data=data,
    )


def client_import_execute(
    *,
    run_id: int,
    actor=None,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> ClientImport:
    """Import the rows of a prepared run; return the run.

    Deliberately not one transaction: each chunk commits on its own with the run's
    `last_row` and `rows_done` (see module doc). Run again after a crash (a job retried),
    it goes on after the last committed row of the same run. A run that raises is
    marked stopped; its file is deleted when it finishes or stops.
    """
    run = ClientImport.objects.select_related("agency", "started_by").get(pk=run_id)
    if run.finished_at is not None:
        return run
    if actor is None:
        actor = run.started_by
    try:
        upload = ClientImportFile.objects.filter(run=run).first()
        if upload is None:
            raise ImportFileError(
                _("The uploaded file is no longer kept. Upload the same file again to continue.")
            )
        _rows_import(run=run, actor=actor, data=bytes(upload.data), chunk_size=chunk_size,
                     progress=progress)  # fmt: skip
    except BaseException:
        client_import_stopped(run_id=run.pk)
        raise
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.stopped_at = None
        run.rows_done = run.rows_total
        run.save(update_fields=["finished_at", "stopped_at", "rows_done"])
        ClientImportFile.objects.filter(run=run).delete()
    return run


def _rows_import(
    *,
    run: ClientImport,
    actor,
    data: bytes,
    chunk_size: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    source = read_rows(data)
    total, rows = source.total, source.rows
    agency = run.agency
    # After its first row, or, run again, after the last row it committed.
    resume_at = max(run.first_row, run.last_row + 1)
    if run.stopped_at is not None:
        run.stopped_at = None
        run.save(update_fields=["stopped_at"])
    seen_refs: dict[str, int] = {}
    statistics = writing.Statistics()
    done = 0
    while batch := list(islice(rows, chunk_size)):
        done += len(batch)
        todo = [(number, values) for number, values in batch if number >= resume_at]
        for number, values in batch[: len(batch) - len(todo)]:  # done before this run
            if ref := values.get("external_ref", ""):
                seen_refs.setdefault(ref, number)
        if todo:
            chunk = _chunk_build(batch=todo, agency=agency, seen_refs=seen_refs)
            chunk.rows_done = done
            imported = run.rows_imported
            _chunk_commit(run=run, chunk=chunk, agency=agency, actor=actor)
            statistics.written_rows(run.rows_imported - imported)
        if progress:
            progress(done, total)


def client_import_stopped(*, run_id: int) -> None:
    """Mark a run that will not go on as stopped (its result page then says how far it
    got and that the same file uploaded again continues it) and delete its file. If the
    database itself is gone, this fails quietly: the caller's error is the one to tell."""
    try:
        with transaction.atomic():
            ClientImport.objects.filter(pk=run_id, finished_at__isnull=True).update(
                stopped_at=timezone.now()
            )
            ClientImportFile.objects.filter(run_id=run_id).delete()
    except DatabaseError as error:
        logger.warning("import %s: could not be marked stopped (%s)", run_id, type(error).__name__)


def _run_start(
    *,
    agency: Agency,
    actor,
    digest: str,
    file_name: str,
    encoding: str,
    total: int,
    data: bytes,
) -> ClientImport:
    """Record the run; it continues the agency's last unfinished run of the same file."""
    earlier = (
        ClientImport.objects.filter(
            agency=agency,
            file_sha256=digest,
            finished_at__isnull=True,
            continued_by__isnull=True,
        )
        .order_by("-pk")
        .first()
    )
    # Every write here commits in its own transaction with its audit events, also when
    # the caller (the upload view, a command) runs without one.
    try:
        with transaction.atomic(), audit_buffer():
            run = ClientImport.objects.create(
                agency=agency,
                started_by=_user(actor),
                file_name=file_name[:255],
                file_sha256=digest,
                encoding=encoding,
                rows_total=total,
                continued_from=earlier,
                first_row=earlier.last_row + 1 if earlier and earlier.last_row else 2,
            )
            ClientImportFile.objects.create(run=run, data=data)
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                obj=run,
                fields=["file_name", "rows_total", "continued_from"],
            )
    except IntegrityError:  # continued_from is unique: another upload took it over
        raise ImportBusy(
            _(
                "This file is being imported right now (it was uploaded again while the "
                "import ran). Wait for that import to finish, then look at its result."
            )
        ) from None
    return run


def _chunk_build(
    *, batch: list[tuple[int, dict[str, str]]], agency: Agency, seen_refs: dict[str, int]
) -> _Chunk:
    """Read the rows of one chunk: records to write, rejections, rows already held."""
    # Rows the agency already holds are skipped unchecked: a rerun is quick. The check
    # that counts is repeated under lock when the chunk is written.
    refs = [values.get("external_ref", "") for _number, values in batch]
    held = set(
        Client.objects.filter(
            registered_by=agency, external_ref__in=[r for r in refs if r]
        ).values_list("external_ref", flat=True)
    )
    chunk = _Chunk(last_row=batch[-1][0])
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
    return chunk


def _chunk_commit(*, run: ClientImport, chunk: _Chunk, agency: Agency, actor) -> None:
    """Write the chunk; if the database refuses it, write its rows one by one, so that
    the row it refuses is rejected and the run goes on (a rerun would stop at it again).
    Each attempt is one transaction: a refused one leaves nothing behind."""
    try:
        _chunk_write(run=run, chunk=chunk, agency=agency, actor=actor)
        return
    except _REFUSED as error:
        logger.warning(
            "import %s: chunk ending at row %s refused (%s), writing it row by row",
            run.pk,
            chunk.last_row,
            type(error).__name__,
        )
    run.refresh_from_db()
    rows, chunk.rows = chunk.rows, []
    for row in rows:
        try:
            _chunk_write(
                run=run, chunk=_Chunk(rows=[row], last_row=row.number), agency=agency, actor=actor
            )
        except _REFUSED as error:
            logger.warning(
                "import %s: row %s refused (%s)", run.pk, row.number, type(error).__name__
            )
            run.refresh_from_db()
            chunk.errors.append(
                {
                    "row": row.number,
                    "errors": [
                        "row: "
                        + _(
                            "the database refused a value of this row; nothing of the row "
                            "was saved."
                        )
                    ],
                }
            )
    chunk.errors.sort(key=lambda entry: entry["row"])
    _chunk_write(run=run, chunk=chunk, agency=agency, actor=actor)


# A value the database does not take (too long, a NUL character, a broken constraint):
# raised inside the chunk's transaction, which is rolled back whole.
_REFUSED = (DataError, IntegrityError, ValueError)


def _chunk_write(*, run: ClientImport, chunk: _Chunk, agency: Agency, actor) -> None:
    """Write one chunk: all of it with its run counts, its last row and audit events, or
    nothing."""
    with transaction.atomic(), audit_buffer():
        if chunk.rows:
            _records_write(run=run, chunk=chunk, agency=agency, actor=actor)
        rejected = len(chunk.errors)
        room = ClientImport.ROW_ERRORS_KEPT - len(run.row_errors)
        fields = ["rows_imported", "rows_with_remarks", "rows_skipped", "rows_rejected"]
        if rejected and room > 0:
            run.row_errors = [*run.row_errors, *chunk.errors[:room]]
            fields.append("row_errors")
        run.rows_rejected += rejected
        run.rows_skipped += chunk.skipped
        run.last_row = max(run.last_row, chunk.last_row)
        run.rows_done = max(run.rows_done, chunk.rows_done)
        run.save(update_fields=[*fields, "last_row", "rows_done"])


def _records_write(*, run: ClientImport, chunk: _Chunk, agency: Agency, actor) -> None:
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
    run.rows_skipped += len(chunk.rows) - len(new_rows)  # imported meanwhile by another run


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
