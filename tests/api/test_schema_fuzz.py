"""Schemathesis against /api/schema/: every operation, called with real keys on the live
server, never answers 5xx, always answers as the schema says (problem details included),
and never shows a field of a section the key's agency does not hold.

Two keys: LAF's (registering agency: every section of Olena) and the Sozialamt's
(identity and contact of Olena only). Path ids are steered to Olena and her passport for
half of the examples, so the operations are tried on a real record, not only on 404s.
Bounded (`MAX_EXAMPLES` per operation and key, derandomized) to stay under a minute."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from api.models import ApiKey
from core.sections import SECTIONS, section_of_field
from tests.api.conftest import make_system
from tests.factories import DocumentFactory
from workflows.handover.services import handover_create, handover_decide

pytestmark = [pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 5


def _records(body):
    """Every object in a JSON body that is a client record (has id and reference code)."""
    if isinstance(body, dict):
        if "id" in body and "reference_code" in body:
            yield body
        for value in body.values():
            yield from _records(value)
    elif isinstance(body, list):
        for item in body:
            yield from _records(item)


def no_field_outside_held_sections(held: dict[int, frozenset[str]]):
    def check(ctx, response, case) -> None:
        content_type = response.headers.get("content-type") or response.headers.get(
            "Content-Type", ""
        )
        if isinstance(content_type, list):
            content_type = content_type[0] if content_type else ""
        if "json" not in content_type:
            return
        try:
            body = response.json()
        except ValueError:
            return
        for record in _records(body):
            sections = held.get(record["id"], frozenset({"identity"}))
            outside = [
                name
                for name in record
                if (section := section_of_field(name)) and section not in sections
            ]
            assert not outside, f"{case.path}: fields of sections not held: {outside}"

    check.__name__ = "no_field_outside_held_sections"
    return check


@pytest.fixture
def world(laf, laf_caseworker, olena, sozialamt, sozialamt_caseworker, sgb_ii, settings):
    settings.PORTAL_RATE_LIMITS = {
        group: {scope: ["100000/m"] for scope in rates}
        for group, rates in settings.PORTAL_RATE_LIMITS.items()
    }
    passport = DocumentFactory(client=olena, actor=laf_caseworker, number="FA123456")
    (grant,) = handover_create(
        actor=laf_caseworker,
        clients=[olena],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=sgb_ii,
        purpose="Benefits",
    )
    handover_decide(actor=sozialamt_caseworker, handover_id=grant.handover_id, accept=True)
    keys = {}
    for name, agency, held in (
        ("laf", laf, None),
        ("sozialamt", sozialamt, frozenset({"identity", "contact"})),
    ):
        _system, key, secret = make_system(agency)
        ApiKey.objects.filter(pk=key.pk).update(rate_per_minute=100000)
        keys[name] = (secret, held)
    return {"olena": olena, "passport": passport, "keys": keys}


def _fuzz(operation, *, base_url: str, headers: dict, checks: list, real_ids: dict) -> None:
    @given(case=operation.as_strategy(), steer=st.booleans())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, steer):
        if steer and case.path_parameters:
            for param in case.path_parameters:
                if param in real_ids:
                    case.path_parameters[param] = real_ids[param]
        response = case.call(base_url=base_url, headers=headers)
        case.validate_response(response, checks=checks)

    run()


def test_every_operation_answers_as_the_schema_says(live_server, world):
    raw = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(raw)
    olena, passport = world["olena"], world["passport"]
    # drf-spectacular names a path's pk "id".
    real_ids = {"id": olena.pk, "pk": olena.pk, "document_pk": passport.pk}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for secret, held_sections in world["keys"].values():
        # LAF registered Olena: every section; the Sozialamt holds what it was given.
        held = {olena.pk: held_sections} if held_sections else _AllSections()
        checks = [
            not_a_server_error,
            response_schema_conformance,
            no_field_outside_held_sections(held),
        ]
        for operation in operations:
            _fuzz(
                operation,
                base_url=live_server.url,
                headers={"Authorization": f"Bearer {secret}"},
                checks=checks,
                real_ids=real_ids,
            )


class _AllSections(dict):
    """LAF holds every section of every record it sees in this world."""

    def get(self, key, default=None):
        return frozenset(SECTIONS)
