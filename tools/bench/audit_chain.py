"""The hash chain at the head of the big audit table: audit_record + chain_append as
requests write events (throughput, per transaction, the ceiling the advisory lock sets),
the same without the indexes nothing reads, and chain_verify over a real chain built in a
schema of its own, plus the verification work over the big table."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import User
from audit import chain
from audit.models import AuditEvent
from audit.services import audit_buffer, audit_record
from tools.bench import audit_data
from tools.bench.audit_data import CHAIN_SCHEMA, Dataset
from tools.bench.audit_events import SECTION_SETS, TABLE
from tools.bench.harness import (
    TRANSACTION_CONTROL,
    Measurement,
    Output,
    execute_timed,
    whole_table_index,
)


def chain_measure(out: Output, data: Dataset, options: dict[str, Any]) -> None:
    out.heading("\n== Hash chain ==")
    staff = audit_data.staff_of(data.agency)
    rng = random.Random(options["seed"])  # noqa: S311 - reproducible synthetic events

    # 1. Appending as requests do, at the head of the big table; then again without the
    # indexes nothing reads (bench only, rebuilt right after).
    total = options["append_events"]
    rate, transactions, append = _append(staff, rng, total)
    out.write(
        f"audit_record + chain_append on the {data.meta['events']:,}-event table: {total:,} "
        f"events in {transactions:,} transactions of 1-3 (as requests): {rate:,.0f} events/s, "
        f"{append.result}; per transaction p50 {append.p50:.2f} ms, p95 {append.p95:.2f} ms, "
        f"max {append.max:.1f} ms; {append.queries} SQL for 2 events"
    )
    redundant = _redundant_indexes()
    if redundant:
        # Written down first: a run interrupted here rebuilds them when it starts again.
        audit_data.dropped_indexes_set([definition for _name, definition in redundant])
        execute_timed(tuple(f"DROP INDEX {name}" for name, _d in redundant), out.write)
        try:
            rate, transactions, append = _append(staff, rng, total)
        finally:
            execute_timed(tuple(definition for _name, definition in redundant), out.write)
            audit_data.dropped_indexes_set([])
        out.write(
            f"  the same without {', '.join(name for name, _d in redundant)}: "
            f"{rate:,.0f} events/s, {append.result}; p50 {append.p50:.2f} ms, p95 "
            f"{append.p95:.2f} ms, max {append.max:.1f} ms"
        )
    out.write(
        "  the advisory lock serialises appends from the head lookup to COMMIT, so this is "
        "also about the ceiling for audited requests per second across all workers."
    )

    # 2. A real chain in a table of its own: built by audit_record, then verified.
    count = options["chain_events"]
    with _chain_schema():
        started = time.perf_counter()
        for start in range(0, count, 1000):
            with transaction.atomic(), audit_buffer():
                for _ in range(min(1000, count - start)):
                    _event(rng, staff)
        elapsed = time.perf_counter() - started
        out.write(
            f"audit_record, appended in batches of 1,000 into an empty table ({CHAIN_SCHEMA}): "
            f"{count:,} events in {elapsed:.1f} s = {count / elapsed:,.0f} events/s"
        )
        rates = []
        for _ in range(3):
            started = time.perf_counter()
            checked, broken = chain.chain_verify()
            elapsed = time.perf_counter() - started
            if broken is not None or checked != count:
                raise CommandError(f"chain_verify: {checked} checked, broken: {broken}")
            rates.append(checked / elapsed)
        out.write(
            f"chain_verify over the real chain of {count:,} events: "
            + ", ".join(f"{r:,.0f}" for r in rates)
            + f" events/s (3 runs, intact) -> 10,000,000 events in "
            f"~{1e7 / max(rates) / 60:.1f} min at the best rate"
        )

    # 3. The same work over the big table (whose hashes are placeholders, so chain_verify
    # would stop at the first event): its reading in id order and its hash, compared.
    size = min(500_000, data.meta["events"])
    started = time.perf_counter()
    checked = 0
    for event in itertools.islice(chain._events_in_order(5000), size):
        _ = event.hash == chain.event_hash(event, event.prev_hash)
        checked += 1
    rate = checked / (time.perf_counter() - started)
    out.write(
        f"verification work (chain._events_in_order, event_hash, compare) over {checked:,} "
        f"events of the big table: {rate:,.0f} events/s -> 10,000,000 events in "
        f"~{1e7 / rate / 60:.1f} min"
    )


def _event(rng: random.Random, staff: list[tuple[User, str]]) -> AuditEvent:
    """An event as a request writes it: a view of a record, or a search with the ids it
    showed and a name fingerprint."""
    user = staff[int(len(staff) * rng.random() ** 1.3)][0]
    if rng.random() < 0.7:
        return audit_record(
            actor=user,
            action=AuditEvent.Action.VIEW,
            object_type="clients.client",
            object_id=str(rng.randrange(1, 1_000_001)),
            fields=rng.choice(SECTION_SETS),
        )
    return audit_record(
        actor=user,
        action=AuditEvent.Action.SEARCH,
        object_type="clients.client",
        object_ids=[rng.randrange(1, 1_000_001) for _ in range(int(26 * rng.random() ** 2))],
        fields=["name"],
        query_hash=f"{rng.getrandbits(64):016x}",
    )


def _append(
    staff: list[tuple[User, str]], rng: random.Random, total: int
) -> tuple[float, int, Measurement]:
    """Write `total` events in transactions of 1-3, as requests do (audit_buffer)."""
    sizes = (1, 2, 3, 2)  # events per request: mostly one or two, sometimes three
    batches: list[int] = []
    while sum(batches) < total:
        batches.append(min(sizes[len(batches) % len(sizes)], total - sum(batches)))
    times = []
    queries = 0
    started = time.perf_counter()
    for n, size in enumerate(batches):
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) if n == 1 else nullcontext() as captured:
            with transaction.atomic(), audit_buffer():
                for _ in range(size):
                    _event(rng, staff)
        times.append((time.perf_counter() - t0) * 1000)
        if captured is not None:
            queries = sum(
                not query["sql"].startswith(TRANSACTION_CONTROL)
                for query in captured.captured_queries
            )
    elapsed = time.perf_counter() - started
    rate = f"{len(batches) / elapsed:,.0f} transactions/s"
    return total / elapsed, len(batches), Measurement("chain", "", times, queries, rate, [])


def _redundant_indexes() -> list[tuple[str, str]]:
    """Indexes no query uses: the LIKE index Django adds for the unique hash, and the
    single-column foreign-key indexes the (actor, -id) and (agency, -id) ones cover."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [TABLE]
        )
        indexes = cursor.fetchall()
    return [
        (name, whole_table_index(definition))
        for name, definition in indexes
        if "varchar_pattern_ops" in definition or definition.endswith(("(actor_id)", "(agency_id)"))
    ]


@contextmanager
def _chain_schema() -> Iterator[None]:
    """An empty copy of the audit table (indexes, identity) in a schema of its own, first
    on the search path: the ORM then reads and writes it instead."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {CHAIN_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {CHAIN_SCHEMA}")
        cursor.execute(f"CREATE TABLE {CHAIN_SCHEMA}.{TABLE} (LIKE {TABLE} INCLUDING ALL)")
        cursor.execute("SHOW search_path")
        original = cursor.fetchone()[0]
        cursor.execute(f"SET search_path TO {CHAIN_SCHEMA}, {original}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {original}")
            cursor.execute(f"DROP SCHEMA {CHAIN_SCHEMA} CASCADE")
