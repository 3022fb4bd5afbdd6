"""Issue 11, "500s from bad input" and "names accept the right-to-left override":
NUL (PostgreSQL refuses it in text), other control characters, and the invisible
direction and zero-width characters that make a name display other than it is stored.
Each answered 500 or was saved before the fix; names in any script stay allowed."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import CaseNote, Client
from tests.factories import ClientFactory
from tests.hostile.helpers import rolled_back
from workflows.duplicates.models import MergeProposal

pytestmark = pytest.mark.django_db

BIDI_AND_INVISIBLE = [
    "\u202e",  # right-to-left override: "Ali\u202eInaS" shows as "AliSanI"
    "\u202d",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200b",  # zero-width space
    "\ufeff",
    "\u200d",  # a joiner inside a Latin name hides a difference
]


def _intake(**fields) -> dict:
    """An intake form as the page sends it (with its one-time token)."""
    return {
        "family_name": "Shevchenko",
        "given_names": "Olena",
        "sex": "f",
        "nationalities": ["UA"],
        "residence_status": "temporary_protection",
        "intake_token": str(uuid.uuid4()),
        **fields,
    }


# Finding 4: NUL (PostgreSQL refuses it in text) and other control characters.


def test_declining_a_merge_with_a_control_character_in_the_note_is_refused(
    sozialamt_supervisor_client, proposal
):
    """The note of a declined merge proposal was read from the POST and saved unchecked."""
    for note in ["other parents\x00", "\u202eegap"]:
        with rolled_back():
            response = sozialamt_supervisor_client.post(
                reverse("clients:duplicate-pair", args=[proposal.pair_id]),
                {"decision": "decline", "decision_note": note},
            )
            assert response.status_code == 200
            proposal.refresh_from_db()
            assert proposal.status == MergeProposal.Status.PENDING


def test_duplicate_check_with_a_nul_in_the_document_number_answers(laf_client, olena):
    for number in ["FA1\x0023456", "\x00\x00\x00\x00\x00", "FA12345\x07"]:
        with rolled_back():
            response = laf_client.post(
                reverse("clients:duplicate-check"),
                {"family_name": "Shevchenko", "given_names": "Olena", "doc-number": number},
            )
            assert response.status_code == 200


def test_intake_refuses_control_characters_with_a_form_error(laf_client):
    for field, char in itertools.product(
        ["family_name", "given_names", "street", "place_of_birth"], ["\x00", "\x1b", "\x7f", "\x85"]
    ):
        with rolled_back():
            response = laf_client.post(
                reverse("clients:client-create"), _intake(**{field: f"Ab{char}cd"})
            )
            assert response.status_code == 200
            assert field in response.context["form"].errors
            assert not Client.objects.exists()


def test_case_note_with_a_nul_byte_is_a_form_error(laf_client, olena):
    response = laf_client.post(
        reverse("clients:case-note-add", args=[olena.pk]), {"text": "called\x00"}
    )
    assert response.status_code in (200, 302)
    assert not CaseNote.objects.exists()


def test_line_breaks_stay_allowed_in_notes(laf_client, olena):
    laf_client.post(
        reverse("clients:case-note-add", args=[olena.pk]), {"text": "called\r\nno answer"}
    )
    assert CaseNote.objects.get().text.replace("\r", "") == "called\nno answer"


# Finding 5: invisible direction and zero-width characters in names.


def test_intake_refuses_invisible_formatting_in_names(laf_client):
    for char, field in itertools.product(
        BIDI_AND_INVISIBLE, ["family_name", "given_names", "family_name_original"]
    ):
        with rolled_back():
            data = _intake(**{"family_name": "Ali", "given_names": "Sani", field: f"Ali{char}InaS"})
            response = laf_client.post(reverse("clients:client-create"), data)
            assert response.status_code == 200
            assert field in response.context["form"].errors
            assert not Client.objects.exists()


def test_the_model_refuses_invisible_formatting_in_names(laf, laf_caseworker):
    """Services run full_clean: an import or a script meets the same rule as the form."""
    for char in BIDI_AND_INVISIBLE:
        with rolled_back():
            with pytest.raises(ValidationError) as refused:
                ClientFactory(agency=laf, actor=laf_caseworker, family_name=f"Ali{char}InaS")
            assert "family_name" in refused.value.error_dict
            assert not Client.objects.exists()


def test_the_model_refuses_direction_overrides_in_free_text(olena, laf_caseworker):
    for char in ["\u202e", "\u2066", "\x00"]:
        with rolled_back():
            from clients import services

            with pytest.raises(ValidationError) as refused:
                services.client_update(
                    client=olena,
                    actor=laf_caseworker,
                    fields={"street": f"Allee{char} 1"},
                    seen_version=olena.version,
                )
            assert "street" in refused.value.error_dict


def test_names_in_any_script_stay_allowed(laf_client):
    """The direction and control checks refuse invisible characters, not scripts: names
    in Arabic, Persian (with its zero-width non-joiner) or Cyrillic go into the fields
    for the original script, Latin names with any diacritics into the Latin ones."""
    for latin, original in [
        (("Al-Ahmad", "Mohammed"), ("الأحمد", "محمد")),
        (("Hosseini", "Alireza"), ("حسینی", "علی\u200cرضا")),
        (("Shevchenko", "Olena"), ("Шевченко", "Олена")),
        (("Nguyễn", "Thị Minh"), ("", "")),
        (("O'Brien-Müller", "Zoë"), ("", "")),
    ]:
        with rolled_back():
            data = _intake(family_name=latin[0], given_names=latin[1])
            data.update(family_name_original=original[0], given_names_original=original[1])
            response = laf_client.post(reverse("clients:client-create"), data, follow=True)
            assert response.status_code == 200
            client = Client.objects.get()
            assert (client.family_name, client.given_names) == latin
            assert (client.family_name_original, client.given_names_original) == original
