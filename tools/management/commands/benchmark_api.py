"""manage.py benchmark_api: see tools.bench.api."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from tools.bench import api
from tools.bench.harness import Output


class Command(BaseCommand):
    help = (
        "Benchmark the API as an agency system uses it (one record, a page of the change "
        "feed) with whole requests, on a PostgreSQL database whose name contains 'bench'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=200, help="timed runs per case")
        parser.add_argument(
            "--sample", type=int, default=500, help="records shared with the agency to read"
        )

    def handle(self, *args, **options) -> None:
        api.run(Output(self.stdout, self.style, options["verbosity"]), options)
