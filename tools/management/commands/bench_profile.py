"""manage.py bench_profile: see tools.bench.profile."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from tools.bench import profile
from tools.bench.harness import Output


class Command(BaseCommand):
    help = (
        "Per-request CPU budget on the bench database: N requests of each page in-process, "
        "split into middleware, SQL, view, template rendering and forms (ms)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=30, help="requests per page")
        parser.add_argument("--page", dest="pages", action="append", default=[])
        parser.add_argument(
            "--cprofile", type=int, default=0, help="print the N costliest functions per page"
        )
        parser.add_argument(
            "--sql", type=int, default=0, help="print each page's N slowest statements"
        )
        parser.add_argument(
            "--sort",
            choices=["cumulative", "tottime"],
            default="cumulative",
            help="order of --cprofile: with callees (cumulative) or own time (tottime)",
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options) -> None:
        profile.run(options, Output(self.stdout, self.style, options["verbosity"]))
