"""Import clients from a CSV file into one agency (see workflows.imports.parsing for the
format): in this process with a progress line, or, with --enqueue, by the job queue."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from agencies.models import Agency, Membership, User
from jobs.queue import enqueue_import
from jobs.tasks import import_execute
from workflows.imports.models import ClientImport
from workflows.imports.parsing import COLUMNS, ImportFileError
from workflows.imports.remarks import rows_with_remarks
from workflows.imports.services import client_import_prepare

ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import clients from a CSV file (UTF-8, Windows-1252 or UTF-16; comma, semicolon or "
        "tab; header row: "
        + ",".join(COLUMNS)
        + "). Every row becomes its own record of the agency. Rows whose external_ref the "
        "agency already holds are skipped, so a rerun continues an interrupted import; rows "
        "without external_ref are imported on every run. Rows that cannot describe a person "
        "(no family name) are rejected; a value the record cannot take is left out and kept "
        "as a remark on the record. Both are reported by row number (the header is row 1) "
        "and column, never with the value. If a run stops, what it wrote stays; running the "
        "command again with the same file continues after the last row that run committed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="slug of the owning agency")
        parser.add_argument(
            "--user", help="username of an admin of that agency, named in history and audit"
        )
        parser.add_argument("--quiet-progress", action="store_true", help="no progress line")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the import to the job queue (a worker runs it) and return at once",
        )

    def handle(self, *args, file: Path, agency: str, user: str | None, **options) -> None:
        owner = Agency.objects.filter(slug=agency, is_active=True).first()
        if owner is None:
            raise CommandError(f"No active agency with the slug {agency!r}.")
        actor = None
        if user:
            actor = User.objects.filter(
                username=user,
                membership__agency=owner,
                membership__role=Membership.Role.AGENCY_ADMIN,
            ).first()
            if actor is None:
                raise CommandError(f"{user!r} is not an admin of {agency!r}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        if options["enqueue"]:
            self._enqueue(owner=owner, actor=actor, data=data, file_name=file.name)
            return
        started = time.monotonic()
        progress = None if options["quiet_progress"] else _Progress(started)
        try:
            run = client_import_prepare(agency=owner, actor=actor, data=data, file_name=file.name)
            import_execute(None, run_id=run.pk, progress=progress)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        run = ClientImport.objects.get(pk=run.pk)
        if progress:
            sys.stderr.write("\n")
        seconds = time.monotonic() - started
        if run.continued_from_id:
            self.stdout.write(
                f"Rows 2-{run.first_row - 1} were processed by import {run.continued_from_id}, "
                f"which stopped; this run continued from row {run.first_row}."
            )
        for entry in run.row_errors[:ERRORS_SHOWN]:
            self.stdout.write(f"row {entry['row']}: rejected: " + "; ".join(entry["errors"]))
        if run.rows_rejected > ERRORS_SHOWN:
            self.stdout.write(
                f"... {run.rows_rejected - ERRORS_SHOWN} more bad rows, see import {run.pk}"
            )
        if options["verbosity"] > 1:
            for entry in rows_with_remarks(run, limit=ERRORS_SHOWN):
                self.stdout.write(f"row {entry['row']}: remark: " + "; ".join(entry["remarks"]))
        self.stdout.write(
            self.style.SUCCESS(
                f"Import {run.pk} ({run.encoding}): {run.rows_total} rows, "
                f"{run.rows_imported} imported ({run.rows_with_remarks} of them with remarks), "
                f"{run.rows_skipped} skipped (already imported), {run.rows_rejected} rejected "
                f"in {seconds:.1f} s ({run.rows_total / max(seconds, 0.001):.0f} rows/s)."
            )
        )

    def _enqueue(self, *, owner: Agency, actor, data: bytes, file_name: str) -> None:
        try:
            run = enqueue_import(agency=owner, actor=actor, data=data, file_name=file_name)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        if run.finished_at is not None:  # no queue (JOBS_INLINE): it ran here
            self.stdout.write(f"Import {run.pk} ran here (no job queue): {run.rows_total} rows.")
            return
        self.stdout.write(
            f"Import {run.pk} queued: {run.rows_total} rows from row {run.first_row}. A worker "
            f"runs it; its result page: {reverse('clients:client-import-detail', args=[run.pk])}"
        )


class _Progress:
    """One line on stderr, rewritten: rows done, share, rate and time left (plain text:
    tqdm is a developer tool only)."""

    def __init__(self, started: float) -> None:
        self.started = started

    def __call__(self, done: int, total: int) -> None:
        elapsed = max(time.monotonic() - self.started, 0.001)
        rate = done / elapsed
        left = (total - done) / rate if rate else 0
        share = done / total if total else 1
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\r[{bar:<30}] {done:>9,}/{total:,} rows {share:4.0%}  {rate:6.0f} rows/s  "
            f"{left:4.0f} s left"
        )
        sys.stderr.flush()
