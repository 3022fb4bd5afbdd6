"""Every change through the pages says which state of the record its form showed: a form
sent without that version, or opened before someone else saved, is refused with the input
kept and nothing saved. Only callers without a form skip the check, and say so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import Client, IdentityDocument

pytestmark = pytest.mark.django_db

CONTACT = {"street": "Zweites Ufer 2", "postcode": "10243"}
PASSPORT_BEFORE = {"doc_type": "passport", "number": "FA123456", "issuing_country": "UA"}
PASSPORT = {"doc_type": "passport", "number": "FA654321", "issuing_country": "UA"}


@pytest.fixture
def olena_passport(olena, laf_caseworker):
    return services.document_add(client=olena, actor=laf_caseworker, fields=dict(PASSPORT_BEFORE))


def _stored(client: Client) -> Client:
    return Client.objects.get(pk=client.pk)


def _refused(response) -> None:
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["stale"]


# --- The record's sections --------------------------------------------------------------


@pytest.mark.parametrize("version", [None, ""])
def test_an_edit_without_the_version_is_refused_and_nothing_saved(laf_client, olena, version):
    url = reverse("clients:client-edit", args=[olena.pk, "contact"])
    data = dict(CONTACT) if version is None else {**CONTACT, "seen_version": version}

    response = laf_client.post(url, data)

    _refused(response)
    assert 'value="Zweites Ufer 2"' in response.content.decode()
    assert _stored(olena).street == "Kopernikusstraße 5"
    assert olena.history.count() == 1


def test_an_edit_with_a_stale_version_is_refused_and_nothing_saved(
    laf_client, olena, laf_caseworker
):
    url = reverse("clients:client-edit", args=[olena.pk, "contact"])
    seen = laf_client.get(url).context["form"]["seen_version"].value()
    services.client_update(
        client=olena,
        actor=laf_caseworker,
        fields={"phone": "+49 30 1234567"},
        seen_version=seen,
    )

    response = laf_client.post(url, {**CONTACT, "seen_version": seen})

    _refused(response)
    assert _stored(olena).street == "Kopernikusstraße 5"
    assert _stored(olena).phone == "+49 30 1234567"


def test_an_edit_with_the_current_version_is_saved(laf_client, olena):
    url = reverse("clients:client-edit", args=[olena.pk, "contact"])
    seen = laf_client.get(url).context["form"]["seen_version"].value()
    assert seen == olena.version

    response = laf_client.post(url, {**CONTACT, "seen_version": seen})

    assert response.status_code == 302
    assert _stored(olena).street == "Zweites Ufer 2"


def test_after_a_refusal_the_form_carries_the_version_now_stored(laf_client, olena, laf_caseworker):
    """The caseworker compares with the record and saves again, deliberately."""
    url = reverse("clients:client-edit", args=[olena.pk, "contact"])
    seen = olena.version
    services.client_update(
        client=olena, actor=laf_caseworker, fields={"phone": "+49 30 1234567"}, seen_version=seen
    )
    refused = laf_client.post(url, {**CONTACT, "seen_version": seen})
    renewed = refused.context["form"]["seen_version"].value()
    assert renewed == _stored(olena).version != seen
    assert f'value="{renewed}"' in refused.content.decode()

    response = laf_client.post(url, {**CONTACT, "seen_version": renewed})

    assert response.status_code == 302
    assert _stored(olena).street == "Zweites Ufer 2"


# --- A record that breaks today's rules ---------------------------------------------------
# (a birth date an old import left in the future): the other sections stay editable; the
# section holding the fault shows it on its field.


@pytest.fixture
def born_tomorrow(olena):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Client.objects.filter(pk=olena.pk).update(
        birth_year=tomorrow.year, birth_month=tomorrow.month, birth_day=tomorrow.day
    )
    return _stored(olena)


def test_a_fault_in_another_section_does_not_refuse_a_new_address(laf_client, born_tomorrow):
    url = reverse("clients:client-edit", args=[born_tomorrow.pk, "contact"])

    response = laf_client.post(url, {**CONTACT, "seen_version": born_tomorrow.version})

    assert response.status_code == 302, response.context["form"].errors
    assert _stored(born_tomorrow).street == "Zweites Ufer 2"


def test_a_fault_elsewhere_does_not_hide_one_in_the_section_edited(laf_client, born_tomorrow):
    url = reverse("clients:client-edit", args=[born_tomorrow.pk, "residence"])
    data = {"arrival_date": "01.01.2099", "residence_status": "unknown"}

    response = laf_client.post(url, {**data, "seen_version": born_tomorrow.version})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["arrival_date"]
    assert _stored(born_tomorrow).arrival_date == born_tomorrow.arrival_date


def test_the_section_holding_the_fault_shows_it_on_its_field(laf_client, born_tomorrow):
    url = reverse("clients:client-edit", args=[born_tomorrow.pk, "identity"])
    form = laf_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["nationalities"] = [str(code) for code in born_tomorrow.nationalities]

    response = laf_client.post(url, {**data, "birth_date": "08.12.2099"})

    assert response.status_code == 200
    assert "birth_date" in response.context["form"].errors
    assert _stored(born_tomorrow).birth_year == born_tomorrow.birth_year


# --- Documents --------------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "", "0123456789abcdef"])
def test_a_document_edit_without_or_with_a_wrong_version_is_refused(
    laf_client, olena, olena_passport, version
):
    url = reverse("clients:document-edit", args=[olena.pk, olena_passport.pk])
    data = dict(PASSPORT) if version is None else {**PASSPORT, "seen_version": version}

    response = laf_client.post(url, data)

    _refused(response)
    assert 'value="FA654321"' in response.content.decode()
    assert IdentityDocument.objects.get(pk=olena_passport.pk).number == olena_passport.number


def test_a_document_edit_after_someone_elses_correction_is_refused(
    laf_client, olena, olena_passport, laf_caseworker
):
    url = reverse("clients:document-edit", args=[olena.pk, olena_passport.pk])
    seen = laf_client.get(url).context["form"]["seen_version"].value()
    services.document_update(
        document=olena_passport,
        actor=laf_caseworker,
        fields={"expires_on": None, "number": "FA111999"},
        seen_version=seen,
    )

    response = laf_client.post(url, {**PASSPORT, "seen_version": seen})

    _refused(response)
    assert IdentityDocument.objects.get(pk=olena_passport.pk).number == "FA111999"


def test_a_document_edit_with_the_current_version_is_saved(laf_client, olena, olena_passport):
    url = reverse("clients:document-edit", args=[olena.pk, olena_passport.pk])
    seen = laf_client.get(url).context["form"]["seen_version"].value()

    response = laf_client.post(url, {**PASSPORT, "seen_version": seen})

    assert response.status_code == 302
    assert IdentityDocument.objects.get(pk=olena_passport.pk).number == "FA654321"


# --- The services -----------------------------------------------------------------------


def test_the_services_need_the_version_said(olena, olena_passport, laf_caseworker):
    """No default: a caller forgetting the version does not skip the check silently."""
    with pytest.raises(TypeError):
        services.client_update(client=olena, actor=laf_caseworker, fields={"street": "X 1"})
    with pytest.raises(TypeError):
        services.document_update(
            document=olena_passport, actor=laf_caseworker, fields={"number": "FA1"}
        )
    for empty in (None, ""):
        with pytest.raises(ValidationError):
            services.client_update(
                client=olena, actor=laf_caseworker, fields={"street": "X 1"}, seen_version=empty
            )
    assert _stored(olena).street == "Kopernikusstraße 5"


def test_callers_without_a_form_skip_the_check_by_name(olena, laf_caseworker):
    services.client_update(
        client=olena,
        actor=laf_caseworker,
        fields={"street": "Merge-Allee 1"},
        seen_version=services.IGNORE_VERSION,
    )
    assert _stored(olena).street == "Merge-Allee 1"
