"""Every main page fits a phone (375 px) and a desk screen (1366 px): nothing wider than
the window, the top menu on one line at 1366 px, axe-core clean. Screenshots of each page
at both widths are kept under tests/e2e/artifacts/layout/ (issue 12)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from core.dates import PartialDate
from tests.factories import ClientFactory, DocumentFactory, UserFactory
from workflows.duplicates import services as duplicate_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = (375, 1366)

# The elements reaching past the window's right edge, innermost first; an element inside
# a scroll container (`.table-responsive`, `pre`) scrolls there and does not widen the page.
OVERFLOWING = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit) continue;
    if (element.closest('.visually-hidden, .skip-link')) continue;
    let scrolls = false;
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(up).overflowX)) scrolls = true;
    }
    if (scrolls) continue;
    const inner = [...element.children].some(
      child => child.getBoundingClientRect().right > limit);
    if (!inner) wide.push(
      `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}` +
      `${element.className && typeof element.className === 'string'
          ? '.' + element.className.trim().split(/\\s+/).join('.') : ''}` +
      ` right=${Math.round(box.right)}`);
  }
  return {page: document.documentElement.scrollWidth, window: limit - 1, wide};
}"""


def _check(page: Page, name: str, screenshot, assert_accessible) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        found = page.evaluate(OVERFLOWING)
        if found["page"] > found["window"] or found["wide"]:
            problems.append(f"{name} at {width} px: page {found['page']} px; {found['wide'][:5]}")
        if width == 1366:
            # One line: as high as the brand beside it, every item on the brand's line.
            lines = page.evaluate(
                "() => { const brand = document.querySelector('.navbar-brand')"
                ".getBoundingClientRect();"
                " return [...document.querySelectorAll('#main-nav .nav-link')].filter(item =>"
                " { const box = item.getBoundingClientRect();"
                " return box.height > brand.height * 1.5 || box.top > brand.bottom }).length }"
            )
            if lines:
                problems.append(f"{name} at 1366 px: {lines} menu items off the menu's line")
        screenshot(page, f"layout/{name}-{width}")
    assert_accessible(page, name)
    return problems


@pytest.fixture
def register(laf, caseworker, password):
    UserFactory(username="laf.supervisor", password=password, agency=laf, agency__role="supervisor")
    UserFactory(username="laf.admin", password=password, agency=laf, agency__role="agency_admin")
    first = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Shevchenko",
        given_names="Oleksandra Volodymyrivna",
        birth_date=PartialDate(1985, 7, 3),
        street="Kopernikusstraße 5",
        postcode="10243",
    )
    for number in ("FA123456", "FB765432", "EE998877"):
        DocumentFactory(client=first, actor=caseworker, number=number)
    second = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Schewtschenko",
        given_names="Oleksandra",
        birth_date=PartialDate(1985, 7, 3),
        phone="+49 30 1234567",
    )
    pair = duplicate_services.duplicate_pair_record(
        client_ids=(first.pk, second.pk),
        score=0.92,
        reasons=["name_translit", "birth_same"],
        source="report",
    )
    return first, pair


def test_main_pages_fit_a_phone_and_a_desk_screen(
    page_for, register, screenshot, assert_accessible
):
    person, pair = register
    problems: list[str] = []

    caseworker = page_for("laf.caseworker")
    caseworker.goto("/clients/")
    problems += _check(caseworker, "search", screenshot, assert_accessible)
    caseworker.locator("main form input[name=name]").fill("Shevchenko")
    caseworker.locator("main form button[type=submit]").first.click()
    caseworker.wait_for_load_state()
    problems += _check(caseworker, "search-results", screenshot, assert_accessible)
    for name, url in (
        ("record", f"/clients/{person.pk}/"),
        ("history", f"/clients/{person.pk}/history/"),
        ("intake", "/clients/new/"),
        ("inbox", "/inbox/"),
        ("handover", f"/clients/{person.pk}/handover/"),
        ("account", "/account/"),
    ):
        caseworker.goto(url)
        problems += _check(caseworker, name, screenshot, assert_accessible)

    supervisor = page_for("laf.supervisor")
    for name, url in (
        ("duplicate-queue", "/clients/duplicates/"),
        ("duplicate-pair", f"/clients/duplicates/{pair.pk}/"),
        ("audit-log", "/audit/"),
        ("record-accesses", f"/audit/clients/{person.pk}/"),
    ):
        supervisor.goto(url)
        problems += _check(supervisor, name, screenshot, assert_accessible)

    admin = page_for("laf.admin")
    admin.goto("/clients/import/")
    problems += _check(admin, "import", screenshot, assert_accessible)

    assert problems == [], "\n".join(problems)
