"""manage.py benchmark_access: see tools.bench.access."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tools.bench import access
from tools.bench.harness import Output


class Command(BaseCommand):
    help = (
        "Benchmark search, hints, the intake check and record access with 1M synthetic "
        "clients (only on a PostgreSQL database whose name contains 'bench')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=1_000_000, help="clients in all")
        parser.add_argument(
            "--visible",
            type=int,
            default=100_000,
            help="clients registered by the measured agency (its whole-record rows)",
        )
        parser.add_argument("--agencies", type=int, default=10)
        parser.add_argument(
            "--grant-share",
            type=float,
            default=0.1,
            help="share of records handed over to one other agency (section grants)",
        )
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per case")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--rebuild", action="store_true", help="drop and build the data")
        parser.add_argument(
            "--candidates",
            action="store_true",
            help="also measure under candidate indexes (dropped again afterwards)",
        )
        parser.add_argument("--teardown", action="store_true", help="drop the synthetic data")

    def handle(self, *args, **options) -> None:
        if not options["teardown"] and (
            not 0 < options["visible"] < options["clients"] or options["agencies"] < 2
        ):
            raise CommandError("Need 0 < --visible < --clients and at least 2 agencies.")
        access.run(Output(self.stdout, self.style, options["verbosity"]), options)
