"""manage.py benchmark_audit: see tools.bench.audit."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tools.bench import audit
from tools.bench.audit_data import AGENCY_WEIGHTS
from tools.bench.audit_events import HOT_CLIENTS
from tools.bench.harness import Output


class Command(BaseCommand):
    help = (
        "Benchmark the audit review, 'who saw this record', anomalies and the hash chain "
        "with 10M synthetic events (only on a PostgreSQL database whose name contains 'bench')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=10_000_000, help="synthetic events")
        parser.add_argument("--agencies", type=int, default=len(AGENCY_WEIGHTS))
        parser.add_argument("--users", type=int, default=2_000, help="staff in all agencies")
        parser.add_argument(
            "--clients", type=int, default=1_000_000, help="records the events are about"
        )
        parser.add_argument("--days", type=int, default=365, help="time span of the events")
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per case")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--append-events", type=int, default=5_000, help="events appended as requests do"
        )
        parser.add_argument(
            "--chain-events", type=int, default=200_000, help="real chain for chain_verify"
        )
        parser.add_argument("--rebuild", action="store_true", help="drop and build the data")
        parser.add_argument(
            "--skip-candidates", action="store_true", help="no runs under candidate indexes"
        )
        parser.add_argument("--skip-chain", action="store_true")
        parser.add_argument("--teardown", action="store_true", help="drop the synthetic data")

    def handle(self, *args, **options) -> None:
        if not options["teardown"]:
            if not 2 <= options["agencies"] <= len(AGENCY_WEIGHTS):
                raise CommandError(f"--agencies must lie between 2 and {len(AGENCY_WEIGHTS)}.")
            if options["users"] < 10 * options["agencies"]:
                raise CommandError("Need at least 10 staff per agency.")
            if options["clients"] < 4 * HOT_CLIENTS:
                raise CommandError(f"Need at least {4 * HOT_CLIENTS:,} clients.")
        audit.run(Output(self.stdout, self.style, options["verbosity"]), options)
