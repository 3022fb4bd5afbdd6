"""docs/agency_system_example.py against a live server with real keys: an agency system
fetches a record shared with it, receives a change through the feed, and is refused a
record not shared (404). Keeps the example true."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.test.utils import override_settings
from pytest_django.live_server_helper import LiveServer

from clients import services as client_services
from tests.api.conftest import make_system
from tests.factories import ClientFactory
from workflows.handover.services import handover_create, handover_decide

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "agency_system_example.py"


def _example():
    spec = importlib.util.spec_from_file_location("agency_system_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def live_server():
    """A live server without the redirect to HTTPS (SecurityMiddleware reads the setting
    when the server thread builds its middleware; see tests/e2e/conftest.py)."""
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_the_agency_system_example_runs_against_the_portal(
    live_server, laf, laf_caseworker, sozialamt, sozialamt_caseworker, olena, legal_bases
):
    other = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Kovalenko")
    (grant,) = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=legal_bases["sgb-ii-50"],
        purpose="Benefits",
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)
    _system, _key, secret = make_system(sozialamt, "caseworker", name="Sozialamt case files")
    example = _example()

    with example.connect(live_server.url, secret) as api:
        record, version = example.fetch_record(api, olena.pk)
        assert record["postcode"] == "10243"
        assert "sensitive_notes" not in record  # not shared: absent
        cursor = example.feed_start(api)

        olena.refresh_from_db()
        client_services.client_update(
            client=olena,
            actor=laf_caseworker,
            fields={"postcode": "12619"},
            seen_version=olena.version,
        )
        changes, cursor = example.feed_follow(api, cursor)
        assert [(c["record"], c["kind"], c["sections"]) for c in changes] == [
            (olena.pk, "updated", ["contact"])
        ]
        record, new_version = example.fetch_record(api, olena.pk)
        assert record["postcode"] == "12619"
        assert new_version != version
        assert new_version == f'"{changes[0]["version"]}"'
        assert example.feed_follow(api, cursor) == ([], cursor)

        assert example.is_shared(api, olena.pk) is True
        assert example.is_shared(api, other.pk) is False
