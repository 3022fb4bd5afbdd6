"""Probes for a load balancer or an orchestrator: no sign-in, no audit, no personal data.

`/healthz`: the process answers (no database: a database outage must not get every
worker restarted). `/readyz`: the process can serve pages: the database answers, every
migration of this code is applied, the cache (Redis, when `REDIS_URL` is set, where
the rate limits count) answers, and the job queue's tables (procrastinate) answer.
Whether a worker runs is reported (`queue.worker`: ok, stale, none), not checked: pages
work without one, imports then wait in the queue; monitoring alerts on it
(docs/operations.md "Background jobs"). Both are exempt from the HTTPS redirect
(`SECURE_REDIRECT_EXEMPT`) and run outside the request's transaction.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from jobs.queue import queue_state

logger = logging.getLogger("portal.health")


@never_cache
@require_safe
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
@transaction.non_atomic_requests
def readyz(request: HttpRequest) -> JsonResponse:
    database = _database()
    checks = {
        "database": database,
        "migrations": _migrations() if database == "ok" else "unknown",
        "cache": "skipped",  # the process's own memory, without REDIS_URL
    }
    if settings.REDIS_URL:
        checks["cache"] = _cache()
    answer: dict = {"checks": checks}
    if settings.JOBS_INLINE:
        checks["queue"] = "skipped"  # no queue: jobs run in the request
    elif database != "ok":
        checks["queue"] = "unknown"
    else:
        state = queue_state()
        checks["queue"] = "ok" if state.reachable else "unavailable"
        if state.reachable:
            answer["queue"] = {"worker": _worker(state.heartbeat_age), "waiting": state.waiting}
    ready = all(value in ("ok", "skipped") for value in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", **answer},
        status=200 if ready else 503,
    )


def _worker(heartbeat_age: float | None) -> str:
    if heartbeat_age is None:
        return "none"
    return "ok" if heartbeat_age <= settings.JOBS_STALLED_AFTER else "stale"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        # The type only: a connection error's message names hosts and roles.
        logger.warning("readyz: database unavailable (%s)", type(error).__name__)
        return "unavailable"
    return "ok"


@functools.cache
def _expected_migrations() -> frozenset[tuple[str, str]] | None:
    """The migrations of this code, read from disk once per process; None when some are
    squashed (then which names the table must hold depends on its state)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    if loader.replacements:
        return None
    return frozenset(loader.graph.nodes)


def _migrations() -> str:
    """One query per probe: the applied migrations against those of this code."""
    try:
        expected = _expected_migrations()
        if expected is None:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            missing = len(pending)
        else:
            # The table itself, not the recorder: that lists every table first.
            rows = MigrationRecorder(connection).migration_qs.values_list("app", "name")
            missing = len(expected - set(rows))
    except DatabaseError as error:
        logger.warning("readyz: migrations unreadable (%s)", type(error).__name__)
        return "unavailable"
    if missing:
        logger.warning("readyz: %d migrations not applied", missing)
        return "pending"
    return "ok"


def _cache() -> str:
    try:
        cache.get("readyz-probe")
    except Exception as error:  # redis-py's errors share no base with Django's
        logger.warning("readyz: cache unavailable (%s)", type(error).__name__)
        return "unavailable"
    return "ok"
