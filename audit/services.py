"""Writing audit events. Called by access.guards and by services, never by templates.

Within a request the events are buffered and appended to the hash chain at the end of
the view, inside the request's transaction: if they cannot be written, the response
fails, and the chain's lock is held only for the last moments before the commit.
Outside a request (commands, shell) each event is appended at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from agencies.models import Agency, Membership
from agencies.selectors import membership_for
from audit.chain import chain_append
from audit.context import NO_REQUEST, current_request_meta
from audit.models import AuditEvent
from core.identity.names import fold_accents

_buffer: ContextVar[list[AuditEvent] | None] = ContextVar("audit_buffer", default=None)
# Codes added to the fields of every event written in a block (`audit_context`): the
# channel a request came through and its credential ("channel:api", "api_key:12").
_context_fields: ContextVar[tuple[str, ...]] = ContextVar("audit_context_fields", default=())


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    objects: Iterable[models.Model] = (),
    object_ids: Iterable[int] = (),
    object_type: str = "",
    object_id: str = "",
    fields: Iterable[str] = (),
    query_hash: str = "",
    history_id: int | None = None,
    outcome: str = AuditEvent.Outcome.ALLOWED,
    agency: Agency | None = None,
) -> AuditEvent:
    """Record one event. `fields` are field or section *names*; values never go here.
    `agency`, for an event without an actor: the agency it concerns (a failed login on
    an account of its staff), so that its supervisors see it."""
    user = actor if actor is not None and actor.is_authenticated else None
    membership = membership_for(user) if user else None
    objects = list(objects)
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    elif objects and not object_type:
        object_type = objects[0]._meta.label_lower
    meta = current_request_meta.get(NO_REQUEST)
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=user,
        agency=membership.agency if membership else (None if user else agency),
        role=membership.role if membership else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_ids=[o.pk for o in objects] + list(object_ids),
        fields=[*fields, *_context_fields.get()],
        query_hash=query_hash,
        history_id=history_id,
        outcome=outcome,
        request_id=meta.request_id,
        client_ip=meta.client_ip,
    )
    buffer = _buffer.get()
    if buffer is None:
        chain_append([event])
    else:
        buffer.append(event)
    return event


@contextmanager
def audit_buffer() -> Iterator[list[AuditEvent]]:
    """Collect a request's events and append them when the block ends without error."""
    events: list[AuditEvent] = []
    token = _buffer.set(events)
    try:
        yield events
    finally:
        _buffer.reset(token)
    chain_append(events)


@contextmanager
def audit_context(*fields: str) -> Iterator[None]:
    """Name `fields` (codes, never values) in every event written inside the block, also
    by services deep below: an API request marks its channel and key this way."""
    token = _context_fields.set((*_context_fields.get(), *fields))
    try:
        yield
    finally:
        _context_fields.reset(token)


def search_fingerprint(name: str) -> str:
    """A keyed, truncated hash of a folded name: equal names give equal fingerprints,
    but the audit log does not reveal the name to someone without the key."""
    folded = fold_accents(name)
    if not folded:
        return ""
    key = hashlib.sha256(f"audit-search:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, folded.encode(), hashlib.sha256).hexdigest()[:16]


def audit_login_failed(*, username: str) -> AuditEvent:
    """A failed login, naming the account tried without keeping what was typed: the
    account's id when the name is one (then its agency's supervisors see the event),
    else a keyed fingerprint of the name (a mistyped password can land in that field),
    so that repeated attempts on one name can still be counted."""
    user_model = get_user_model()
    account = (
        user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
        if username
        else None
    )
    # Also a deactivated account's agency: attempts on it are worth its supervisors' look.
    membership = (
        Membership.objects.select_related("agency").filter(user=account).first()
        if account is not None
        else None
    )
    return audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="auth.user",
        object_id=str(account.pk) if account is not None else "",
        query_hash="" if account is not None else login_fingerprint(username),
        outcome=AuditEvent.Outcome.DENIED,
        agency=membership.agency if membership else None,
    )


def login_fingerprint(name: str) -> str:
    """Like `search_fingerprint`, with a key of its own (a login name cannot be matched
    with a searched name), over the name as typed, trimmed and case-folded."""
    folded = (name or "").strip().casefold()
    if not folded:
        return ""
    key = hashlib.sha256(f"audit-login:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, folded.encode(), hashlib.sha256).hexdigest()[:16]
