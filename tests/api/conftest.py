"""Agency systems with keys, for the API's tests: `laf_api` is LAF's case management
(caseworker role) with a valid key, `sozialamt_api` the Sozialamt's; `api_as(agency,
role)` makes any other. Each is a DRF test client sending `Authorization: Bearer`."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.test import override_settings
from pytest_django.live_server_helper import LiveServer
from rest_framework.test import APIClient

from api.services import api_client_create, api_key_issue


def make_system(agency, role: str = "caseworker", name: str = ""):
    """An ApiClient of `agency` in `role` and a valid key: (ApiClient, ApiKey, key)."""
    system = api_client_create(
        agency=agency, name=name or f"{agency.slug} {role} system", role=role, actor=None
    )
    key, secret = api_key_issue(api_client=system, actor=None)
    return system, key, secret


def client_with_key(secret: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


@pytest.fixture
def api_as(db):
    """api_as(agency, role) -> an APIClient with a fresh key; `.system` and `.key` on it."""

    def make(agency, role: str = "caseworker"):
        system, key, secret = make_system(agency, role)
        api = client_with_key(secret)
        api.system, api.key, api.secret = system, key, secret
        return api

    return make


@pytest.fixture
def laf_api(api_as, laf):
    return api_as(laf, "caseworker")


@pytest.fixture
def laf_supervisor_api(api_as, laf):
    return api_as(laf, "supervisor")


@pytest.fixture
def sozialamt_api(api_as, sozialamt):
    return api_as(sozialamt, "caseworker")


@pytest.fixture(scope="session")
def live_server(request) -> Iterator[LiveServer]:
    """pytest-django's live server without the redirect to HTTPS (as tests/e2e has it:
    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server thread starts)."""
    addr = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(addr)
    yield server
    server.stop()
