"""Latin-script name fields take Latin letters (with any diacritics); another script is
guided to the original-script field with a transliteration offered, emoji and symbols are
refused (issue 12)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from clients.forms import ClientForm, HouseholdMemberForm, transliteration
from clients.models import Client

pytestmark = pytest.mark.django_db

BASE = {
    "family_name": "Haddad",
    "given_names": "Omar",
    "sex": "m",
    "residence_status": "temporary_protection",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _form(form_class=ClientForm, **fields):
    return form_class(data={**BASE, **fields})


@pytest.mark.parametrize(
    "name", ["Ševčenko", "Müller", "Đorđević", "O'Brien", "Al-Khatib", "Ľubomír Šťastný"]
)
def test_latin_letters_with_diacritics_stay_valid(name):
    form = _form(family_name=name)
    assert form.is_valid(), form.errors


def test_arabic_in_the_latin_field_moves_to_the_original_script_field_with_a_suggestion():
    form = _form(given_names="محمد")

    assert not form.is_valid()
    error = form.errors["given_names"][0]
    assert "Arabic" in error
    assert "Did you mean: Mohammed?" in error
    # Nothing typed is lost: the Arabic spelling now sits in the original-script field and
    # the suggestion in the Latin one, so that saving again is all it takes.
    assert form["given_names_original"].value() == "محمد"
    assert form["given_names"].value() == "Mohammed"
    again = ClientForm(data=form.data)
    assert again.is_valid(), again.errors


def test_cyrillic_family_name_is_offered_in_the_passport_romanisation():
    form = _form(family_name="Гресь", given_names="Олена")
    assert not form.is_valid()
    assert "Did you mean: Hres?" in form.errors["family_name"][0]
    assert "Cyrillic" in form.errors["family_name"][0]
    assert "Did you mean: Olena?" in form.errors["given_names"][0]
    assert form["family_name_original"].value() == "Гресь"


def test_a_filled_original_script_field_is_kept_and_named_in_the_error():
    form = _form(family_name="Шевченко", family_name_original="ШЕВЧЕНКО")
    assert not form.is_valid()
    error = form.errors["family_name"][0]
    assert "Did you mean: Shevchenko?" in error
    assert "belongs in" in error
    assert form["family_name_original"].value() == "ШЕВЧЕНКО"
    assert form["family_name"].value() == "Шевченко"


def test_birth_name_without_an_original_field_gets_the_suggestion_only():
    form = _form(birth_name="Коваль")
    assert not form.is_valid()
    assert "Did you mean: Koval?" in form.errors["birth_name"][0]


@pytest.mark.parametrize("field", ["family_name", "given_names", "family_name_original"])
@pytest.mark.parametrize("value", ["Omar 😀", "Haddad ❤️", "Ali★", "Sara $"])
def test_emoji_and_symbols_are_refused(field, value):
    form = _form(**{field: value})
    assert not form.is_valid()
    assert "emoji" in form.errors[field][0]


def test_the_original_script_fields_take_any_script():
    form = _form(family_name_original="حداد", given_names_original="عمر")
    assert form.is_valid(), form.errors


def test_the_member_form_checks_the_scripts_too():
    form = HouseholdMemberForm(data={**BASE, "household_role": "child", "given_names": "Юлія"})
    assert not form.is_valid()
    assert "Did you mean: Yuliia?" in form.errors["given_names"][0]


@pytest.mark.parametrize(
    ("typed", "offered"),
    [("محمد", "Mohammed"), ("Шевченко", "Shevchenko"), ("Олена Іванівна", "Olena Ivanivna")],
)
def test_transliteration_offers_the_usual_latin_form(typed, offered):
    assert transliteration(typed) == offered


def test_the_intake_page_keeps_everything_typed_and_saves_on_the_second_try(laf_client):
    url = reverse("clients:client-create")
    token = str(laf_client.get(url).context["token_form"]["intake_token"].value())
    data = {**BASE, "family_name": "حداد", "intake_token": token}

    response = laf_client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert form_suggestion(response) in page
    assert 'value="حداد"' in page
    assert not Client.objects.exists()
    form = response.context["form"]
    resent = {**data, "family_name": form["family_name"].value()}
    resent["family_name_original"] = form["family_name_original"].value()
    response = laf_client.post(url, resent)
    assert response.status_code == 302
    client = Client.objects.get()
    assert client.family_name_original == "حداد"
    assert client.family_name == form["family_name"].value()


def test_the_edit_form_refuses_arabic_in_the_latin_field(laf_client, olena):
    url = reverse("clients:client-edit", args=[olena.pk, "identity"])
    form = laf_client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["nationalities"] = list(data.get("nationalities") or [])
    data["given_names"] = "أولينا"
    response = laf_client.post(url, data)
    assert response.status_code == 200
    assert "أولينا" in response.context["form"].errors["given_names"][0]
    olena.refresh_from_db()
    assert olena.given_names == "Olena"


def form_suggestion(response) -> str:
    return response.context["form"]["family_name"].value()
