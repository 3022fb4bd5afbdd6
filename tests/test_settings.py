"""Production settings must pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.signals import request_started

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


def test_every_response_switches_off_the_browser_features_the_portal_does_not_use(client, db):
    policy = client.get("/login/")["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy


@pytest.mark.django_db(transaction=True)
def test_a_request_after_a_database_restart_gets_a_fresh_connection(client):
    """A connection the server ended (restart, failover) is noticed before the request
    uses it, instead of failing the request with a 500."""
    from django.db import connection

    from tests.factories import AgencyFactory, UserFactory

    user = UserFactory(agency=AgencyFactory())
    client.force_login(user)
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**_libpq_params(connection.settings_dict), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # What the handler does before each request (the test client leaves it out).
    request_started.send(sender=None)
    response = client.get("/clients/")
    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid


def _libpq_params(settings_dict):
    return {
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"],
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"] or 5432,
    }


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PUT", "PATCH", "DELETE"])
def test_pages_refuse_methods_other_than_get_head_and_post(
    client, db, laf_caseworker, olena, method
):
    client.force_login(laf_caseworker)
    response = client.generic(method, f"/clients/{olena.pk}/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert "shevchenko" not in response.content.decode().lower()


def test_no_script_can_read_the_csrf_cookie(client, db):
    response = client.get("/login/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True
