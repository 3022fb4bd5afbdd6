"""Our pages work under our own Content Security Policy: no inline script or style is blocked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def blocked() -> list[str]:
    """What the browser refused because of the policy, as it reports it on the console."""
    return []


@pytest.fixture
def strict_page(browser: Browser, live_server, settings, blocked) -> Iterator[Page]:
    """A page with the CSP enforced (the shared `page` bypasses it to inject axe-core)."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            blocked.append(f"{page.url}: {message.text[:160]}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()


def test_no_page_of_the_intake_story_breaks_the_content_security_policy(
    strict_page, blocked, caseworker, olena, log_in
):
    page = strict_page
    log_in(page, caseworker.username)
    page.locator("#id_name").fill("shevchenko")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("main table tbody tr")).to_have_count(1)
    for path in ("", "history/", "edit/contact/", "household/add/", "documents/add/"):
        page.goto(f"/clients/{olena.pk}/{path}")
        expect(page.locator("main h1")).to_contain_text("SHEVCHENKO, Olena")
    page.goto("/clients/new/")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main .alert-danger")).to_be_focused()

    assert not blocked, "\n".join(blocked)
