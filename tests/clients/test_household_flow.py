"""A family registered in one path (issue 12): the intake's second button leads to the
first member's form, taken over from the reference person (family name in the original
script too); each member's form offers another member or the household overview. A
changed address is offered to the other members of the household, each changed through
the update service (history and audit)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from clients.models import Client
from tests.factories import ClientFactory
from workflows.intake.services import household_member_add

pytestmark = pytest.mark.django_db

MOTHER = {
    "family_name": "Kovalenko",
    "given_names": "Iryna",
    "family_name_original": "Коваленко",
    "given_names_original": "Ірина",
    "sex": "f",
    "birth_date": "03.05.1986",
    "nationalities": ["UA"],
    "languages": ["uk", "ru"],
    "street": "Karl-Marx-Allee 90",
    "postcode": "10243",
    "residence_status": "temporary_protection",
}


def _token(response) -> str:
    return str(response.context["token_form"]["intake_token"].value())


def _member_data(page, **fields) -> dict:
    """What a browser sends back from the member form: the pre-filled values, the fields
    the caseworker typed, the page's token."""
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, "", []):
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    data.update(fields, intake_token=_token(page))
    return data


def test_the_intake_offers_to_add_a_household_member_next(laf_client):
    page = laf_client.get(reverse("clients:client-create"))
    assert 'name="add_member"' in page.content.decode()

    response = laf_client.post(
        reverse("clients:client-create"),
        {**MOTHER, "add_member": "1", "intake_token": _token(page)},
    )

    mother = Client.objects.get(given_names="Iryna")
    assert response.url == reverse("clients:household-member-add", args=[mother.pk])


def test_the_plain_register_button_still_ends_on_the_record(laf_client):
    page = laf_client.get(reverse("clients:client-create"))
    response = laf_client.post(
        reverse("clients:client-create"), {**MOTHER, "intake_token": _token(page)}
    )
    assert response.url == reverse("clients:client-detail", args=[Client.objects.get().pk])


def test_the_member_form_takes_over_family_name_in_both_scripts_address_nationality_languages(
    laf_client, laf, laf_caseworker
):
    mother = ClientFactory(agency=laf, actor=laf_caseworker, **_model_fields(MOTHER))

    form = laf_client.get(reverse("clients:household-member-add", args=[mother.pk])).context["form"]

    assert form["family_name"].value() == "Kovalenko"
    assert form["family_name_original"].value() == "Коваленко"
    assert form["street"].value() == "Karl-Marx-Allee 90"
    assert form["postcode"].value() == "10243"
    assert list(form["nationalities"].value()) == ["UA"]
    assert sorted(form["languages"].value()) == ["ru", "uk"]
    # What differs per person is left to the caseworker.
    assert not form["given_names"].value()
    assert not form["given_names_original"].value()


def test_a_family_of_four_ends_on_the_household_overview(laf_client):
    page = laf_client.get(reverse("clients:client-create"))
    laf_client.post(
        reverse("clients:client-create"),
        {**MOTHER, "add_member": "1", "intake_token": _token(page)},
    )
    mother = Client.objects.get(given_names="Iryna")
    url = reverse("clients:household-member-add", args=[mother.pk])
    children = [("Taras", "m", "12.03.2012"), ("Mariia", "f", "01.07.2015"), ("Ivan", "m", "")]
    responses = []
    for index, (given, sex, born) in enumerate(children):
        page = laf_client.get(url)
        last = index == len(children) - 1
        buttons = {} if last else {"add_another": "1"}
        data = _member_data(
            page, household_role="child", given_names=given, sex=sex, birth_date=born, **buttons
        )
        responses.append(laf_client.post(url, data))

    overview = reverse("clients:client-detail", args=[mother.pk]) + "#household"
    assert [r.url for r in responses] == [url, url, overview]
    mother.refresh_from_db()
    family = Client.objects.filter(household=mother.household)
    assert family.count() == 4
    assert set(family.values_list("family_name_original", flat=True)) == {"Коваленко"}
    assert set(family.values_list("street", flat=True)) == {"Karl-Marx-Allee 90"}
    detail = laf_client.get(overview).content.decode()
    for given in ("Taras", "Mariia", "Ivan"):
        assert f"KOVALENKO, {given}" in detail


def test_each_member_form_has_its_own_token_and_duplicate_check(laf_client, olena):
    url = reverse("clients:household-member-add", args=[olena.pk])
    first, second = laf_client.get(url), laf_client.get(url)
    assert _token(first) != _token(second)

    # A second member who is Olena herself again: the check asks before saving.
    data = _member_data(
        second,
        household_role="other",
        given_names="Olena",
        given_names_original="Олена",
        sex="f",
        birth_date="03.07.1985",
    )
    response = laf_client.post(url, data)
    assert response.status_code == 200
    assert response.context["gate"].asks_first
    assert Client.objects.filter(given_names="Olena").count() == 1


def test_a_member_form_sent_twice_adds_the_member_once_and_ends_on_the_overview(laf_client, olena):
    url = reverse("clients:household-member-add", args=[olena.pk])
    data = _member_data(laf_client.get(url), household_role="child", given_names="Bohdan")
    first = laf_client.post(url, data)
    again = laf_client.post(url, data)
    assert first.url == again.url
    assert again.url.endswith("#household")
    assert Client.objects.filter(given_names="Bohdan").count() == 1


# --- A changed address ---------------------------------------------------------------------

NEW_ADDRESS = {
    "street": "Storkower Straße 140",
    "postcode": "10407",
    "district": "pankow",
}


@pytest.fixture
def family(olena, laf, laf_caseworker):
    children = [
        household_member_add(
            anchor=olena,
            agency=laf,
            actor=laf_caseworker,
            role="child",
            fields={
                "family_name": "Shevchenko",
                "given_names": given,
                "street": olena.street,
                "postcode": olena.postcode,
                "district": olena.district,
            },
            intake_token=uuid.uuid4(),
        )
        for given in ("Taras", "Iryna")
    ]
    olena.refresh_from_db()
    return olena, children


def _move(laf_client, person) -> object:
    url = reverse("clients:client-edit", args=[person.pk, "contact"])
    form = laf_client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(NEW_ADDRESS)
    data["languages"] = list(data.get("languages") or [])
    return laf_client.post(url, data)


def test_a_changed_address_is_offered_to_the_other_members(laf_client, family):
    olena, (taras, iryna) = family

    response = _move(laf_client, olena)

    step = reverse("clients:client-edit", args=[olena.pk, "contact"]) + "?step=household-address"
    assert response.url == step
    page = laf_client.get(step)
    form = page.context["form"]
    assert sorted(form["members"].value()) == sorted([str(taras.pk), str(iryna.pk)])
    text = page.content.decode()
    assert "Storkower Straße 140" in text
    assert "SHEVCHENKO, Taras" in text and "checked" in text


def test_applying_the_address_changes_the_checked_members_with_history_and_audit(
    laf_client, family
):
    olena, (taras, iryna) = family
    _move(laf_client, olena)
    step = reverse("clients:client-edit", args=[olena.pk, "contact"]) + "?step=household-address"

    response = laf_client.post(step, {"members": [str(taras.pk)]})

    assert response.url == reverse("clients:client-detail", args=[olena.pk]) + "#household"
    taras.refresh_from_db()
    iryna.refresh_from_db()
    assert (taras.street, taras.postcode, taras.district) == (
        "Storkower Straße 140",
        "10407",
        "pankow",
    )
    assert iryna.street == "Kopernikusstraße 5"  # unchecked: stays
    assert taras.history.first().street == "Storkower Straße 140"
    assert taras.history.count() == 2
    update = AuditEvent.objects.filter(
        action="update", object_type="clients.client", object_id=str(taras.pk)
    ).get()
    assert set(update.fields) >= {"street", "postcode", "district"}


def test_no_question_when_the_address_did_not_change_or_nobody_else_lives_there(
    laf_client, family, laf, laf_caseworker
):
    olena, _children = family
    url = reverse("clients:client-edit", args=[olena.pk, "contact"])
    form = laf_client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["phone"] = "0151 23456789"
    data["languages"] = list(data.get("languages") or [])
    assert laf_client.post(url, data).url.endswith("#contact")

    alone = ClientFactory(agency=laf, actor=laf_caseworker, family_name="Bondar")
    assert _move(laf_client, alone).url.endswith("#contact")


def test_members_another_agency_holds_are_not_offered(
    laf_client, family, sozialamt, sozialamt_caseworker
):
    olena, (taras, _iryna) = family
    stranger = household_member_add(
        anchor=olena,
        agency=sozialamt,
        actor=sozialamt_caseworker,
        role="other",
        fields={"family_name": "Shevchenko", "given_names": "Petro"},
    )
    _move(laf_client, olena)
    step = reverse("clients:client-edit", args=[olena.pk, "contact"]) + "?step=household-address"

    offered = dict(laf_client.get(step).context["form"].fields["members"].choices)
    assert str(taras.pk) in offered and str(stranger.pk) not in offered
    refused = laf_client.post(step, {"members": [str(taras.pk), str(stranger.pk)]})
    assert refused.status_code == 200  # not a choice: nothing is changed
    stranger.refresh_from_db()
    assert stranger.street == ""
    assert Client.objects.get(pk=taras.pk).street == "Kopernikusstraße 5"


def _model_fields(data: dict) -> dict:
    fields = {k: v for k, v in data.items() if k not in ("birth_date",)}
    return fields
