"""Registering a person through the intake screen, then reading and editing the record."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from clients.models import Client

pytestmark = pytest.mark.django_db

INTAKE = {
    "family_name": "Shevchenko",
    "given_names": "Oleksandra",
    "family_name_original": "Шевченко",
    "given_names_original": "Олександра",
    "sex": "f",
    "birth_date": "00.07.1985",
    "nationalities": ["UA"],
    "languages": ["uk", "ru"],
    "street": "Kopernikusstraße 5",
    "postcode": "10243",
    "district": "friedrichshain-kreuzberg",
    "accommodation": "private",
    "residence_status": "temporary_protection",
    "doc-doc_type": "passport",
    "doc-number": "fa 123456",
    "doc-issuing_country": "UA",
    "intake_token": "0b9d7c1e-3f52-4a8e-9c61-6d2a4e8f5b30",
}


def test_intake_registers_the_person_with_document_and_shows_the_detail_page(laf_client, laf):
    response = laf_client.post(reverse("clients:client-create"), INTAKE, follow=True)

    client = Client.objects.get()
    assert response.redirect_chain[-1][0] == reverse("clients:client-detail", args=[client.pk])
    assert client.registered_by == laf
    assert str(client.birth_date) == "00.07.1985"
    assert client.documents.get().number == "FA123456"
    page = response.content.decode()
    assert "SHEVCHENKO, Oleksandra" in page
    assert "Шевченко" in page
    assert "FA123456" in page


def test_intake_without_document_registers_only_the_person(laf_client):
    data = {k: v for k, v in INTAKE.items() if not k.startswith("doc-")}
    laf_client.post(reverse("clients:client-create"), data)
    assert Client.objects.get().documents.count() == 0


def test_intake_keeps_everything_typed_when_validation_fails(laf_client):
    data = {**INTAKE, "birth_date": "31.02.1985", "postcode": "80331"}
    response = laf_client.post(reverse("clients:client-create"), data)

    assert response.status_code == 200
    assert not Client.objects.exists()
    page = response.content.decode()
    assert 'value="Oleksandra"' in page
    assert 'value="31.02.1985"' in page
    assert 'value="FA123456"' in page or 'value="fa 123456"' in page
    form = response.context["form"]
    assert "birth_date" in form.errors
    assert "postcode" in form.errors


def test_half_filled_document_is_reported_and_nothing_is_saved(laf_client):
    data = {**INTAKE, "doc-number": "", "doc-issuing_country": ""}
    response = laf_client.post(reverse("clients:client-create"), data)
    assert response.status_code == 200
    assert "number" in response.context["document_form"].errors
    assert not Client.objects.exists()


def test_error_messages_are_german_by_default(laf_client):
    response = laf_client.post(reverse("clients:client-create"), {**INTAKE, "family_name": ""})
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()


def test_detail_read_is_audited_with_record_id_only(laf_client, olena):
    laf_client.get(reverse("clients:client-detail", args=[olena.pk]))
    event = AuditEvent.objects.filter(action="view", object_id=str(olena.pk)).get()
    assert event.object_type == "clients.client"
    assert event.agency.slug == "laf"
    assert "Shevchenko" not in str(event.__dict__)


def test_edit_address_is_saved_and_shown_in_history_as_old_and_new_value(laf_client, olena):
    url = reverse("clients:client-edit", args=[olena.pk, "contact"])
    response = laf_client.get(url)
    assert 'value="Kopernikusstraße 5"' in response.content.decode()

    response = laf_client.post(
        url,
        {
            "street": "Allee der Kosmonauten 32",
            "postcode": "12681",
            "district": "marzahn-hellersdorf",
            "seen_version": olena.version,
        },
    )
    assert response.status_code == 302
    olena.refresh_from_db()
    assert olena.street == "Allee der Kosmonauten 32"
    assert olena.family_name == "Shevchenko"  # other sections untouched

    history = laf_client.get(reverse("clients:client-history", args=[olena.pk])).content.decode()
    assert "Kopernikusstraße 5" in history
    assert "Allee der Kosmonauten 32" in history
    assert "Marzahn-Hellersdorf" in history
    assert "laf.caseworker" in history


def test_history_shows_birth_date_change_as_one_readable_line(laf_client, olena):
    laf_client.post(
        reverse("clients:client-edit", args=[olena.pk, "identity"]),
        {
            "family_name": "Shevchenko",
            "given_names": "Olena",
            "sex": "f",
            "birth_date": "00.00.1985",
            "nationalities": ["UA"],
            "seen_version": olena.version,
        },
    )
    entries = laf_client.get(reverse("clients:client-history", args=[olena.pk])).context["entries"]
    changed = {c.field: (c.old, c.new) for c in entries[0].changes}
    assert changed["Geburtsdatum"] == ("03.07.1985", "00.00.1985")


def test_edit_with_invalid_data_keeps_input_and_changes_nothing(laf_client, olena):
    url = reverse("clients:client-edit", args=[olena.pk, "contact"])
    response = laf_client.post(
        url, {"street": "Neue Straße 1", "postcode": "1234", "seen_version": olena.version}
    )
    assert response.status_code == 200
    assert 'value="Neue Straße 1"' in response.content.decode()
    olena.refresh_from_db()
    assert olena.street == "Kopernikusstraße 5"


def test_unknown_section_is_404(laf_client, olena):
    response = laf_client.get(f"/clients/{olena.pk}/edit/secrets/")
    assert response.status_code == 404


def test_document_can_be_added_and_corrected_with_history(laf_client, olena):
    laf_client.post(
        reverse("clients:document-create", args=[olena.pk]),
        {"doc_type": "passport", "number": "FA111111", "issuing_country": "UA"},
    )
    document = olena.documents.get()
    laf_client.post(
        reverse("clients:document-edit", args=[olena.pk, document.pk]),
        {
            "doc_type": "passport",
            "number": "FA111112",
            "issuing_country": "UA",
            "seen_version": document.version,
        },
    )
    document.refresh_from_db()
    assert document.number == "FA111112"
    history = laf_client.get(reverse("clients:client-history", args=[olena.pk])).content.decode()
    assert "FA111111" in history and "FA111112" in history


def test_household_member_form_is_prefilled_with_the_shared_address(laf_client, olena):
    response = laf_client.get(reverse("clients:household-member-add", args=[olena.pk]))
    page = response.content.decode()
    assert 'value="Kopernikusstraße 5"' in page
    assert 'value="Shevchenko"' in page

    response = laf_client.post(
        reverse("clients:household-member-add", args=[olena.pk]),
        {
            "household_role": "child",
            "family_name": "Shevchenko",
            "given_names": "Taras",
            "sex": "m",
            "birth_date": "12.03.2015",
            "street": "Kopernikusstraße 5",
            "postcode": "10243",
            "residence_status": "temporary_protection",
            "add_another": "1",
            "intake_token": "7a1e2b3c-4d5e-4f60-8a71-9b8c7d6e5f40",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("clients:household-member-add", args=[olena.pk])
    taras = Client.objects.get(given_names="Taras")
    assert taras.household_id == Client.objects.get(pk=olena.pk).household_id
    detail = laf_client.get(reverse("clients:client-detail", args=[olena.pk])).content.decode()
    assert "SHEVCHENKO, Taras" in detail


def test_a_concurrent_edit_is_refused_and_the_input_kept(laf_client, olena, laf_caseworker):
    from clients.services import IGNORE_VERSION, client_update

    url = reverse("clients:client-edit", args=[olena.pk, "contact"])
    seen = laf_client.get(url).context["form"]["seen_version"].value()
    client_update(
        client=olena,
        actor=laf_caseworker,
        fields={"street": "Erstes Ufer 1"},
        seen_version=IGNORE_VERSION,
    )

    response = laf_client.post(
        url, {"street": "Zweites Ufer 2", "postcode": "10243", "seen_version": seen}
    )
    assert response.status_code == 200
    assert "nachdem Sie das Formular geöffnet haben" in response.content.decode()
    assert 'value="Zweites Ufer 2"' in response.content.decode()
    olena.refresh_from_db()
    assert olena.street == "Erstes Ufer 1"
