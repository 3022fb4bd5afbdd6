"""What the benchmark commands (`benchmark_access`, `benchmark_audit`,
`benchmark_duplicates`) share: the guard against writing into a real database, and
the quantile they report."""

from __future__ import annotations

import math
from collections.abc import Sequence

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
