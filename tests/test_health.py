"""/healthz and /readyz: what a load balancer asks before it sends a caseworker's request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from audit.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_sign_in_and_without_the_database(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response


def test_the_probes_are_served_over_plain_http_when_pages_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/login/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_readyz_is_ready_when_database_migrations_cache_and_queue_answer(client, settings):
    response = client.get("/readyz")
    assert response.status_code == 200
    expected_cache = "ok" if settings.REDIS_URL else "skipped"
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "cache": expected_cache, "queue": "ok"},
        # No worker has registered in the test database: reported, not a failure.
        "queue": {"worker": "none", "waiting": 0},
    }


def _worker_with_heartbeat(seconds_ago: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - make_interval(secs => %s))",
            [seconds_ago],
        )


def test_readyz_reports_a_worker_with_a_recent_heartbeat(client):
    _worker_with_heartbeat(5)
    answer = client.get("/readyz").json()
    assert answer["queue"]["worker"] == "ok"


def test_readyz_reports_but_does_not_fail_on_a_stale_worker_and_waiting_jobs(client, settings):
    _worker_with_heartbeat(settings.JOBS_STALLED_AFTER + 30)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
            "VALUES ('imports', 'import_run', '{}', 'todo')"
        )
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["queue"] == {"worker": "stale", "waiting": 1}


def test_readyz_skips_the_queue_where_jobs_run_inline(client, settings):
    settings.JOBS_INLINE = True
    answer = client.get("/readyz").json()
    assert answer["checks"]["queue"] == "skipped"
    assert "queue" not in {key for key in answer if key != "checks"}


def test_the_probes_write_no_audit_event_signed_in_or_not(client, laf_caseworker):
    before = AuditEvent.objects.count()
    assert client.get("/readyz").status_code == 200
    assert AuditEvent.objects.count() == before
    client.force_login(laf_caseworker)  # the sign-in is audited, the probes are not
    before = AuditEvent.objects.count()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert AuditEvent.objects.count() == before


def test_readyz_is_unavailable_while_a_migration_is_not_applied(client):
    # As after deploying new code before `migrate` (undone with the test's transaction).
    newest = MigrationRecorder.Migration.objects.filter(app="clients").latest("id")
    newest.delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["migrations"] == "pending"
    assert newest.name not in response.content.decode()


def test_readyz_is_unavailable_when_the_cache_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "cache": "unavailable",
        "queue": "ok",
    }


def test_readyz_is_unavailable_and_healthz_alive_when_the_database_is_down():
    """A portal whose database does not answer (a closed port), in a process of its own."""
    probe = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "http = Client()\n"
        "answers = {p: http.get(p) for p in ('/healthz', '/readyz')}\n"
        "print(json.dumps({p: [r.status_code, r.json()] for p, r in answers.items()}))\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)},
        "DJANGO_SETTINGS_MODULE": "registration_portal.settings",
        "DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-long-random-test-secret-" + "x7Qp2#v9Lm!" * 4,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/portal",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["/healthz"] == [200, {"status": "ok"}]
    assert answers["/readyz"] == [
        503,
        {
            "status": "unavailable",
            "checks": {
                "database": "unavailable",
                "migrations": "unknown",
                "cache": "skipped",
                "queue": "unknown",
            },
        },
    ]
    assert "127.0.0.1" not in result.stdout  # no connection details in the answer


def test_the_database_check_is_one_query(client, django_assert_max_num_queries, settings):
    settings.REDIS_URL = ""
    connection.ensure_connection()
    # SELECT 1, the applied migrations, the queue's heartbeat and waiting jobs
    with django_assert_max_num_queries(3):
        assert client.get("/readyz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_is_unavailable_when_the_queue_tables_do_not_answer(client):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE procrastinate_jobs RENAME TO procrastinate_jobs_away")
    try:
        response = client.get("/readyz")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE procrastinate_jobs_away RENAME TO procrastinate_jobs")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"] == "unavailable"
    assert "procrastinate" not in response.content.decode()  # no table names in the answer
