"""Migrations apply from scratch and unapply back to zero, on an embedded database of their own."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, database: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "0"}
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


def test_migrations_apply_unapply_and_reapply(tmp_path):
    database = tmp_path / "migrations.sqlite3"
    _manage("migrate", "--no-input", database=database)
    # Dependants first: clients and audit point at agencies' user model.
    for app in ["clients", "audit", "guardian", "admin", "agencies"]:
        _manage("migrate", app, "zero", "--no-input", database=database)
    _manage("migrate", "--no-input", database=database)
