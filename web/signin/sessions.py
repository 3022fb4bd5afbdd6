"""Sessions that end by themselves: after `SESSION_IDLE_TIMEOUT` seconds without a request
and `SESSION_COOKIE_AGE` seconds after signing in, whatever happens in between.

Both limits are written into the session row's expiry date, which Django's database
backend already checks on every load: an expired session is simply not found, so no
page can forget the check. `SessionActivityMiddleware` marks activity (at most once a
minute, so that not every request writes); the store copies owner, times, address and
browser from the session's data into the row for the list of one's own sessions.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DBStore
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


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        return UserSession

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
        return session


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
            session.delete()
            _audit(actor, user)
            return True
    return False


def sessions_end_others(*, actor, user, keep: str | None) -> int:
    """End every session of `user` but the one with key `keep` (None: all of them)."""
    ended, _by_model = sessions_of(user).exclude(session_key=keep or "").delete()
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
