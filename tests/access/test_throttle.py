"""Trawling the register: many vague searches by one caseworker yield no existence hint
and are stopped, the supervisors are told, and every refusal is in the audit log."""

import logging
import time

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import AgencyFactory, ClientFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("clients:client-search")


@pytest.fixture(autouse=True)
def one_rate_window(monkeypatch):
    """Every request of a test counts in the same window: a run that crossed the edge
    of a minute would start counting afresh half-way (django-ratelimit's windows are
    fixed, each ending at its own second of the minute)."""
    now = int(time.time())
    monkeypatch.setattr(
        "django_ratelimit.core._get_window", lambda _value, period: now - now % period + period
    )


@pytest.fixture
def register(laf, laf_caseworker):
    """What another agency holds: people with common names over many birth years."""
    for year in range(1950, 2010, 3):
        ClientFactory(agency=laf, actor=laf_caseworker, family_name="Abramenko",
                      given_names="Anna")  # fmt: skip
        ClientFactory(agency=laf, actor=laf_caseworker, family_name="Aliyev",
                      given_names="Ali", birth_date=_date(year))  # fmt: skip


def _date(year):
    from core.dates import PartialDate

    return PartialDate(year, 3, 1)


@pytest.fixture
def small_agency_caseworker(db):
    small = AgencyFactory(name="Beratungsstelle Nord", slug="nord")
    UserFactory(username="nord.supervisor", email="leitung@nord.example",
                agency=small, agency__role="supervisor")  # fmt: skip
    return UserFactory(username="nord.caseworker", agency=small, agency__role="caseworker")


def test_trawling_with_letters_and_birth_years_gives_no_hints_and_is_stopped(
    client, register, small_agency_caseworker, caplog
):
    client.force_login(small_agency_caseworker)
    answers = []
    with caplog.at_level(logging.WARNING, logger="portal.alerts"):
        for year in range(1940, 2027):
            for name in ("a a a a", "a", "al al", "an a"):
                response = client.post(SEARCH, {"name": name, "birth_date": str(year)})
                answers.append(response)
    assert len(answers) == 348
    served = [r for r in answers if r.status_code == 200]
    refused = [r for r in answers if r.status_code == 429]
    assert len(served) + len(refused) == 348
    # No answer named any record of another agency.
    assert all(r.context["hints"] == [] for r in served)
    # Slowed down: after the per-minute limit everything is refused.
    assert len(served) == 30
    assert len(refused) == 318
    # Every refusal is in the audit log; the supervisor was mailed once; the operator's
    # log has one line with ids, not names.
    denied = AuditEvent.objects.filter(
        actor=small_agency_caseworker, outcome="denied", object_type="ratelimit"
    )
    assert denied.count() == 318
    assert [m.to for m in mail.outbox] == [["leitung@nord.example"]]
    assert "nord.caseworker" in mail.outbox[0].body
    [line] = [r.getMessage() for r in caplog.records if r.name == "portal.alerts"]
    assert f"user={small_agency_caseworker.pk}" in line


def test_the_refusal_page_explains_itself(client, small_agency_caseworker, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "lookup": {"user": ["2/m"]}}
    client.force_login(small_agency_caseworker)
    for _ in range(2):
        assert client.post(SEARCH, {"name": "Shevchenko"}).status_code == 200
    response = client.post(SEARCH, {"name": "Shevchenko"})
    assert response.status_code == 429
    assert response.templates[0].name == "429.html"


def test_a_limit_for_the_agency_counts_all_its_staff(client, laf, settings):
    settings.PORTAL_RATE_LIMITS = {
        **settings.PORTAL_RATE_LIMITS,
        "lookup": {"user": ["100/m"], "agency": ["3/m"]},
    }
    staff = [UserFactory(agency=laf, agency__role="caseworker") for _ in range(4)]
    codes = []
    for user in staff:
        client.force_login(user)
        codes.append(client.post(SEARCH, {"name": "Shevchenko"}).status_code)
    assert codes == [200, 200, 200, 429]


def test_the_duplicate_check_counts_too_and_answers_in_place(client, laf_caseworker, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "lookup": {"user": ["1/m"]}}
    client.force_login(laf_caseworker)
    url = reverse("clients:duplicate-check")
    data = {"family_name": "Shevchenko", "given_names": "Olena"}
    assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 200
    refused = client.post(url, data, HTTP_HX_REQUEST="true")
    assert refused.status_code == 429
    assert refused.templates[0].name == "includes/too_many_requests.html"


def test_searching_within_the_limits_is_not_refused(client, laf_caseworker):
    client.force_login(laf_caseworker)
    for _ in range(25):
        assert client.post(SEARCH, {"name": "Shevchenko"}).status_code == 200
