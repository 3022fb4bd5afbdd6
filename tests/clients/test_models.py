import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client, Household
from clients.services import IGNORE_VERSION, client_update, document_add, document_update
from core.dates import PartialDate
from core.identity.names import fold_accents
from tests.factories import ClientFactory
from workflows.intake.services import client_register

pytestmark = pytest.mark.django_db


def test_partial_birth_date_keeps_precision_in_the_database(laf):
    client = ClientFactory(agency=laf, birth_date=PartialDate(1980, None, None))
    stored = Client.objects.get(pk=client.pk)
    assert (stored.birth_year, stored.birth_month, stored.birth_day) == (1980, None, None)
    assert str(stored.birth_date) == "00.00.1980"
    assert stored.birth_date.precision == "year"


def test_database_rejects_a_day_without_a_month(olena):
    with transaction.atomic(), pytest.raises(IntegrityError):
        Client.objects.filter(pk=olena.pk).update(birth_month=None, birth_day=3)


def test_several_nationalities_are_kept_in_order(laf):
    client = ClientFactory(agency=laf, nationalities=["UA", "RU"])
    stored = Client.objects.get(pk=client.pk)
    assert [country.code for country in stored.nationalities] == ["UA", "RU"]


def test_service_rejects_an_impossible_birth_date(laf):
    with pytest.raises(ValidationError) as error:
        client_register(
            agency=laf,
            actor=None,
            fields={"family_name": "Bondarenko", "birth_date": PartialDate(1985, 2, 30)},
        )
    assert "birth_date" in error.value.message_dict
    assert not Client.objects.exists()


def test_service_rejects_unknown_language_codes(laf):
    with pytest.raises(ValidationError) as error:
        ClientFactory(agency=laf, languages=["xx"])
    assert "languages" in error.value.message_dict


def test_a_change_is_judged_by_the_rules_over_the_columns_it_writes(olena, laf_caseworker):
    """Errors about columns a change leaves alone are not its fault (a form of another
    section); a rule over two columns holds when either is written."""
    household = Household.objects.create()
    with pytest.raises(ValidationError) as error:
        client_update(
            client=olena,
            actor=laf_caseworker,
            fields={"household": household},
            seen_version=IGNORE_VERSION,
        )
    assert "household_role" in error.value.message_dict
    assert Client.objects.get(pk=olena.pk).household_id is None


def test_search_name_folds_case_and_accents(laf):
    client = ClientFactory(agency=laf, family_name="Ševčenko", given_names="Jürgen")
    assert "sevcenko" in client.search_name
    assert "jurgen" in client.search_name
    assert fold_accents("  ŠEVČENKO  Oleksandr ") == "sevcenko oleksandr"


def test_display_name_puts_family_name_first_in_capitals(laf):
    client = ClientFactory(agency=laf, family_name="Kovalenko", given_names="Mykola")
    assert client.display_name == "KOVALENKO, Mykola"


def test_document_number_is_normalised_and_validated_for_ukrainian_passports(olena):
    document = document_add(
        client=olena,
        actor=None,
        fields={"doc_type": "passport", "number": "fa 123-456", "issuing_country": "UA"},
    )
    assert document.number == "FA123456"
    with pytest.raises(ValidationError) as error:
        document_add(
            client=olena,
            actor=None,
            fields={"doc_type": "passport", "number": "123456", "issuing_country": "UA"},
        )
    assert "number" in error.value.message_dict


def test_german_passport_numbers_use_a_restricted_alphabet(olena):
    with pytest.raises(ValidationError):
        document_add(
            client=olena,
            actor=None,
            fields={"doc_type": "passport", "number": "A01B00S47", "issuing_country": "DE"},
        )
    document = document_add(
        client=olena,
        actor=None,
        fields={"doc_type": "passport", "number": "C01X00T47", "issuing_country": "DE"},
    )
    assert document.pk


def test_a_document_change_is_judged_by_the_rules_over_the_columns_it_writes(olena):
    """Writing only the issue date still meets the rule that ties it to the expiry."""
    import datetime as dt

    document = document_add(
        client=olena,
        actor=None,
        fields={
            "doc_type": "passport",
            "number": "FA123456",
            "issuing_country": "UA",
            "issued_on": dt.date(2020, 1, 1),
            "expires_on": dt.date(2024, 1, 1),
        },
    )
    with pytest.raises(ValidationError) as error:
        document_update(
            document=document,
            actor=None,
            fields={"issued_on": dt.date(2024, 6, 1)},
            seen_version=IGNORE_VERSION,
        )
    assert "expires_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        document_update(
            document=document,
            actor=None,
            fields={"issuing_country": "DE"},
            seen_version=IGNORE_VERSION,
        )
    assert "number" in error.value.message_dict


def test_document_expiry_must_follow_issue(olena):
    import datetime as dt

    with pytest.raises(ValidationError) as error:
        document_add(
            client=olena,
            actor=None,
            fields={
                "doc_type": "passport",
                "number": "FA654321",
                "issuing_country": "UA",
                "issued_on": dt.date(2024, 1, 1),
                "expires_on": dt.date(2023, 1, 1),
            },
        )
    assert "expires_on" in error.value.message_dict


def test_azr_number_has_twelve_digits(laf):
    with pytest.raises(ValidationError) as error:
        ClientFactory(agency=laf, azr_number="12345")
    assert "azr_number" in error.value.message_dict
    assert ClientFactory(agency=laf, azr_number="123456789012").azr_number == "123456789012"


def test_postcode_must_be_in_berlin(laf):
    with pytest.raises(ValidationError) as error:
        ClientFactory(agency=laf, postcode="80331")
    assert "postcode" in error.value.message_dict


def test_ukrainian_birth_certificate_series_may_be_cyrillic(olena):
    document = document_add(
        client=olena,
        actor=None,
        fields={"doc_type": "birth_certificate", "number": "І-кв 123456", "issuing_country": "UA"},
    )
    assert document.number == "ІКВ123456"
