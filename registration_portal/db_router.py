"""Reads from read replicas where that is safe, by configuration (docs/scaling.md).

Nothing reads from a replica unless settings.DATABASE_REPLICAS names one (from
DATABASE_REPLICA_URLS). Then a request reads from a replica only when all of these hold:

- its view is named in settings.DATABASE_REPLICA_VIEWS (read-only list pages: search
  results, the audit log);
- it has not written yet: the first statement on the primary that is not a plain SELECT
  (an INSERT, the audit chain's lock, SET CONSTRAINTS) sends every later read of the
  request to the primary, so a request never reads older data than it wrote;
- its user did not write data within settings.DATABASE_READ_YOUR_WRITES seconds (marked
  in the cache, shared by every worker): a caseworker who saved a record finds it in the
  next search. Audit events and session rows do not count as such a write;
- the model is not one of the access and sign-in tables (PRIMARY_APPS): staff, roles,
  grants and permission rows read by themselves always come from the primary;
- the replica is reachable and at most settings.DATABASE_REPLICA_MAX_LAG seconds behind
  (checked at most every LAG_CHECK_INTERVAL seconds per process and replica).

Writes always go to the primary, and `ATOMIC_REQUESTS` wraps the primary only.
"""

from __future__ import annotations

import contextvars
import itertools
import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

# Tables about who may do what: read from the primary even in a marked view, so that a
# revoked role or grant takes effect at once where it is read by itself.
PRIMARY_APPS = frozenset(
    {"auth", "agencies", "access", "guardian", "signin", "sessions", "axes", "otp_totp"}
)
# Writes that do not make a user's next reads go to the primary: every request writes
# audit events, and sessions are marked active now and then.
UNTRACKED_TABLES = frozenset({"audit_auditevent", "signin_usersession", "django_session"})
LAG_CHECK_INTERVAL = 5.0  # seconds
WROTE_KEY = "db:wrote:{}"

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_NEUTRAL = ("SAVEPOINT", "RELEASE S", "ROLLBACK ")
_LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() "
    "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


@dataclass
class _Request:
    replica: str | None = None  # chosen for this request; None: the primary
    wrote: bool = False  # any statement but a SELECT on the primary
    wrote_data: bool = False  # a write that the user's next reads must see
    view_name: str = field(default="")


_current: contextvars.ContextVar[_Request | None] = contextvars.ContextVar(
    "db_router_request", default=None
)
_lag_checked: dict[str, tuple[float, bool]] = {}  # alias -> (monotonic time, usable)
_turn = itertools.count()


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        state = _current.get()
        if state is None or state.replica is None or state.wrote:
            return None
        if model._meta.app_label in PRIMARY_APPS:
            return "default"
        return state.replica

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        ours = {"default", *settings.DATABASE_REPLICAS}
        if obj1._state.db in ours and obj2._state.db in ours:
            return True  # the same data, only perhaps a little older
        return None

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        if db in settings.DATABASE_REPLICAS or db == "direct":
            return False  # replicas follow the primary; "direct" is the primary too
        return None


class ReplicaReadsMiddleware:
    """Chooses the database a request reads from (see the module's docstring)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        state = _Request()
        token = _current.set(state)
        try:
            with connections["default"].execute_wrapper(_watch_primary(state)):
                response = self.get_response(request)
        finally:
            _current.reset(token)
        user = getattr(request, "user", None)
        if state.wrote_data and user is not None and user.is_authenticated:
            cache.set(WROTE_KEY.format(user.pk), 1, settings.DATABASE_READ_YOUR_WRITES)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        state = _current.get()
        match = request.resolver_match
        if state is None or match is None or match.view_name not in settings.DATABASE_REPLICA_VIEWS:
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and cache.get(WROTE_KEY.format(user.pk)):
            return None
        state.view_name = match.view_name
        state.replica = replica_for_reads()
        return None


def replica_for_reads() -> str | None:
    """A usable replica, in turn; None when none is (the primary then serves)."""
    replicas = list(settings.DATABASE_REPLICAS)
    start = next(_turn)
    for offset in range(len(replicas)):
        alias = replicas[(start + offset) % len(replicas)]
        if _usable(alias):
            return alias
    return None


def _usable(alias: str) -> bool:
    now = time.monotonic()
    checked = _lag_checked.get(alias)
    if checked is not None and now - checked[0] < LAG_CHECK_INTERVAL:
        return checked[1]
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            (lag,) = cursor.fetchone()
        usable = float(lag) <= settings.DATABASE_REPLICA_MAX_LAG
    except DatabaseError:
        usable = False  # down or unreachable: the primary answers meanwhile
    _lag_checked[alias] = (now, usable)
    return usable


def _watch_primary(state: _Request):
    def watch(execute, sql, params, many, context):
        text = sql.lstrip()
        head = text[:9].upper()
        if head.startswith(_NEUTRAL):
            pass  # nested atomic blocks of reads
        elif not head.startswith("SELECT") or "pg_advisory" in text or "FOR UPDATE" in text:
            state.wrote = True
            written = _WRITE.match(text)
            if written and written.group(1).lower() not in UNTRACKED_TABLES:
                state.wrote_data = True
        return execute(sql, params, many, context)

    return watch
