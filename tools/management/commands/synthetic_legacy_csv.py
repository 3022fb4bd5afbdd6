"""Write a synthetic legacy export of another agency's system (tools.synthetic.legacy):
our import columns, their problems (postcodes outside Berlin, odd phone formats,
documents without nationality, nationality spellings, empty mandatory fields, partial
and missing birth dates), optionally in Windows-1252 with semicolons as German Excel
saves it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from tools.synthetic.legacy import LEGACY_RATES, legacy_csv, legacy_export


class Command(BaseCommand):
    help = (
        "Write a seeded synthetic legacy export (one row per person, the problems of "
        "real exports at the rates of tools.synthetic.legacy.LEGACY_RATES)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=20_000)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument(
            "--encoding",
            choices=["utf-8", "utf-8-sig", "cp1252"],
            default="utf-8",
            help="cp1252: Windows-1252, letters it cannot hold become '?'",
        )
        parser.add_argument("--semicolon", action="store_true", help="semicolon-separated")

    def handle(self, *args, persons: int, output: Path, seed: int, **options) -> None:
        export = legacy_export(persons, seed=seed)
        output.write_bytes(
            legacy_csv(export, encoding=options["encoding"], semicolon=options["semicolon"])
        )
        problems = ", ".join(
            f"{kind} {count} ({count / persons:.1%})"
            for kind, count in export.problems.items()
            if kind in LEGACY_RATES
        )
        self.stdout.write(
            f"{len(export.rows)} rows for {persons} persons written to {output} "
            f"({options['encoding']}). Problems: {problems}."
        )
