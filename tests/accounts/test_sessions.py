"""Sessions end after 30 minutes without activity and 8 hours after signing in; users see
their sessions and end them; admins end a user's sessions; the cookie is "__Host-"."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from tests.accounts.conftest import is_signed_in, sign_in
from web.signin.models import UserSession
from web.signin.useragent import describe

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def clock(monkeypatch):
    """Moves the server's clock forward (Django's and the session's)."""
    offset = {"seconds": 0.0}
    real_now, real_time = timezone.now, time.time

    def advance(minutes: float) -> None:
        offset["seconds"] += minutes * 60

    monkeypatch.setattr(
        timezone, "now", lambda: real_now() + dt.timedelta(seconds=offset["seconds"])
    )
    monkeypatch.setattr(time, "time", lambda: real_time() + offset["seconds"])
    return advance


def test_a_session_ends_after_thirty_idle_minutes(caseworker, password, clock):
    browser = Browser()
    sign_in(browser, "laf.caseworker", password)
    clock(29)
    assert is_signed_in(browser)
    clock(29)  # activity 29 minutes ago moved the end on
    assert is_signed_in(browser)
    clock(31)
    assert not is_signed_in(browser)
    assert browser.get(reverse("clients:client-search")).status_code == 302


def test_the_idle_timeout_comes_from_the_environment(caseworker, password, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    browser = Browser()
    sign_in(browser, "laf.caseworker", password)
    clock(6)
    assert not is_signed_in(browser)


def test_a_session_ends_eight_hours_after_signing_in_whatever_the_activity(
    caseworker, password, clock
):
    browser = Browser()
    sign_in(browser, "laf.caseworker", password)
    for _ in range(23):  # every 20 minutes, 7 h 40 min
        clock(20)
        assert is_signed_in(browser)
    clock(21)
    assert not is_signed_in(browser)


def test_users_see_their_own_sessions_with_browser_and_address(
    caseworker, password, laf_supervisor, settings
):
    mine = Browser(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.10")
    phone = Browser(HTTP_USER_AGENT=CHROME_ANDROID, REMOTE_ADDR="198.51.100.20")
    sign_in(mine, "laf.caseworker", password)
    sign_in(phone, "laf.caseworker", password)
    Browser().force_login(laf_supervisor)
    page = mine.get(reverse("account:session-list"))
    rows = {(r["browser"], r["session"].ip, r["current"]) for r in page.context["sessions"]}
    assert rows == {
        (("Chrome", "Android"), "198.51.100.20", False),
        (("Firefox", "Windows"), "203.0.113.10", True),
    }
    body = page.content.decode()
    # The session keys are the cookies' secrets: never on a page.
    assert mine.cookies[settings.SESSION_COOKIE_NAME].value not in body
    assert phone.cookies[settings.SESSION_COOKIE_NAME].value not in body


def test_ending_another_session_signs_it_out(caseworker, password):
    mine, other = Browser(), Browser()
    sign_in(mine, "laf.caseworker", password)
    sign_in(other, "laf.caseworker", password)
    rows = mine.get(reverse("account:session-list")).context["sessions"]
    target = next(r["session"].public_id for r in rows if not r["current"])
    response = mine.post(reverse("account:session-end"), {"session": target})
    assert response.url == reverse("account:session-list")
    assert not is_signed_in(other)
    assert is_signed_in(mine)
    assert AuditEvent.objects.filter(
        action="logout", actor=caseworker, fields=["sessions_ended"]
    ).exists()


def test_ending_all_other_sessions_keeps_this_one(caseworker, password):
    mine, second, third = Browser(), Browser(), Browser()
    for browser in (mine, second, third):
        sign_in(browser, "laf.caseworker", password)
    mine.post(reverse("account:sessions-end-others"))
    assert is_signed_in(mine)
    assert not is_signed_in(second) and not is_signed_in(third)


def test_nobody_ends_someone_elses_session(caseworker, password, laf_supervisor):
    victim = Browser()
    sign_in(victim, "laf.caseworker", password)
    public_id = UserSession.objects.get(user=caseworker).public_id
    intruder = Browser()
    intruder.force_login(laf_supervisor)
    intruder.post(reverse("account:session-end"), {"session": public_id})
    intruder.post(reverse("account:sessions-end-others"))
    assert is_signed_in(victim)


def test_an_admin_ends_a_users_sessions(caseworker, password, admin_client):
    browser = Browser()
    sign_in(browser, "laf.caseworker", password)
    admin_client.post(
        reverse("admin:agencies_user_changelist"),
        {"action": "end_sessions", "_selected_action": [caseworker.pk]},
    )
    assert not is_signed_in(browser)
    assert AuditEvent.objects.filter(
        action="logout", object_id=str(caseworker.pk), fields=["admin", "sessions_ended"]
    ).exists()


def test_signing_out_removes_the_session(caseworker, password):
    browser = Browser()
    sign_in(browser, "laf.caseworker", password)
    browser.post(reverse("logout"))
    assert not UserSession.objects.filter(user=caseworker).exists()


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (FIREFOX, ("Firefox", "Windows")),
        (CHROME_ANDROID, ("Chrome", "Android")),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Safari/605.1.15",
            ("Safari", "macOS"),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            ("Edge", "Windows"),
        ),
        ("curl/8.5", ("", "")),
    ],
)
def test_the_browser_is_named_in_a_few_words(agent, expected):
    assert describe(agent) == expected
