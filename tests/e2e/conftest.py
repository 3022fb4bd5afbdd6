"""Browser tests: headless Debian Chromium, driven by Playwright, against the live server.

One browser per test session, a fresh context (cookies, storage) per test. Pages are
found through form field names and ids, which do not change when the German
translations land; assertions are on what the person sees.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.conftest import current_totp_code

# Playwright's sync API keeps an asyncio event loop running in the test thread, so Django
# would refuse our ORM calls (factories, the flush after each test) as "async-unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium phones home, and this machine refuses outgoing connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "Kopernikus-Ufer-1985"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _skip_or_fail(reason: str) -> None:
    """Skip on a developer machine; in CI a missing browser must fail, never pass silently."""
    if _in_ci():
        pytest.fail(f"{reason} (CI is set: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _skip_or_fail(f"Debian's chromium is missing at {CHROMIUM}: apt-get install chromium")
    if not AXE_JS.exists():
        _skip_or_fail(f"axe-core is missing at {AXE_JS}: run `npm ci`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(request) -> Iterator[LiveServer]:
    """pytest-django's live server, started with the redirect to HTTPS switched off.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server thread builds its
    middleware, so the per-test `_plain_http` override in tests/conftest.py comes too late.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer(addr)
    yield server
    server.stop()


def _new_context(browser: Browser, base_url: str) -> BrowserContext:
    context = browser.new_context(
        base_url=base_url,
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": 1280, "height": 900},
        # axe-core is injected as an inline script, which our CSP rightly blocks;
        # test_content_security_policy.py checks the pages with the policy enforced.
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def context(browser: Browser, live_server, settings) -> Iterator[BrowserContext]:
    # Plain HTTP: cookies marked Secure, as in production, would not come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = _new_context(browser, live_server.url)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page_for(
    browser: Browser, context: BrowserContext, live_server
) -> Iterator[Callable[..., Page]]:
    """Another person at another desk: `page_for(username)` opens a fresh browser context
    (own cookies) and logs that user in through the login form. Closed after the test.

    Asks for `context` so that the cookie settings for plain HTTP are in place."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_page(username: str, password: str = PASSWORD) -> Page:
        other = _new_context(browser, live_server.url)
        contexts.append(other)
        page = other.new_page()
        page.on("pageerror", lambda error: errors.append(f"{username}: {error}"))
        _log_in(page, username, password)
        return page

    yield open_page
    for other in contexts:
        other.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def password() -> str:
    """What the caseworker types into the login form."""
    return PASSWORD


@pytest.fixture
def caseworker(laf_caseworker, password):
    """LAF's caseworker, with a real password."""
    laf_caseworker.set_password(password)
    laf_caseworker.save(update_fields=["password"])
    return laf_caseworker


def _log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Password, then, for a user with an authenticator app, the code it shows now."""
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()
    page.locator("#main-nav, #id_code").first.wait_for()
    if page.locator("#id_code").count():
        from agencies.models import User

        page.locator("#id_code").fill(current_totp_code(User.objects.get(username=username)))
        page.locator("main button[type=submit]").click()
    expect(page.locator("#main-nav")).to_contain_text(username)


@pytest.fixture
def log_in() -> Callable[..., None]:
    """Log in through the real login form."""
    return _log_in


@pytest.fixture
def logged_in(page: Page, caseworker) -> Page:
    """A page on which LAF's caseworker has logged in through the login form."""
    _log_in(page, caseworker.username)
    return page


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot under tests/e2e/artifacts/ to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def assert_accessible() -> Callable[[Page, str], None]:
    """Run axe-core on the page; fail on any serious or critical WCAG 2.1 A/AA violation."""

    def check(page: Page, what: str) -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"axe on the {what} page:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}\n"
            + "\n".join(
                f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
                for node in v["nodes"]
            )
            for v in serious
        )

    return check


@pytest.fixture
def assert_skip_link_first() -> Callable[[Page], None]:
    """From the top of a page, the first Tab lands on the visible skip link, which leads to main."""

    def check(page: Page) -> None:
        page.keyboard.press("Tab")
        skip_link = page.locator("a.skip-link")
        expect(skip_link).to_be_focused()
        expect(skip_link).to_be_visible()
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()

    return check
