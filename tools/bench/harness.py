"""What the benchmark commands (`benchmark_access`, `benchmark_audit`,
`benchmark_duplicates`) share: the guard against writing into a real database, the
quantile they report, timed DDL, step logging and the server settings they print."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.core.management.base import CommandError
from django.db import connection

BENCH_MARKER = "bench"


def bench_database_required(rows: str, example: str) -> None:
    """Refuse unless this is PostgreSQL and the database's name says it is for benchmarks."""
    if connection.vendor != "postgresql":
        raise CommandError("The benchmark runs on PostgreSQL only.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = cursor.fetchone()[0]
    if BENCH_MARKER not in name.lower():
        raise CommandError(
            f"Refusing to write {rows} into database {name!r}: use a dedicated "
            f"database whose name contains {BENCH_MARKER!r} (e.g. {example})."
        )


def quantile(values: Sequence[float], q: float) -> float:
    """The nearest-rank quantile (no interpolation: a value that was really measured)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def execute_timed(statements: tuple[str, ...], write: Callable[[str], Any]) -> None:
    """Run DDL (index builds for a variant, and their undo), printing each one's time."""
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in statements:
            started = time.perf_counter()
            cursor.execute(statement)
            write(f"   {statement}  ({time.perf_counter() - started:.1f} s)")
        cursor.execute("RESET maintenance_work_mem")


def stepper(title: str, write: Callable[[str], Any], width: int = 60) -> Callable[[str], None]:
    """A logger for the steps of building a dataset: each step's time and the total."""
    started = last = time.perf_counter()

    def log(step: str) -> None:
        nonlocal last
        now = time.perf_counter()
        write(f"{title}: {step:<{width}} {now - last:6.1f} s  ({now - started:.1f} s)")
        last = now

    return log


def server_settings(names: list[str]) -> tuple[str, str]:
    """The PostgreSQL settings that shape the figures ("name=value, ...") and its version."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
            [names],
        )
        settings = ", ".join(f"{n}={s}{u or ''}" for n, s, u in cursor.fetchall())
        cursor.execute("SHOW server_version")
        return settings, cursor.fetchone()[0]
