"""manage.py bench_load: see tools.bench.load.run."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandParser

from tools.bench.harness import Output
from tools.bench.load import run


class Command(BaseCommand):
    help = (
        "Load test: gunicorn with production settings on a free loopback port, locust "
        "headless for a bounded time; figures, CSVs and a PNG in tools/bench/reports/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--duration", type=int, default=180, help="seconds of load")
        parser.add_argument("--users", type=int, default=40, help="simulated staff")
        parser.add_argument("--spawn-rate", type=float, default=10, help="users started/s")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("GUNICORN_WORKERS", "5")),
            help="gunicorn workers (default: GUNICORN_WORKERS or 5)",
        )
        parser.add_argument("--port", type=int, default=0, help="default: a free port")
        parser.add_argument("--out", default="", help="report directory")
        parser.add_argument(
            "--floor",
            action="store_true",
            help="instead of the staff mix, every user asks /healthz without pause: what "
            "gunicorn, the middleware and locust alone allow on this machine",
        )

    def handle(self, *args, **options) -> None:
        run.run(options, Output(self.stdout, self.style, options["verbosity"]))
