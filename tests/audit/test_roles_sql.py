"""docs/roles.sql sets up the roles as production runs them: migrated by the owner, the
application appends audit events but cannot delete them, and only the purge role's
`audit_purge` can; the anchored chain verifies afterwards. On a scratch database with
roles of this test's own, dropped afterwards (roles belong to the whole server)."""

import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from audit.management.commands.audit_roles_sql import roles_sql

ROOT = Path(__file__).resolve().parents[2]


def test_docs_roles_sql_is_what_the_command_prints():
    expected = roles_sql(owner="portal_owner", app="portal_app", purge="portal_purge")
    assert (ROOT / "docs" / "roles.sql").read_text() == expected


def test_the_command_refuses_names_that_are_no_plain_sql_names():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("audit_roles_sql", "--app", 'x"; DROP TABLE y; --')


class Server:
    """The test server, reached as any role (with the password this test gave it)."""

    def __init__(self) -> None:
        self.conf = settings.DATABASES["default"]
        self.passwords: dict[str, str] = {}

    def connect(self, dbname: str, role: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host=self.conf["HOST"] or None,
            port=self.conf["PORT"] or None,
            user=role or self.conf["USER"],
            password=self.passwords.get(role) or (None if role else self.conf["PASSWORD"]),
            dbname=dbname,
            autocommit=True,
        )

    def url(self, dbname: str, role: str) -> str:
        host = f"{self.conf['HOST'] or 'localhost'}:{self.conf['PORT'] or 5432}"
        return f"postgres://{role}:{self.passwords[role]}@{host}/{dbname}"


@pytest.fixture
def scratch(tmp_path):
    server = Server()
    if server.conf["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL")
    run = uuid.uuid4().hex[:10]
    roles = {kind: f"audit_t{run}_{kind}" for kind in ("owner", "app", "purge")}
    name = f"roles_check_{run}"
    admin = server.connect("postgres")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server, name, roles
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in roles.values():
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.close()


def _manage(*args: str, url: str, anchor: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "AUDIT_ANCHOR_PATH": str(anchor)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


EVENTS = """
import datetime as dt
from django.utils import timezone
from audit.chain import chain_append
from audit.models import AuditEvent
old = timezone.now() - dt.timedelta(days=800)
chain_append([AuditEvent(occurred_at=old, action="view", object_type="t") for _ in range(3)])
chain_append([AuditEvent(occurred_at=timezone.now(), action="view", object_type="t")])
"""


def test_the_roles_keep_the_audit_log_append_only_but_for_the_purge(scratch, tmp_path):
    server, name, roles = scratch
    script = roles_sql(**roles)
    with server.connect(name) as superuser:
        superuser.execute(script)
        for role in roles.values():
            server.passwords[role] = secrets.token_hex(16)
            superuser.execute(f"ALTER ROLE \"{role}\" PASSWORD '{server.passwords[role]}'")
    anchor = tmp_path / "anchor.json"
    app, purge = server.url(name, roles["app"]), server.url(name, roles["purge"])

    migrated = _manage("migrate", "--no-input", url=server.url(name, roles["owner"]), anchor=anchor)
    assert migrated.returncode == 0, migrated.stderr
    with server.connect(name) as superuser:
        superuser.execute(script)  # again after migrate: the audit table exists now

    written = _manage("shell", "-c", EVENTS, url=app, anchor=anchor)
    assert written.returncode == 0, written.stderr

    with server.connect(name, roles["app"]) as as_app:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), as_app.transaction():
            as_app.execute("SET LOCAL audit.purge = 'on'")
            as_app.execute("DELETE FROM audit_auditevent")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_app.execute(f'SET ROLE "{roles["purge"]}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_app.execute("TRUNCATE audit_auditevent")
        as_app.execute("SELECT count(*) FROM clients_client")  # the records it works with

    refused = _manage("audit_purge", url=app, anchor=anchor)
    assert refused.returncode != 0
    assert roles["purge"] in refused.stderr

    purged = _manage("audit_purge", "--days", "730", url=purge, anchor=anchor)
    assert purged.returncode == 0, purged.stderr
    assert "Purged 3" in purged.stdout

    verified = _manage("verify_audit_chain", url=app, anchor=anchor)
    assert verified.returncode == 0, verified.stderr
    assert "2 events verified" in verified.stdout
    assert "Head anchored" in verified.stdout and "(0 newer events" in verified.stdout
