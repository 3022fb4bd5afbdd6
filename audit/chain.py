"""The hash chain over audit events.

Each event's hash is SHA-256 over the previous event's hash and a canonical form of
its own content. Appending takes a transaction-scoped advisory lock, so concurrent
requests append one after another and the chain cannot fork; the lock is held only
from the append to the commit, which is why requests buffer their events and append
them at the very end (audit.services.audit_buffer).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection

from audit.models import AuditEvent

# Any constant: identifies the audit chain's advisory lock in pg_locks.
_LOCK_KEY = 0x4155444954  # "AUDIT"
GENESIS = ""

_HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "agency_id",
    "role",
    "action",
    "object_type",
    "object_id",
    "object_ids",
    "fields",
    "query_hash",
    "history_id",
    "outcome",
    "request_id",
    "client_ip",
)


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    content = {name: getattr(event, name) for name in _HASHED_FIELDS}
    content["occurred_at"] = event.occurred_at.isoformat()
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def chain_append(events: list[AuditEvent]) -> None:
    """Link and insert events after the current head, inside the caller's transaction."""
    if not events:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    head = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
    prev_hash = head if head is not None else GENESIS
    for event in events:
        event.prev_hash = prev_hash
        event.hash = event_hash(event, prev_hash)
        event.save(force_insert=True)
        prev_hash = event.hash


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def chain_verify(*, batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in id order; return (events checked, first break or None).

    Finds altered content (hash mismatch), removed events and events inserted out of
    order (previous-hash mismatch). After a retention purge the first remaining event
    must continue the hash the purge event recorded.
    """
    checked = 0
    expected_prev: str | None = _purge_anchor()
    for event in _events_in_order(batch_size):
        if expected_prev is not None and event.prev_hash != expected_prev:
            return checked, ChainBreak(
                event.pk, "previous hash does not match: event removed or inserted"
            )
        if event.hash != event_hash(event, event.prev_hash):
            return checked, ChainBreak(event.pk, "content does not match its hash: event altered")
        expected_prev = event.hash
        checked += 1
    return checked, None


def _events_in_order(batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].pk


def _purge_anchor() -> str:
    """The hash the first remaining event must continue: genesis, or the last purge's."""
    purge = AuditEvent.objects.filter(action=AuditEvent.Action.PURGE).order_by("-pk").first()
    # A purge event names, as its object, the hash of the last event it removed.
    return purge.object_id if purge is not None else GENESIS
