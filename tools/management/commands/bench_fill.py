"""manage.py bench_fill: see tools.bench.fill."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from tools.bench import fill
from tools.bench.harness import Output


class Command(BaseCommand):
    help = (
        "Drop and rebuild a benchmark database (name containing 'bench') with the demo "
        "agencies, bench users, 1M clients and 10M chained audit events; --reuse keeps "
        "one of the requested size."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=1_000_000)
        parser.add_argument("--events", type=int, default=10_000_000)
        parser.add_argument("--days", type=int, default=365, help="days the events span")
        parser.add_argument(
            "--grant-share",
            type=float,
            default=0.1,
            help="share of records handed over to one other agency",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--reuse", action="store_true", help="keep the data if it has the requested size"
        )

    def handle(self, *args, **options) -> None:
        fill.fill(options, Output(self.stdout, self.style, options["verbosity"]))
