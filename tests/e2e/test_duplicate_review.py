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

    # The merge asks first: cancelled, nothing happens; confirmed, the records merge.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.locator("button[name=decision][value=merge]").click()
    expect(page).to_have_url(f"{page.url.split('/clients/')[0]}/clients/duplicates/{pair.pk}/")
    assert len(questions) == 1
    assert Client.objects.get(pk=second.pk).merged_into_id is None
    page.once("dialog", lambda dialog: dialog.accept())
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
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"form[action='/clients/merges/{merge.pk}/undo/'] button").click()
    expect(page).to_have_url(f"{page.url.split('/clients/')[0]}/clients/duplicates/{pair.pk}/")
    assert Client.objects.get(pk=second.pk).merged_into_id is None
    first.refresh_from_db()
    assert not first.phone


# --- Across agencies (issue 10, point 7) ---------------------------------------------------


@pytest.fixture
def two_agencies(laf, sozialamt, caseworker, sozialamt_caseworker, password):
    """LAF registered Olena first; the Sozialamt later as Jelena Kowaltschuk, with a
    phone number. Both agencies' supervisors log in; the merge's legal basis is replayed
    (this test's flush emptied the data migration's rows)."""
    import importlib

    from django.apps import apps

    importlib.import_module("agencies.migrations.0005_legal_basis_merge_of_duplicates").create(
        apps, None
    )
    for agency in (laf, sozialamt):
        UserFactory(
            username=f"{agency.slug}.supervisor",
            password=password,
            agency=agency,
            agency__role="supervisor",
        )
    ours = ClientFactory(
        agency=laf,
        actor=caseworker,
        family_name="Kovalchuk",
        given_names="Olena",
        birth_date=PartialDate(1979, 2, 11),
    )
    theirs = ClientFactory(
        agency=sozialamt,
        actor=sozialamt_caseworker,
        family_name="Kowaltschuk",
        given_names="Jelena",
        birth_date=PartialDate(1979, 2, 11),
        phone="+49 1512 3456789",
    )
    pair = services.duplicate_pair_record(
        client_ids=(ours.pk, theirs.pk),
        score=0.93,
        reasons=["name_translit", "birth_same"],
        source="report",
    )
    return ours, theirs, pair


def _open_pair(page, pair) -> None:
    page.locator("#main-nav a[href='/clients/duplicates/']").click()
    page.locator(f"a[href='/clients/duplicates/{pair.pk}/']").click()


def test_two_agencies_merge_a_duplicate_and_one_undoes_it(
    page_for, two_agencies, laf, sozialamt, assert_accessible, screenshot
):
    from access.models import Grant
    from workflows.duplicates.models import MergeProposal

    ours, theirs, pair = two_agencies

    # LAF's supervisor sees the Sozialamt's record: its identity only, no phone number.
    laf_page = page_for("laf.supervisor")
    _open_pair(laf_page, pair)
    expect(laf_page.locator("main")).to_contain_text("KOWALTSCHUK".title())
    expect(laf_page.locator("main")).not_to_contain_text("3456789")
    expect(laf_page.locator(f"main a[href='/clients/{theirs.pk}/']")).to_have_count(0)
    expect(laf_page.locator("#survivor-a-earlier")).to_be_visible()  # LAF's: registered first
    assert_accessible(laf_page, "duplicate pair across agencies")
    screenshot(laf_page, "duplicate-pair-across-agencies")
    laf_page.locator("#choice-given_names-b").check()
    laf_page.locator("button[name=decision][value=propose]").click()
    expect(laf_page.locator("#merge-proposal")).to_be_visible()
    expect(laf_page.locator("button[name=decision][value=withdraw]")).to_be_visible()
    assert MergeProposal.objects.get().choices["given_names"] == "b"

    # The Sozialamt's supervisor finds it waiting in the queue and approves.
    sozialamt_page = page_for("sozialamt-mh.supervisor")
    sozialamt_page.locator("#main-nav a[href='/clients/duplicates/']").click()
    expect(sozialamt_page.locator("[data-proposal=awaits-us]")).to_have_count(1)
    sozialamt_page.locator(f"a[href='/clients/duplicates/{pair.pk}/']").click()
    expect(sozialamt_page.locator("td[data-kept]", has_text="Jelena")).to_have_count(1)
    assert_accessible(sozialamt_page, "merge proposal")
    screenshot(sozialamt_page, "merge-proposal")
    sozialamt_page.once("dialog", lambda dialog: dialog.accept())
    sozialamt_page.locator("button[name=decision][value=approve]").click()
    base = sozialamt_page.url.split("/clients/")[0]
    expect(sozialamt_page).to_have_url(f"{base}/clients/{ours.pk}/")
    ours.refresh_from_db()
    assert ours.given_names == "Jelena" and ours.phone.as_e164 == "+4915123456789"
    grant = Grant.objects.get(origin=Grant.Origin.MERGE)
    assert grant.agency == sozialamt and grant.expires_on is None

    # The grant is in the journey, with its legal basis, for both agencies.
    journey = sozialamt_page.locator("#journey")
    expect(journey).to_contain_text(grant.legal_basis.title)
    expect(journey).to_contain_text(sozialamt.name)
    laf_page.goto(f"/clients/{ours.pk}/")
    expect(laf_page.locator("#journey")).to_contain_text(grant.legal_basis.title)
    screenshot(laf_page, "journey-after-merge")

    # The Sozialamt undoes it from the surviving record: both records are back.
    merge = ClientMerge.objects.get()
    sozialamt_page.once("dialog", lambda dialog: dialog.accept())
    sozialamt_page.locator(f"form[action='/clients/merges/{merge.pk}/undo/'] button").click()
    expect(sozialamt_page).to_have_url(f"{base}/clients/duplicates/{pair.pk}/")
    assert Client.objects.get(pk=theirs.pk).merged_into_id is None
    ours.refresh_from_db()
    assert ours.given_names == "Olena" and not ours.phone
    assert Grant.objects.get(pk=grant.pk).status == Grant.Status.REVOKED
    assert sozialamt_page.goto(f"/clients/{ours.pk}/").status == 404


def test_a_proposal_is_withdrawn_and_the_next_one_declined(page_for, two_agencies):
    from workflows.duplicates.models import MergeProposal

    ours, theirs, pair = two_agencies
    laf_page = page_for("laf.supervisor")
    _open_pair(laf_page, pair)
    laf_page.locator("button[name=decision][value=propose]").click()
    laf_page.locator("button[name=decision][value=withdraw]").click()
    expect(laf_page.locator("button[name=decision][value=propose]")).to_be_visible()
    assert MergeProposal.objects.get().status == MergeProposal.Status.WITHDRAWN

    laf_page.locator("button[name=decision][value=propose]").click()
    expect(laf_page.locator("#merge-proposal")).to_be_visible()
    sozialamt_page = page_for("sozialamt-mh.supervisor")
    _open_pair(sozialamt_page, pair)
    sozialamt_page.locator("#id_decision_note").fill("Andere Eltern laut Geburtsurkunde")
    sozialamt_page.locator("button[name=decision][value=decline]").click()
    expect(sozialamt_page.locator("button[name=decision][value=not_same]")).to_be_visible()
    declined = MergeProposal.objects.filter(status=MergeProposal.Status.DECLINED).get()
    assert declined.decision_note == "Andere Eltern laut Geburtsurkunde"
    assert Client.objects.get(pk=theirs.pk).merged_into_id is None
    laf_page.reload()
    expect(laf_page.locator("main")).to_contain_text("Andere Eltern laut Geburtsurkunde")
