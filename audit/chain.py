"""The hash chain over audit events.

Each event's hash is SHA-256 over the previous event's hash and a canonical form of
its own content. Appending takes a transaction-scoped advisory lock, so concurrent
requests append one after another and the chain cannot fork; the lock is held only
from the append to the commit, which is why requests buffer their events and append
them at the very end (audit.services.audit_buffer). After the commit the new head is
anchored outside the database (audit.anchor), so that the end of the chain is checked
too.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from audit import anchor
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
            # Django's foreign keys are checked at commit, after this lock is taken: a
            # check waiting for a row that another request locked while it waits for this
            # lock would deadlock. Checked now, before the lock, they wait without it.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    head = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
    prev_hash = head if head is not None else GENESIS
    for event in events:
        event.prev_hash = prev_hash
        event.hash = event_hash(event, prev_hash)
        prev_hash = event.hash
    # One INSERT for a request's events. The chain is read in id order; neither database
    # promises to number a multi-row INSERT in the order of its rows (both do), so it is
    # checked: out of order, the request fails and writes nothing rather than a chain that
    # would read as broken.
    AuditEvent.objects.bulk_create(events)
    if any(earlier.pk >= later.pk for earlier, later in itertools.pairwise(events)):
        raise RuntimeError("Audit events were numbered out of order; nothing was written.")
    if anchor.stores():
        _anchor_on_commit(events)


class _AnchorHead:
    """The on-commit step that anchors a transaction's newest event (audit.anchor)."""

    def __init__(self, event: AuditEvent, *, new_chain: bool) -> None:
        self.event_id, self.hash, self.new_chain = event.pk, event.hash, new_chain
        self.done = False
        self.__qualname__ = "audit.chain._AnchorHead"  # Django logs a failed step by it

    def __call__(self) -> None:
        self.done = True
        anchor.anchor_head(event_id=self.event_id, hash_=self.hash, new_chain=self.new_chain)


def _anchor_on_commit(events: list[AuditEvent]) -> None:
    """After the commit, not before: a rolled-back batch must never be anchored.

    One step per transaction, not per append (a command appending event by event would
    write the stores each time): a later append moves the pending step forward when it
    is the last one registered and at the same savepoint, so that a rollback would
    discard both or neither.
    """
    pending = connection.run_on_commit[-1] if connection.run_on_commit else None
    if connection.in_atomic_block and pending and isinstance(pending[1], _AnchorHead):
        savepoints, step = pending[0], pending[1]
        if savepoints == set(connection.savepoint_ids) and not step.done:
            step.event_id, step.hash = events[-1].pk, events[-1].hash
            return
    transaction.on_commit(
        _AnchorHead(events[-1], new_chain=events[0].prev_hash == GENESIS), robust=True
    )


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def chain_verify(*, batch_size: int = 5000, head: bool = True) -> tuple[int, ChainBreak | None]:
    """Walk the chain in id order; return (events checked, first break or None).

    Finds altered content (hash mismatch), removed events and events inserted out of
    order (previous-hash mismatch). After a retention purge the first remaining event
    must continue the hash the purge event recorded. Where the head is anchored
    (audit.anchor), every store's anchored event must be in the table with its hash:
    events removed from the end, or a chain rewritten as a whole, are found too
    (`head=False`: the walk alone).
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
    return checked, head_break() if head else None


def head_break() -> ChainBreak | None:
    """Every store's anchor names an event that is in the table with the anchored hash
    (the anchor may lag: the events after it are the walk's to check)."""
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for store in anchor.stores():
        try:
            anchored = anchor.read(store)
        except anchor.AnchorInvalid as error:
            return ChainBreak(last, f"the anchor in {store} is not valid: {error}")
        except anchor.STORE_ERRORS as error:
            return ChainBreak(last, f"the anchor in {store} cannot be read: {error}")
        if anchored is None:
            if last:
                return ChainBreak(
                    last,
                    f"{store} holds no anchor: the end of the chain cannot be checked "
                    "(verify_audit_chain --reanchor)",
                )
            continue
        stored = AuditEvent.objects.filter(pk=anchored.event_id).values_list("hash", flat=True)
        if not stored:
            return ChainBreak(
                anchored.event_id,
                f"the event anchored in {store} is missing: events removed from the end "
                f"of the chain (the table ends at event {last or 'none'})",
            )
        if stored[0] != anchored.hash:
            return ChainBreak(
                anchored.event_id,
                f"the event anchored in {store} has another hash: the chain was rewritten",
            )
    return None


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
