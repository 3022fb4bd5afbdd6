"""LAF's supervisor reviews a probable duplicate in the browser (issue 5, capability 4):
opens the queue, compares the two records (differences highlighted), picks the record to
keep (the proposed values follow the choice), merges, lands on the survivor, and undoes.

Fields are found by their names and ids, so the test does not depend on translations.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from clients.models import Client
from core.dates import PartialDate
from tests.factories import ClientFactory, UserFactory
from workflows.duplicates import services
from workflows.duplicates.models import ClientMerge

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_merges_a_duplicate_and_undoes_it(
    page_for, laf, caseworker, password, assert_accessible, screenshot
):
    UserFactory(username="laf.supervisor", password=password, agency=laf, agency__role="supervisor")
    first = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Shevchenko",
        given_names="Oleksandra",
        birth_date=PartialDate(1985, 7, 3),
    )
    second = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Schewtschenko",
        given_names="Oleksandra",
        birth_date=PartialDate(1985, 7, 3),
        phone="+49 30 1234567",
    )
    pair = services.duplicate_pair_record(
        client_ids=(first.pk, second.pk),
        score=0.92,
        reasons=["name_translit", "birth_same"],
        source="report",
    )

    page = page_for("laf.supervisor")
    page.locator("#main-nav a[href='/clients/duplicates/']").click()
    page.locator(f"a[href='/clients/duplicates/{pair.pk}/']").click()
    expect(page.locator("tr.merge-differs")).to_have_count(2)  # family name, phone
    assert_accessible(page, "duplicate pair")
    screenshot(page, "duplicate-pair")

    # Keeping the second record proposes its family name; keeping the first, the first's.
    family_a, family_b = (
        page.locator("#choice-family_name-a"),
        page.locator("#choice-family_name-b"),
    )
    expect(family_a).to_be_checked()
    page.locator("#survivor-b").check()
    expect(family_b).to_be_checked()
    page.locator("#survivor-a").check()
    expect(family_a).to_be_checked()
    expect(page.locator("#choice-phone-b")).to_be_checked()  # the first has no phone

    page.locator("button[name=decision][value=merge]").click()
    expect(page).to_have_url(f"{page.url.split('/clients/')[0]}/clients/{first.pk}/")
    expect(page.locator("main")).to_contain_text(second.reference_code_display)
    first.refresh_from_db()
    assert first.phone.as_e164 == "+49301234567"
    assert Client.objects.get(pk=second.pk).merged_into_id == first.pk

    # The merged record's address leads to the survivor.
    page.goto(f"/clients/{second.pk}/")
    expect(page).to_have_url(f"{page.url.split('/clients/')[0]}/clients/{first.pk}/")

    merge = ClientMerge.objects.get()
    page.locator(f"form[action='/clients/merges/{merge.pk}/undo/'] button").click()
    expect(page).to_have_url(f"{page.url.split('/clients/')[0]}/clients/duplicates/{pair.pk}/")
    assert Client.objects.get(pk=second.pk).merged_into_id is None
    first.refresh_from_db()
    assert not first.phone
