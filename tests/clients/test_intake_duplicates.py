"""The duplicate check at intake: while typing (htmx) and again when saving."""

import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from clients.models import Client
from tests.factories import ClientFactory, DocumentFactory
from workflows.duplicates.models import DuplicatePair
from workflows.intake.forms import DuplicateCheckForm

pytestmark = pytest.mark.django_db

CHECK = reverse("clients:duplicate-check")

TYPED = {
    "family_name": "Schewtschenko",
    "given_names": "Aleksandra",
    "birth_date": "07.03.1985",
    "sex": "f",
}


@pytest.fixture
def oleksandra(laf, laf_caseworker):
    """Registered at LAF from her Ukrainian passport (KMU 2010)."""
    client = ClientFactory(
        agency=laf,
        actor=laf_caseworker,
        family_name="Shevchenko",
        given_names="Oleksandra",
        family_name_original="Шевченко",
        given_names_original="Олександра",
        sex="f",
        birth_date=_date(1985, 7, 3),
    )
    DocumentFactory(client=client, actor=laf_caseworker, number="FA123456")
    return client


def _date(year, month=None, day=None):
    from core.dates import PartialDate

    return PartialDate(year, month, day)


def test_typing_a_german_spelling_shows_the_existing_record_with_reasons(laf_client, oleksandra):
    response = laf_client.post(CHECK, TYPED)

    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("clients:client-detail", args=[oleksandra.pk]) in page
    assert "SHEVCHENKO, Oleksandra" in page
    assert "vertauschtem Tag und Monat" in page  # birth date with day and month swapped


def test_the_check_is_audited_as_a_search_naming_the_records_shown(laf_client, oleksandra):
    laf_client.post(CHECK, TYPED)

    event = AuditEvent.objects.filter(action="search").latest("pk")
    assert event.object_ids == [oleksandra.pk]
    assert "duplicate_check" in event.fields
    assert "Schewtschenko" not in str(event.__dict__)


def test_a_record_of_another_agency_is_only_hinted_at(sozialamt_client, oleksandra):
    response = sozialamt_client.post(CHECK, TYPED)

    page = response.content.decode()
    assert 'data-testid="duplicate-hidden"' in page
    assert "Oleksandra" not in page
    assert "Shevchenko" not in page.replace("Schewtschenko", "")
    assert reverse("clients:client-detail", args=[oleksandra.pk]) not in page
    assert "/agencies/requests/new/" in page or "Request access" in page or "Zugriff" in page


@pytest.mark.parametrize(
    ("typed", "enough"),
    [
        ({"family_name": "Shevchenko"}, False),
        ({"given_names": "Oleksandra", "birth_date": "03.07.1985"}, False),
        ({"family_name": "S", "given_names": "Oleksandra"}, False),
        ({"family_name": "Shevchenko", "given_names": "Oleksandra"}, True),
        ({"family_name": "Shevchenko", "birth_date": "1985"}, True),
        ({"doc-number": "FA 123456"}, True),
    ],
)
def test_the_check_runs_only_on_a_family_name_and_one_more_fact(typed, enough):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update(typed)

    assert DuplicateCheckForm(data).has_enough() is enough


def test_same_passport_number_finds_her_without_a_birth_date(laf_client, oleksandra):
    data = {"family_name": "Sevcenko", "given_names": "Aleksandra", "doc-number": "fa 123456"}
    response = laf_client.post(CHECK, data)

    assert reverse("clients:client-detail", args=[oleksandra.pk]) in response.content.decode()


def test_a_twin_sister_is_not_flagged_as_probable(laf_client, oleksandra):
    data = {
        **TYPED,
        "family_name": "Shevchenko",
        "given_names": "Mariia",
        "birth_date": "03.07.1985",
    }
    response = laf_client.post(CHECK, data)

    assert "probable match" not in response.content.decode()
    assert "wahrscheinlich" not in response.content.decode()


def test_check_answers_only_post(laf_client):
    assert laf_client.get(CHECK).status_code == 405


INTAKE = {
    **TYPED,
    "nationalities": ["UA"],
    "residence_status": "temporary_protection",
    "intake_token": "5f0c3a52-8d2e-4c49-9a57-2f4f1d0b7e11",
}


def test_saving_past_a_probable_match_asks_for_confirmation_and_keeps_the_input(
    laf_client, oleksandra
):
    response = laf_client.post(reverse("clients:client-create"), INTAKE)

    page = response.content.decode()
    assert response.status_code == 200
    assert Client.objects.count() == 1
    assert 'value="Schewtschenko"' in page
    assert 'name="duplicate_reason"' in page


def test_confirmation_without_reason_is_refused(laf_client, oleksandra):
    data = {**INTAKE, "duplicate_confirmed": "on", "duplicate_reason": ""}
    response = laf_client.post(reverse("clients:client-create"), data)

    assert response.status_code == 200
    assert Client.objects.count() == 1


def test_confirmed_registration_records_the_reason_and_queues_the_pair(
    laf_client, oleksandra, laf_caseworker
):
    data = {**INTAKE, "duplicate_confirmed": "on", "duplicate_reason": "Other mother's name"}
    response = laf_client.post(reverse("clients:client-create"), data)

    new = Client.objects.exclude(pk=oleksandra.pk).get()
    assert response.status_code == 302
    pair = DuplicatePair.objects.get()
    assert {pair.client_a_id, pair.client_b_id} == {oleksandra.pk, new.pk}
    assert pair.source == "intake"
    assert pair.note == "Other mother's name"
    event = AuditEvent.objects.get(fields__contains=["duplicate_override"])
    assert event.object_ids == [new.pk, oleksandra.pk]


def test_registering_a_clearly_new_person_needs_no_confirmation(laf_client, oleksandra):
    data = {**INTAKE, "family_name": "Bondarenko", "given_names": "Iryna"}
    response = laf_client.post(reverse("clients:client-create"), data)

    assert response.status_code == 302
    assert not DuplicatePair.objects.exists()


def test_keys_follow_a_name_change(laf_caseworker, oleksandra):
    from clients import services

    before = set(oleksandra.match_keys.values_list("key", flat=True))
    services.client_update(
        client=oleksandra,
        actor=laf_caseworker,
        fields={"given_names": "Kateryna"},
        seen_version=services.IGNORE_VERSION,
    )

    after = set(oleksandra.match_keys.values_list("key", flat=True))
    assert after
    assert after != before


def test_adding_a_household_member_who_is_already_registered_asks_first(laf_client, oleksandra):
    anchor = ClientFactory(agency=oleksandra.registered_by, family_name="Bondarenko")
    url = reverse("clients:household-member-add", args=[anchor.pk])
    data = {**INTAKE, "household_role": "sibling"}

    response = laf_client.post(url, data)

    assert response.status_code == 200
    assert 'name="duplicate_reason"' in response.content.decode()
    assert Client.objects.count() == 2
    data.update(duplicate_confirmed="on", duplicate_reason="Her cousin, same name")
    assert laf_client.post(url, data).status_code == 302
    assert DuplicatePair.objects.get().note == "Her cousin, same name"


def test_rebuild_gives_every_record_the_keys_the_services_write(oleksandra):
    from django.core.management import call_command

    written = set(oleksandra.match_keys.values_list("key", flat=True))
    oleksandra.match_keys.all().delete()

    call_command("rebuild_match_keys", stdout=io.StringIO())

    assert set(oleksandra.match_keys.values_list("key", flat=True)) == written
