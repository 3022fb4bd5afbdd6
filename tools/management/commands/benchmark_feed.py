"""manage.py benchmark_feed: see tools.bench.feed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from tools.bench import feed
from tools.bench.harness import Output


class Command(BaseCommand):
    help = (
        "Benchmark the change feed (a page of 100 changes) on the records of this database, "
        "filling the change log with synthetic entries (only on a PostgreSQL database whose "
        "name contains 'bench')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--entries", type=int, default=2_000_000, help="change log entries in all"
        )
        parser.add_argument(
            "--grant-share",
            type=float,
            default=0.2,
            help="share of active grants that get a synthetic 'grant started' entry",
        )
        parser.add_argument(
            "--small", type=int, default=500, help="records handed to the small synthetic NGO"
        )
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per case")
        parser.add_argument(
            "--teardown", action="store_true", help="delete the synthetic change entries"
        )

    def handle(self, *args, **options) -> None:
        feed.run(Output(self.stdout, self.style, options["verbosity"]), options)
