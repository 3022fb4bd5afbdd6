"""A backup (pg_dump) restored into a fresh database verifies there, and the chain's
anchor tells what a restore lost: the events written after the backup (issue 13;
docs/operations.md "Backup and restore")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from audit.services import audit_record

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
KEY = "backup-restore-test-anchor-key-0123456789abcdef"


def _pg(*args: str) -> None:
    db = connection.settings_dict
    options = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    subprocess.run([args[0], *options, *args[1:]], check=True, capture_output=True, text=True)


def _verify(database: str, anchor: Path, *extra: str) -> subprocess.CompletedProcess:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": url,
        "AUDIT_ANCHOR_PATH": str(anchor),
        "AUDIT_ANCHOR_KEY": KEY,
        "AUDIT_ANCHOR_REDIS_URL": "",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "verify_audit_chain", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _events(n: int) -> None:
    for number in range(n):
        audit_record(actor=None, action="view", object_type="clients.client", object_id=str(number))


def test_a_restored_dump_verifies_and_the_anchor_names_the_events_it_lost(
    anchored, settings, tmp_path
):
    settings.AUDIT_ANCHOR = {**settings.AUDIT_ANCHOR, "key": KEY}
    _events(5)
    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    dump = tmp_path / "portal.dump"
    _pg("pg_dump", "--format=custom", f"--file={dump}", source)
    _pg("dropdb", "--if-exists", restored)
    _pg("createdb", restored)
    try:
        _pg("pg_restore", "--no-owner", "--no-privileges", f"--dbname={restored}", str(dump))
        intact = _verify(restored, anchored)
        assert intact.returncode == 0, intact.stderr
        assert "Audit chain intact: 5 events" in intact.stdout

        # The portal writes on; then the database is lost and the backup restored.
        _events(2)
        lost = _verify(restored, anchored)
        assert lost.returncode == 1
        assert "removed from the end" in lost.stderr

        # The procedure: the gap goes on record with a re-anchoring, then all is intact.
        assert _verify(restored, anchored, "--reanchor").returncode == 0
        again = _verify(restored, anchored)
        assert again.returncode == 0, again.stderr
        assert "Audit chain intact: 6 events" in again.stdout
    finally:
        _pg("dropdb", "--if-exists", restored)
