"""A failed login names the account tried (by id), or a keyed fingerprint of a name that
is no account, never what was typed; the audit page flags many failed logins on one
account and from one address."""

import pytest
from django.test import Client as Browser
from django.urls import reverse

from audit.models import AuditEvent
from audit.selectors import anomalies
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(settings):
    settings.AUDIT_ANOMALY = {
        **settings.AUDIT_ANOMALY,
        "failed_login_account_min": 3,
        "failed_login_address_min": 4,
    }
    return settings.AUDIT_ANOMALY


def _fail(username, *, address="127.0.0.1", times=1):
    browser = Browser(REMOTE_ADDR=address)
    for _ in range(times):
        response = browser.post(reverse("login"), {"username": username, "password": "wrong"})
        assert response.status_code == 200


def _flags(events):
    return {(flag.rule, flag.who) for flag in anomalies(events)}


def test_a_failed_login_on_an_account_names_the_account_and_its_agency(laf_caseworker, laf):
    _fail("laf.caseworker")
    event = AuditEvent.objects.get(action="login_failed")
    assert (event.object_type, event.object_id) == ("auth.user", str(laf_caseworker.pk))
    assert event.agency == laf
    assert event.actor is None and event.outcome == "denied"
    assert event.query_hash == ""


def test_a_name_that_is_no_account_is_kept_only_as_a_fingerprint(db):
    _fail("my-Secret-Passw0rd")
    _fail("MY-SECRET-PASSW0RD ")
    first, second = AuditEvent.objects.filter(action="login_failed").order_by("pk")
    assert first.object_id == "" and first.agency is None
    assert first.query_hash and first.query_hash == second.query_hash
    stored = str(list(AuditEvent.objects.values_list()))
    assert "secret" not in stored.lower()


def test_a_login_fingerprint_is_no_search_fingerprint(db):
    from audit.services import login_fingerprint, search_fingerprint

    assert login_fingerprint("Shevchenko") != search_fingerprint("Shevchenko")


def test_many_failed_logins_on_one_account_are_flagged_for_its_supervisors(
    rules, laf_caseworker, laf_supervisor, sozialamt_supervisor
):
    _fail("laf.caseworker", times=3)
    browser = Browser()
    browser.force_login(laf_supervisor)
    page = browser.get(reverse("audit:event-list"))
    assert ("failed_logins_account", "laf.caseworker") in {
        (flag.rule, flag.who) for flag in page.context["anomalies"]
    }
    assert "laf.caseworker" in page.content.decode()
    browser.force_login(sozialamt_supervisor)
    other = browser.get(reverse("audit:event-list"))
    assert not [f for f in other.context["anomalies"] if f.rule.startswith("failed_logins")]


def test_a_few_failed_logins_are_not_flagged(rules, laf_caseworker):
    _fail("laf.caseworker", times=2)
    assert not [rule for rule, _who in _flags(AuditEvent.objects.all()) if "failed" in rule]


def test_many_failed_logins_on_a_name_that_is_no_account_are_flagged(rules, db):
    from audit.services import login_fingerprint

    _fail("admin", times=3)
    assert ("failed_logins_name", login_fingerprint("admin")) in _flags(AuditEvent.objects.all())


def test_many_failed_logins_from_one_address_are_flagged(rules, laf_caseworker):
    """Password spraying: one address, a different name each time."""
    for name in ("laf.caseworker", "anna", "bernd", "carla"):
        _fail(name, address="203.0.113.66")
    _fail("dora", address="198.51.100.1")
    flags = _flags(AuditEvent.objects.all())
    assert ("failed_logins_address", "203.0.113.66") in flags
    assert not [who for rule, who in flags if who == "198.51.100.1"]


def test_the_central_admins_page_shows_failed_logins_from_one_address(rules, db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    for name in ("anna", "bernd", "carla", "dora"):
        _fail(name, address="203.0.113.66")
    browser = Browser()
    browser.force_login(root)
    page = browser.get(reverse("audit:event-list"))
    assert ("failed_logins_address", "203.0.113.66") in {
        (flag.rule, flag.who) for flag in page.context["anomalies"]
    }
    assert "203.0.113.66" in page.content.decode()
