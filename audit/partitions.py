"""The audit table's months (PostgreSQL; audit.0005, docs/scaling.md).

Each month of `occurred_at` (UTC) is a partition of its own; events of a month nobody
created land in the DEFAULT partition, so an append never fails for want of one, but a
month created later must not already have events there (the database function then
warns and leaves that month out). `ensure_audit_partitions` creates the coming months
ahead of time; schedule it at least monthly (`manage.py audit_partitions`). The creation
runs in a database function owned by the table's owner, so the application's role can
call it without owning the table. SQLite (the try-out database): nothing to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

TABLE = "audit_auditevent"
DEFAULT = f"{TABLE}_default"


@dataclass(frozen=True)
class Month:
    name: str
    start: dt.datetime | None  # None: the default partition
    end: dt.datetime | None


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
            [TABLE],
        )
        return cursor.fetchone()[0]


def ensure_audit_partitions(months_ahead: int = 2) -> list[str]:
    """Create the current month and `months_ahead` further ones where missing; return
    the names of the partitions created (none on SQLite)."""
    if months_ahead < 0:
        raise ValueError("months_ahead must not be negative")
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_partitions_ensure(%s)", [months_ahead])
        return [name for (name,) in cursor.fetchall()]


def audit_partitions() -> list[Month]:
    """The table's partitions, oldest month first, the default partition last."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        # Bounds come rendered in the session's zone: UTC, as Django sets it (USE_TZ).
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        rows = cursor.fetchall()
    months = [_month(name, bound) for name, bound in rows]
    latest = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(months, key=lambda m: (m.start is None, m.start or latest))


def months_before(cutoff: dt.datetime) -> list[Month]:
    """The months that ended at or before `cutoff` (candidates for a whole-month purge)."""
    return [m for m in audit_partitions() if m.end is not None and m.end <= cutoff]


def _month(name: str, bound: str) -> Month:
    if bound.strip().upper() == "DEFAULT":
        return Month(name, None, None)
    # FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')
    start, end = (part.split("'")[1] for part in bound.split(" TO "))
    return Month(name, _utc(start), _utc(end))


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("+00", "+00:00"))
