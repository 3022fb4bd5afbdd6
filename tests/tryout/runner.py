"""Run a script as the try-out runs (`make run`: SQLite, DEBUG) in a subprocess: the test
database is PostgreSQL, and Django's connection is set up once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def run_on_sqlite(script: str, tmp_path: Path) -> list[str]:
    """The lines the script printed; fails the test when the script fails."""
    env = {
        **{
            name: value
            for name, value in os.environ.items()
            # Redis stays out: the try-out has none (its cache is the process's memory).
            if name not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")
        },
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "registration_portal.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()
