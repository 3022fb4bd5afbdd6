"""Migrations apply from scratch, unapply back to zero and apply again: on an embedded
SQLite database of their own, and on a scratch PostgreSQL database (production's), where
the trigram index, the audit trigger and the table renames of moved models really run."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# Dependants first: every app of ours points at agencies' user model.
APPS_IN_UNAPPLY_ORDER = ["imports", "duplicates", "access", "clients", "audit", "guardian", "admin"]


def _manage(*args: str, database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _apply_unapply_reapply(database_url: str) -> None:
    _manage("migrate", "--no-input", database_url=database_url)
    for app in [*APPS_IN_UNAPPLY_ORDER, "agencies"]:
        _manage("migrate", app, "zero", "--no-input", database_url=database_url)
    _manage("migrate", "--no-input", database_url=database_url)
    _manage("makemigrations", "--check", "--dry-run", database_url=database_url)


def test_migrations_apply_unapply_and_reapply_on_sqlite(tmp_path):
    _apply_unapply_reapply(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")


@pytest.fixture
def scratch_postgres():
    """A database of its own on the test server, dropped afterwards."""
    server = settings.DATABASES["default"]
    if server["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL (make test runs on it)")
    name = f"migrations_check_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"],
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    user = server["USER"] + (f":{server['PASSWORD']}" if server["PASSWORD"] else "")
    host = f"{server['HOST'] or 'localhost'}:{server['PORT'] or 5432}"
    try:
        yield f"postgres://{user}@{host}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_migrations_apply_unapply_and_reapply_on_postgresql(scratch_postgres):
    _apply_unapply_reapply(scratch_postgres)
