"""Production settings must pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_check_deploy_without_warnings():
    env = {
        # The browser tests' async-safety opt-out must not leak into a production check.
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2#v9Lm!" * 4,
        "ALLOWED_HOSTS": "portal.berlin.example",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_response_carries_a_strict_content_security_policy(client, db):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_try_out_secret_key_fails_the_deployment_check():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.pop("DJANGO_SECRET_KEY", None)
    env.update(DEBUG="0", ALLOWED_HOSTS="portal.berlin.example", DATABASE_URL="sqlite:///:memory:")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_client_pages_are_never_cached(client, db):
    from tests.factories import AgencyFactory, UserFactory

    user = UserFactory(agency=AgencyFactory())
    client.force_login(user)
    response = client.get("/clients/")
    assert "no-store" in response["Cache-Control"]
