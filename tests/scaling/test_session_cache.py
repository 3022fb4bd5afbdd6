"""Sessions read from Redis, written through to their rows (web.signin.sessions): loading
a session costs no query, and a session ended in the list is ended on every worker."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, is_signed_in, sign_in
from web.signin.models import UserSession
from web.signin.sessions import CACHE_PREFIX, SessionStore, _cache

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="sessions are cached with Redis only"),
]


@pytest.fixture
def caseworker(laf_caseworker):
    laf_caseworker.set_password(PASSWORD)
    laf_caseworker.save(update_fields=["password"])
    return laf_caseworker


def _key(browser: Browser) -> str:
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def test_loading_a_session_asks_no_database(caseworker):
    browser = Browser()
    sign_in(browser, "laf.caseworker")
    store = SessionStore(_key(browser))
    with CaptureQueriesContext(connection) as queries:
        data = store.load()
    assert data["_auth_user_id"] == str(caseworker.pk)
    assert len(queries) == 0


def test_the_row_is_written_through_and_answers_when_the_cache_lost_the_session(caseworker):
    browser = Browser()
    sign_in(browser, "laf.caseworker")
    key = _key(browser)
    assert UserSession.objects.filter(session_key=key, user=caseworker).exists()
    _cache().delete(CACHE_PREFIX + key)  # evicted, or Redis restarted empty
    assert is_signed_in(browser)
    assert _cache().get(CACHE_PREFIX + key) is not None  # cached again from the row


def test_without_the_setting_sessions_come_from_their_rows(caseworker, settings):
    settings.SESSION_CACHED = False
    browser = Browser()
    sign_in(browser, "laf.caseworker")
    assert _cache().get(CACHE_PREFIX + _key(browser)) is None
    with CaptureQueriesContext(connection) as queries:
        SessionStore(_key(browser)).load()
    assert len(queries) == 1


def test_ending_a_session_in_the_list_signs_it_out_everywhere(caseworker):
    mine, other = Browser(), Browser()
    sign_in(mine, "laf.caseworker")
    sign_in(other, "laf.caseworker")
    assert _cache().get(CACHE_PREFIX + _key(other)) is not None
    rows = mine.get(reverse("account:session-list")).context["sessions"]
    target = next(r["session"].public_id for r in rows if not r["current"])
    mine.post(reverse("account:session-end"), {"session": target})
    assert _cache().get(CACHE_PREFIX + _key(other)) is None
    assert not UserSession.objects.filter(session_key=_key(other)).exists()
    assert not is_signed_in(other)
    assert is_signed_in(mine)


def test_ending_all_other_sessions_removes_them_from_the_cache(caseworker):
    mine, first, second = Browser(), Browser(), Browser()
    for browser in (mine, first, second):
        sign_in(browser, "laf.caseworker")
    mine.post(reverse("account:sessions-end-others"))
    assert _cache().get(CACHE_PREFIX + _key(first)) is None
    assert not is_signed_in(first)
    assert not is_signed_in(second)
    assert is_signed_in(mine)


def test_signing_out_removes_the_cached_session(caseworker):
    browser = Browser()
    sign_in(browser, "laf.caseworker")
    key = _key(browser)
    browser.post(reverse("logout"))
    assert _cache().get(CACHE_PREFIX + key) is None
    assert not UserSession.objects.filter(session_key=key).exists()
