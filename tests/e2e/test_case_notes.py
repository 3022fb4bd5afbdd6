"""A caseworker writes a case note on a record through the note form's own button, and
sees it there; an empty note is refused with a message (issue 12: the button sat in a
nested form and did nothing)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from clients.models import CaseNote
from tests.factories import ClientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_caseworker_adds_a_case_note_with_its_button(
    logged_in, laf, caseworker, assert_accessible, screenshot
):
    page = logged_in
    person = ClientFactory(agency=laf, actor=caseworker, family_name="Bondarenko")
    page.goto(f"/clients/{person.pk}/")

    notes = page.locator("#case_notes")
    notes.locator("textarea[name=text]").fill("Termin beim Sozialamt am Montag vereinbart.")
    notes.get_by_role("button", name="Add note").or_(
        notes.get_by_role("button", name="Notiz hinzufügen")
    ).click()

    expect(page.locator("#case_notes")).to_contain_text("Termin beim Sozialamt am Montag")
    assert list(CaseNote.objects.filter(client=person).values_list("text", flat=True)) == [
        "Termin beim Sozialamt am Montag vereinbart."
    ]
    assert_accessible(page, "record with a case note")
    screenshot(page, "case-note-added")


def test_an_empty_case_note_is_not_saved(logged_in, laf, caseworker):
    page = logged_in
    person = ClientFactory(agency=laf, actor=caseworker, family_name="Bondarenko")
    page.goto(f"/clients/{person.pk}/")
    notes = page.locator("#case_notes")
    notes.locator("textarea[name=text]").fill("   ")
    notes.locator("button[type=submit]").click()
    expect(page.locator(".alert-danger, .alert-error").first).to_be_visible()
    assert not CaseNote.objects.filter(client=person).exists()
