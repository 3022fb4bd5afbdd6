"""Every probable duplicate pair across the whole database, as CSV and on the review queue.

    python manage.py duplicate_report --output pairs.csv
    python manage.py duplicate_report --output pairs.csv --threshold 0.7 --no-queue

One line per pair: client_a,client_b,external_ref_a,external_ref_b,score,reasons (reason
codes of core.identity.score, separated by "|"). Ids and external references only:
the file holds no names. Pairs a supervisor decided ("not the same person", merged) are
left out. Blocking keeps the work sub-quadratic; scoring uses every core.
"""

from __future__ import annotations

import csv
import time

from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_record
from clients import selectors
from core.csv import safe_cell
from core.identity.pairs import find_pairs
from core.identity.score import DEFAULT_THRESHOLD
from workflows.duplicates import services
from workflows.duplicates.models import DuplicatePair

HEADER = ["client_a", "client_b", "external_ref_a", "external_ref_b", "score", "reasons"]


class Command(BaseCommand):
    help = "Write every probable duplicate pair to a CSV file and the supervisors' queue."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="CSV file to write ('-': stdout).")
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD,
            help=f"Lowest score reported (default {DEFAULT_THRESHOLD}, the review threshold).",
        )
        parser.add_argument(
            "--no-queue", action="store_true", help="Only write the file; leave the queue."
        )
        parser.add_argument("--workers", type=int, default=None, help="Default: all cores.")

    def handle(self, *args, output, threshold, no_queue, workers, **options):
        if not 0 < threshold <= 1:
            raise CommandError("--threshold must lie between 0 and 1.")
        started = time.perf_counter()
        records = selectors.match_records_all()
        loaded = time.perf_counter()
        found = find_pairs(records, threshold=threshold, workers=workers)
        matched = time.perf_counter()

        decided = set(
            DuplicatePair.objects.exclude(status=DuplicatePair.Status.OPEN).values_list(
                "client_a_id", "client_b_id"
            )
        )
        rows = []
        for i, j, match in found:
            a, b = sorted((records[i], records[j]), key=lambda record: record.id)
            if (a.id, b.id) not in decided:
                rows.append((a, b, match))

        handle = self.stdout if output == "-" else open(output, "w", newline="", encoding="utf-8")  # noqa: SIM115
        try:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            for a, b, match in rows:
                writer.writerow(
                    [a.id, b.id, safe_cell(a.external_ref), safe_cell(b.external_ref),
                     f"{match.score:.4f}", "|".join(match.reasons)]
                )  # fmt: skip
        finally:
            if handle is not self.stdout:
                handle.close()

        new = refreshed = 0
        if not no_queue:
            new, refreshed = services.duplicate_pairs_queue(
                pairs=[(a.id, b.id, match) for a, b, match in rows]
            )
        audit_record(
            actor=None,
            action="export",
            object_type="clients.client",
            fields=["duplicate_report"],
        )
        self.stderr.write(
            f"{len(records)} records, {len(rows)} pairs at score >= {threshold} "
            f"({len(found) - len(rows)} already decided); queue: {new} new, {refreshed} updated\n"
            f"load {loaded - started:.1f} s, match {matched - loaded:.1f} s, "
            f"total {time.perf_counter() - started:.1f} s"
        )
