"""manage.py benchmark_duplicates: see tools.bench.duplicates."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from tools.bench import duplicates
from tools.bench.harness import Output


class Command(BaseCommand):
    help = "Benchmark the duplicate report (100k persons) and the intake check (1M records)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--report-persons", type=int, default=100_000)
        parser.add_argument("--clients", type=int, default=1_000_000)
        parser.add_argument("--samples", type=int, default=300)
        parser.add_argument("--seed", type=int, default=5)
        parser.add_argument(
            "--skip-report",
            action="store_true",
            help="Only the intake latency part (on the records an earlier run loaded).",
        )
        parser.add_argument("--teardown", action="store_true", help="drop the synthetic data")

    def handle(self, *args, **options) -> None:
        duplicates.run(Output(self.stdout, self.style, options["verbosity"]), options)
