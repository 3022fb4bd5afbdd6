"""The browser fixtures of tests/e2e (one Chromium per session, a context per test,
logging in through the login form), for the import's browser test in this folder."""

from tests.e2e.conftest import (  # noqa: F401 - fixtures, found by name
    assert_accessible,
    browser,
    caseworker,
    context,
    live_server,
    page,
    page_for,
    password,
    screenshot,
)
