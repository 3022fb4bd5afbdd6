"""/api/docs/ in headless Chromium with our Content Security Policy enforced: Swagger UI
comes from our own static files (drf-spectacular-sidecar), its start script from the
split view's ?script URL, and it lists the API's operations; nothing is blocked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in the test thread (see tests/e2e/conftest.py).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "e2e" / "artifacts"


def test_the_api_docs_list_the_operations_under_our_csp(live_server):
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is missing at {CHROMIUM}")
    blocked, requests_elsewhere = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(base_url=live_server.url)
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text[:200])
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on(
            "request",
            lambda request: (
                requests_elsewhere.append(request.url)
                if not request.url.startswith(live_server.url)
                and not request.url.startswith("data:")
                else None
            ),
        )
        response = page.goto("/api/docs/")
        assert response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
        operations = page.locator(".opblock")
        expect(operations.first).to_be_visible(timeout=15_000)
        expect(
            page.locator(".opblock-summary-path", has_text="/api/v1/clients/{id}/").first
        ).to_be_visible()
        assert operations.count() >= 8
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "api_docs.png"), full_page=False)
        browser.close()
    assert not blocked, "\n".join(blocked)
    assert not requests_elsewhere, requests_elsewhere
