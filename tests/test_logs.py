"""Log lines are JSON in production and name the request and the agency, never a person."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from django.test import override_settings

from core.logs import JsonFormatter, RequestContextFilter, log_bind, log_forget
from tests.factories import AgencyFactory, ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """What the portal's configured console handler writes (settings.LOGGING)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(previous)


def test_production_logs_are_json(settings):
    assert settings.LOG_FORMAT == "json"  # DEBUG is off in tests, as in production


def test_a_request_logs_json_with_its_request_id_and_agency_id_and_no_name(
    client, laf, laf_caseworker, log_lines
):
    hidden = ClientFactory(agency=AgencyFactory(), family_name="Zlatopolska")  # not LAF's
    client.force_login(laf_caseworker)
    response = client.get(f"/clients/{hidden.pk}/?name=Zlatopolska")
    assert response.status_code == 404
    lines = [line for line in log_lines() if line["logger"] == "django.request"]
    assert lines, "the 404 is logged"
    line = lines[-1]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["agency_id"] == laf.pk
    assert line["user_id"] == laf_caseworker.pk
    assert line["level"] == "WARNING"
    assert line["status_code"] == 404
    assert str(hidden.pk) in line["message"]  # record ids are fine, names and queries not
    text = json.dumps(lines)
    assert "Zlatopolska" not in text
    assert "name=" not in text


def test_a_line_logged_inside_a_view_carries_the_ids(client, laf, laf_caseworker, log_lines):
    client.force_login(laf_caseworker)
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", CACHES=_unreachable_cache()):
        response = client.get("/readyz")
    line = next(line for line in log_lines() if line["logger"] == "portal.health")
    assert line["message"] == "readyz: cache unavailable (ConnectionError)"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["agency_id"] == laf.pk


def test_after_the_response_the_ids_are_forgotten(client, laf_caseworker, log_lines):
    client.force_login(laf_caseworker)
    client.get("/healthz")
    logging.getLogger("portal.test").warning("between requests")
    line = log_lines()[-1]
    assert line["message"] == "between requests"
    assert "request_id" not in line and "agency_id" not in line


def test_an_exception_is_logged_by_type_and_frames_without_its_message():
    record = _record_of_exception(ValueError("Key (family_name)=(Zlatopolska) already exists"))
    line = json.loads(JsonFormatter().format(record))
    assert line["exception"]["type"] == "builtins.ValueError"
    assert any("test_logs.py" in frame for frame in line["exception"]["frames"])
    assert "Zlatopolska" not in json.dumps(line)


def test_fields_a_logger_passes_become_keys_of_the_line():
    log_bind(request_id="abc12345", agency_id=7)
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /healthz", (), None)
        record.fields = {"status": 200, "path": "/healthz"}
        RequestContextFilter().filter(record)
    finally:
        log_forget()
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc12345"
    assert line["agency_id"] == 7
    assert line["status"] == 200


def _record_of_exception(error: Exception) -> logging.LogRecord:
    try:
        raise error
    except ValueError:
        return logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "Internal Server Error: /x/", (), sys.exc_info()
        )


def _unreachable_cache() -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
