"""Sessions that end by themselves: after `SESSION_IDLE_TIMEOUT` seconds without a request
and `SESSION_COOKIE_AGE` seconds after signing in, whatever happens in between.

Both limits are written into the session row's expiry date, which Django's database
backend already checks on every load: an expired session is simply not found, so no
page can forget the check. `SessionActivityMiddleware` marks activity (at most once a
minute, so that not every request writes); the store copies owner, times, address and
browser from the session's data into the row for the list of one's own sessions.

With Redis (settings.SESSION_CACHED, on when REDIS_URL is set) a session is read from the
cache and written through to its row, as Django's cached_db does: a request then loads
its session without a database query. The cached copy carries the row's expiry date and
is refused after it (idle and absolute timeout as before); ending or expiring a session
removes both. A cache that is down or evicted a session falls back to the row.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.cache import caches
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from web.signin.models import UserSession

STARTED = "signin_started"  # epoch seconds of the sign-in
SEEN = "signin_seen"  # epoch seconds of the last marked activity
ADDRESS = "signin_ip"
BROWSER = "signin_ua"
TOUCH_INTERVAL = 60  # seconds between two activity marks
CACHE_PREFIX = "signin.session:"

logger = logging.getLogger(__name__)


class SessionStore(DBStore):
    _row_expiry: dt.datetime | None = None

    @classmethod
    def get_model_class(cls):
        return UserSession

    def load(self) -> dict[str, Any]:
        if not settings.SESSION_CACHED:
            return super().load()
        try:
            cached = _cache().get(CACHE_PREFIX + self._get_or_create_session_key())
        except Exception:  # a cache that is down: the row answers (Django's cached_db too)
            cached = None
        if cached is not None and cached[0] > timezone.now().timestamp():
            return cached[1]
        row = self._get_session_from_db()  # checks the expiry date; forgets an unknown key
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._cache_set(data, row.expire_date)
        return data

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()  # comes back here with must_create and a new key
        super().save(must_create)
        if settings.SESSION_CACHED and self._row_expiry is not None:
            self._cache_set(self._get_session(no_load=must_create), self._row_expiry)
        return None

    def delete(self, session_key: str | None = None) -> None:
        key = session_key or self.session_key
        super().delete(session_key)
        if key:
            forget_cached([key])

    def _cache_set(self, data: dict[str, Any], expires: dt.datetime) -> None:
        timeout = max(0, int((expires - timezone.now()).total_seconds()) + 1)
        try:
            _cache().set(CACHE_PREFIX + self.session_key, (expires.timestamp(), data), timeout)
        except Exception:
            logger.exception("Session not cached; it is read from its row")

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        now = timezone.now()
        user_id = data.get(SESSION_KEY)
        session.user_id = get_user_model()._meta.pk.to_python(user_id) if user_id else None
        session.created_at = _from_epoch(data.get(STARTED)) or now
        session.last_activity = _from_epoch(data.get(SEEN)) or now
        session.ip = data.get(ADDRESS) or None
        session.user_agent = (data.get(BROWSER) or "")[:300]
        session.expire_date = min(
            session.expire_date,
            session.last_activity + dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT),
            session.created_at + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE),
        )
        self._row_expiry = session.expire_date  # the cached copy's end, too
        return session


def _cache():
    return caches[settings.SESSION_CACHE_ALIAS]


def forget_cached(session_keys: list[str]) -> None:
    """Remove ended sessions from the cache, so that no worker serves them from there."""
    if settings.SESSION_CACHED and session_keys:
        _cache().delete_many([CACHE_PREFIX + key for key in session_keys])


def _from_epoch(value) -> dt.datetime | None:
    if not isinstance(value, int | float):
        return None
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def session_mark_signed_in(session, *, ip: str | None, user_agent: str) -> None:
    now = time.time()
    session[STARTED] = now
    session[SEEN] = now
    session[ADDRESS] = ip
    session[BROWSER] = user_agent[:300]


def session_touch(session, *, ip: str | None) -> None:
    """Mark activity; writes the session only when the last mark is a minute old or the
    address changed (an office's second line, a VPN)."""
    now = time.time()
    if now - session.get(SEEN, 0) >= TOUCH_INTERVAL or session.get(ADDRESS) != ip:
        session[SEEN] = now
        session[ADDRESS] = ip


# --- Reads and writes for the pages and the admin ----------------------------------------------


def sessions_of(user) -> QuerySet:
    """The user's sessions that have not ended, the most recently used first."""
    return UserSession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by(
        "-last_activity"
    )


def session_end(*, actor, user, public_id: str) -> bool:
    """End one of `user`'s sessions, named by its public id. False when there is none."""
    for session in sessions_of(user):
        if session.public_id == public_id:
            key = session.session_key  # delete() empties the primary key
            session.delete()
            forget_cached([key])
            _audit(actor, user)
            return True
    return False


def sessions_end_others(*, actor, user, keep: str | None) -> int:
    """End every session of `user` but the one with key `keep` (None: all of them)."""
    ending = sessions_of(user).exclude(session_key=keep or "")
    keys = list(ending.values_list("session_key", flat=True))
    ended, _by_model = ending.delete()
    forget_cached(keys)
    if ended:
        _audit(actor, user)
    return ended


def _audit(actor, user) -> None:
    fields = (
        ["sessions_ended"]
        if actor is not None and actor.pk == user.pk
        else ["admin", "sessions_ended"]
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LOGOUT,
        object_type="auth.user",
        object_id=str(user.pk),
        fields=fields,
    )
