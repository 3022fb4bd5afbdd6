"""The chain's head, signed and kept outside the database.

The hash chain finds an event altered, removed or inserted *within* the chain, but not
events removed from its end: what is left is still a chain. So after every commit that
appended events, the newest event's id and hash are written with an HMAC over them
(key AUDIT_ANCHOR["key"], else derived from SECRET_KEY) to stores outside the database:
a file, a Redis key, or both (settings.AUDIT_ANCHOR). `audit.chain.chain_verify` then
requires the anchored event to be in the table with that hash. The anchor may lag
behind the table by the events committed since (the walk checks that they continue the
chain); it never leads it, unless events were removed.

A store only moves forward, from a valid anchor whose event is still in the table:
commits may anchor out of order, and an anchor that was deleted, forged or points at a
missing event is kept as evidence (and reported) rather than overwritten. Starting
over (first deployment on a filled table, after a restore) is the operator's explicit
`verify_audit_chain --reanchor`, itself an event in the chain.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent

alerts = logging.getLogger("portal.alerts")


@dataclass(frozen=True)
class Anchor:
    event_id: int
    hash: str
    written_at: str = ""


class AnchorInvalid(Exception):
    """A store holds something that is not an anchor signed with our key."""


def _key() -> bytes:
    configured = settings.AUDIT_ANCHOR.get("key")
    if configured:
        return configured.encode()
    return hashlib.sha256(f"audit-anchor:{settings.SECRET_KEY}".encode()).digest()


def _signature(event_id: int, hash_: str, written_at: str) -> str:
    message = f"{event_id}\n{hash_}\n{written_at}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def encode(anchor: Anchor) -> str:
    signature = _signature(anchor.event_id, anchor.hash, anchor.written_at)
    return json.dumps(
        {
            "event_id": anchor.event_id,
            "hash": anchor.hash,
            "written_at": anchor.written_at,
            "signature": signature,
        },
        sort_keys=True,
    )


def decode(text: str | bytes) -> Anchor:
    try:
        data = json.loads(text)
        anchor = Anchor(int(data["event_id"]), str(data["hash"]), str(data["written_at"]))
        signature = str(data["signature"])
    except (ValueError, KeyError, TypeError) as error:
        raise AnchorInvalid("not an anchor") from error
    expected = _signature(anchor.event_id, anchor.hash, anchor.written_at)
    if not hmac.compare_digest(signature, expected):
        raise AnchorInvalid("its signature does not match")
    return anchor


# --- Stores ------------------------------------------------------------------------------------


class FileStore:
    """A JSON file, replaced atomically under an exclusive lock (one per host)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def __str__(self) -> str:
        return f"file {self.path}"

    def read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def update(self, decide: Callable[[str | None], str | None]) -> None:
        """Replace the content with `decide(current)` unless that is None, atomically."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            text = decide(self.read())
            if text is None:
                return
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".anchor-")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                    if settings.AUDIT_ANCHOR.get("fsync", True):
                        out.flush()
                        os.fsync(out.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise


class RedisStore:
    """A Redis key, replaced in a WATCH/MULTI transaction (shared by every host)."""

    _clients: dict[str, redis.Redis] = {}

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key

    def __str__(self) -> str:
        return f"Redis key {self.key}"

    def _client(self) -> redis.Redis:
        if self.url not in self._clients:
            self._clients[self.url] = redis.Redis.from_url(
                self.url, socket_timeout=1, socket_connect_timeout=1
            )
        return self._clients[self.url]

    def read(self) -> str | None:
        value = self._client().get(self.key)
        return value.decode() if value is not None else None

    def update(self, decide: Callable[[str | None], str | None]) -> None:
        with self._client().pipeline() as pipe:
            for _attempt in range(5):
                try:
                    pipe.watch(self.key)
                    current = pipe.get(self.key)
                    text = decide(current.decode() if current is not None else None)
                    if text is None:
                        pipe.unwatch()
                        return
                    pipe.multi()
                    pipe.set(self.key, text)
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue  # another process anchored meanwhile: decide again
            raise redis.WatchError(f"{self}: too many concurrent writers")


def stores() -> list[FileStore | RedisStore]:
    """The configured stores (none: the chain's end is not anchored)."""
    config = settings.AUDIT_ANCHOR
    found: list[FileStore | RedisStore] = []
    if config.get("path"):
        found.append(FileStore(config["path"]))
    if config.get("redis_url"):
        key = config.get("redis_key") or f"audit-anchor:{connection.settings_dict['NAME']}"
        found.append(RedisStore(config["redis_url"], key))
    return found


# What a store raises when it cannot be read or written.
STORE_ERRORS = (OSError, redis.RedisError)


# --- Writing -----------------------------------------------------------------------------------


def anchor_head(*, event_id: int, hash_: str, new_chain: bool) -> None:
    """After a commit: move every store's anchor forward to the event `event_id` (with
    `new_chain`, the batch it ends began the chain). A store that cannot be written is
    reported (ids only), not raised: the events are committed already."""
    head = Anchor(event_id, hash_, timezone.now().isoformat())
    for store in stores():
        try:
            store.update(lambda current, store=store: _advanced(store, current, head, new_chain))
        except STORE_ERRORS as error:
            alerts.error("audit anchor: %s not written (event %s): %s", store, event_id, error)


def _advanced(store, current: str | None, head: Anchor, new_chain: bool) -> str | None:
    """The new content of a store holding `current`, or None to leave it as it is."""
    if current is None:
        if new_chain:
            return encode(head)  # a new chain: its first anchor
        alerts.error(
            "audit anchor: %s holds no anchor, the chain has events before event %s; "
            "run manage.py verify_audit_chain --reanchor",
            store,
            head.event_id,
        )
        return None
    try:
        anchored = decode(current)
    except AnchorInvalid as error:
        alerts.error("audit anchor: %s is not valid (%s); kept as evidence", store, error)
        return None
    if anchored.event_id >= head.event_id:
        if anchored.event_id == head.event_id and anchored.hash != head.hash:
            alerts.error("audit anchor: %s names event %s with another hash", store, head.event_id)
        return None  # a newer head is anchored already
    if not AuditEvent.objects.filter(pk=anchored.event_id, hash=anchored.hash).exists():
        alerts.error(
            "audit anchor: the anchored event %s of %s is missing: events were removed "
            "from the end of the chain; anchor kept",
            anchored.event_id,
            store,
        )
        return None
    return encode(head)


def reanchor(*, event_id: int, hash_: str) -> None:
    """Anchor `event_id` in every store, whatever they hold (the operator's decision)."""
    head = Anchor(event_id, hash_, timezone.now().isoformat())
    for store in stores():
        store.update(lambda _current: encode(head))


# --- Reading -----------------------------------------------------------------------------------


def read(store) -> Anchor | None:
    """The store's anchor, None when it holds none; AnchorInvalid when it is not ours."""
    text = store.read()
    return decode(text) if text is not None else None
