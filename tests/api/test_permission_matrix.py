"""Every API URL pattern × method, called by agency systems of every relation to the
record (registering agency, granted, grant ended, never shared) in every role, and
without a key: the answer is what the policy says (tests/api/matrix.py), and a record's
answer never carries a field of a section the caller's agency does not hold.

Fails for a URL pattern of api/urls.py that has no row: a new endpoint must say who may
call it before it ships."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver

import api.urls
from core.sections import section_of_field
from tests.api.matrix import CASES, NO_KEY, ROWS, build_world, call

pytestmark = pytest.mark.django_db


def _names(patterns) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_every_api_url_pattern_is_in_the_matrix():
    unmapped = _names(api.urls.urlpatterns) - {row.name for row in ROWS}
    assert not unmapped, f"API URL patterns without rows in tests/api/matrix.py: {unmapped}"


def test_every_api_url_pattern_has_a_name():
    def unnamed(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from unnamed(pattern.url_patterns)
            elif not pattern.name:
                yield str(pattern.pattern)

    assert list(unnamed(api.urls.urlpatterns)) == []


def _fields_outside(body, held) -> list[str]:
    if not isinstance(body, dict):
        return []
    return [
        name
        for name in body
        if (section := section_of_field(name)) is not None and section not in held
    ]


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_matrix(row, sgb_ii):
    world = build_world(sgb_ii)
    wrong = []
    for case in CASES:
        response = call(world, row, case)
        expected = row.expected(case)
        if response.status_code != expected:
            wrong.append(f"{case}: {response.status_code} (expected {expected})")
            continue
        if response.status_code >= 400 and row.name not in ("docs",):
            assert response["Content-Type"] == "application/problem+json", (str(case), row)
        if row.record and response.status_code < 300 and case is not NO_KEY:
            outside = _fields_outside(response.json(), case.held)
            if outside:
                wrong.append(f"{case}: fields of sections not held: {outside}")
    assert not wrong, f"{row}: " + "; ".join(wrong)
