"""Past one machine by configuration: what DATABASE_POOLER, DATABASE_REPLICA_URLS and
REDIS_URL make of the settings (each read in a fresh process, as a deployment starts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SHOW = """
import json
from django.conf import settings as s
print(json.dumps({
    "databases": {alias: {
        "name": db["NAME"], "host": db["HOST"], "port": str(db["PORT"]),
        "cursors_off": db.get("DISABLE_SERVER_SIDE_CURSORS", False),
        "conn_max_age": db["CONN_MAX_AGE"],
        "prepare_threshold": db.get("OPTIONS", {}).get("prepare_threshold", "unset"),
        "mirror": db.get("TEST", {}).get("MIRROR"),
    } for alias, db in s.DATABASES.items()},
    "replicas": s.DATABASE_REPLICAS,
    "routers": s.DATABASE_ROUTERS,
    "procrastinate_alias": getattr(s, "PROCRASTINATE_DATABASE_ALIAS", "default"),
    "session_cached": s.SESSION_CACHED,
    "session_engine": s.SESSION_ENGINE,
    "cache": s.CACHES["default"]["BACKEND"],
}))
"""


def _settings(**environment: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_POOLER", "DATABASE_REPLICA_URLS", "DATABASE_DIRECT_URL")
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update({"DATABASE_URL": "postgres://app@pgbouncer.internal:6432/portal", "REDIS_URL": ""})
    env.update(environment)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_pooler_server_side_cursors_and_prepared_statements_stay():
    default = _settings()["databases"]["default"]
    assert default["cursors_off"] is False
    assert default["prepare_threshold"] == "unset"


def test_pgbouncer_in_transaction_mode_switches_off_what_lives_across_transactions():
    found = _settings(DATABASE_POOLER="pgbouncer")
    default = found["databases"]["default"]
    assert default["cursors_off"] is True
    assert default["prepare_threshold"] is None
    assert default["conn_max_age"] == 600
    assert found["procrastinate_alias"] == "default"  # no direct connection given


def test_pgbouncer_with_a_direct_url_gives_the_job_worker_its_own_connection():
    found = _settings(
        DATABASE_POOLER="pgbouncer",
        DATABASE_DIRECT_URL="postgres://app@db.internal:5432/portal",
    )
    assert found["procrastinate_alias"] == "direct"
    direct = found["databases"]["direct"]
    assert (direct["host"], direct["port"]) == ("db.internal", "5432")
    assert direct["cursors_off"] is False  # LISTEN and cursors work on a real session


def test_an_unknown_pooler_is_refused():
    env = {**os.environ, "DATABASE_POOLER": "pgpool"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DATABASE_POOLER" in result.stderr


def test_replica_urls_become_numbered_aliases_that_mirror_the_test_database():
    found = _settings(
        DATABASE_REPLICA_URLS="postgres://ro@replica-a:5432/portal,postgres://ro@replica-b:5432/portal",
        DATABASE_POOLER="pgbouncer",
    )
    assert found["replicas"] == ["replica_1", "replica_2"]
    assert found["databases"]["replica_2"]["host"] == "replica-b"
    assert found["databases"]["replica_1"]["mirror"] == "default"
    assert found["databases"]["replica_1"]["cursors_off"] is True
    assert found["routers"] == ["registration_portal.db_router.ReplicaRouter"]


def test_without_replicas_there_is_only_the_primary():
    found = _settings()
    assert found["replicas"] == []
    assert list(found["databases"]) == ["default"]


def test_sessions_are_cached_when_redis_is_configured():
    with_redis = _settings(REDIS_URL="redis://127.0.0.1:6379/3")
    assert with_redis["session_cached"] is True
    assert with_redis["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert with_redis["session_engine"] == "web.signin.sessions"
    assert _settings()["session_cached"] is False
