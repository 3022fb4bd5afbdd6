"""Cells of legacy exports as they really arrive (issue 10): what each column makes of
them, and which values become remarks. No database."""

from __future__ import annotations

import random

import pytest

from agencies.models import Agency
from core.dates import PartialDate
from workflows.imports import values
from workflows.imports.nationalities import nationalities
from workflows.imports.parsing import COLUMNS, decode, row_build
from workflows.imports.transliteration import transliterate

R = values.Reason


def reasons(remarks) -> list[tuple[str, str]]:
    return [(remark.column, remark.reason) for remark in remarks]


# --- Birth dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03.07.1985", PartialDate(1985, 7, 3)),
        ("3.7.1985", PartialDate(1985, 7, 3)),
        ("1985-07-03", PartialDate(1985, 7, 3)),
        ("1985-7-3", PartialDate(1985, 7, 3)),
        ("1985/07/03", PartialDate(1985, 7, 3)),
        ("1985-07-03 00:00:00", PartialDate(1985, 7, 3)),
        ("1985-07-03T00:00:00Z", PartialDate(1985, 7, 3)),
        ("03-07-1985", PartialDate(1985, 7, 3)),
        ("25/07/1985", PartialDate(1985, 7, 25)),  # day first: 25 is no month
        ("07/25/1985", PartialDate(1985, 7, 25)),  # month first, as in the US
        ("07/07/1985", PartialDate(1985, 7, 7)),  # either way the same
        ("00.07.1985", PartialDate(1985, 7)),
        ("00.00.1985", PartialDate(1985)),
        ("07.1985", PartialDate(1985, 7)),
        ("1985-07", PartialDate(1985, 7)),
        ("1985", PartialDate(1985)),
        ("", PartialDate()),
        ("00.00.0000", PartialDate()),
        ("unbekannt", PartialDate()),
        ("NULL", PartialDate()),
    ],
)
def test_a_birth_date_is_read_with_the_precision_it_was_given(text, expected):
    assert values.birth_date(text) == (expected, [])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("3.7.85", R.BIRTH_DATE_TWO_DIGIT_YEAR),
        ("03.07.85", R.BIRTH_DATE_TWO_DIGIT_YEAR),
        ("85", R.BIRTH_DATE_TWO_DIGIT_YEAR),
        ("03/07/1985", R.BIRTH_DATE_AMBIGUOUS),
        ("31.02.1990", R.BIRTH_DATE_INVALID),
        ("1985-13-01", R.BIRTH_DATE_INVALID),
        ("03.07.2199", R.BIRTH_DATE_INVALID),
        ("im Sommer", R.BIRTH_DATE_INVALID),
        ("ca. 1985", R.BIRTH_DATE_APPROXIMATE),
        ("01.01.1900", R.BIRTH_DATE_APPROXIMATE),
    ],
)
def test_a_birth_date_that_cannot_be_read_for_sure_is_left_empty_with_a_remark(text, reason):
    date, remarks = values.birth_date(text)

    assert date == PartialDate()
    assert [(r.column, r.reason, r.value) for r in remarks] == [("birth_date", reason, text)]


# --- Sex, names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [("w", "f"), ("W", "f"), ("weiblich", "f"), ("female", "f"), ("M", "m"), ("männlich", "m"),
     ("d", "x"), ("divers", "x"), ("", "u"), ("unbekannt", "u"), ("-", "u")],
)  # fmt: skip
def test_sex_is_read_in_german_and_english(text, code):
    assert values.sex(text) == (code, [])


def test_a_numeric_sex_code_is_a_remark_because_systems_disagree_on_it():
    assert values.sex("1") == ("u", [values.Remark("sex", R.SEX_UNKNOWN_CODE, "1")])


def test_a_name_with_lost_letters_is_kept_with_a_remark_and_one_with_none_left_is_empty():
    assert values.name("family_name", "?ahin", max_length=150) == (
        "?ahin",
        [values.Remark("family_name", R.CHARACTERS_LOST, "?ahin")],
    )
    assert values.name("family_name_original", "???'?????", max_length=150) == ("", [])
    assert values.name("given_names", "12345", max_length=150) == (
        "",
        [values.Remark("given_names", R.UNREADABLE, "12345")],
    )
    assert values.name("given_names", "x" * 151, max_length=150)[0] == ""
    assert values.name("family_name", "Na", max_length=150) == ("Na", [])  # a family name


# --- Nationalities ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["UKR", "UA", "ua", "Ukraine", "UKRAINE", "ukrainisch", "Ukrainisch", "ukrainische",
     "Ukrainian", "Україна"],
)  # fmt: skip
def test_every_spelling_of_ukrainian_is_ua(text):
    assert nationalities(text) == (["UA"], [])


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Syrien", ["SY"]),
        ("syrisch", ["SY"]),
        ("AFG", ["AF"]),
        ("Russische Föderation", ["RU"]),
        ("Türkei", ["TR"]),
        ("Moldau", ["MD"]),
        ("UKR/RUS", ["UA", "RU"]),
        ("ukrainisch, russisch", ["UA", "RU"]),
        ("UA; UA", ["UA"]),
    ],
)
def test_country_names_adjectives_and_several_nationalities(text, codes):
    assert nationalities(text) == (codes, [])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("UdSSR", R.NATIONALITY_UNKNOWN),
        ("Kurdistan", R.NATIONALITY_UNKNOWN),
        ("UK", R.NATIONALITY_UNKNOWN),  # Ukraine or the United Kingdom?
        ("804", R.NATIONALITY_UNKNOWN),  # ISO numeric or a German statistical key?
        ("staatenlos", R.NATIONALITY_NONE),
        ("ungeklärt", R.NATIONALITY_NONE),
        ("XXA", R.NATIONALITY_NONE),
    ],
)
def test_what_maps_to_no_country_is_a_remark(text, reason):
    assert nationalities(text) == ([], [values.Remark("nationality", reason, text)])


def test_a_known_and_an_unknown_nationality_keep_the_known_one():
    assert nationalities("UKR/UdSSR") == (
        ["UA"],
        [values.Remark("nationality", R.NATIONALITY_UNKNOWN, "UdSSR")],
    )


# --- Phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "nationality", "e164"),
    [
        ("+380 67 123 45 67", "", "+380671234567"),
        ("+380 (67) 123-45-67", "", "+380671234567"),
        ("00380671234567", "", "+380671234567"),
        ("380671234567", "", "+380671234567"),
        ("0 67 123 45 67", "UA", "+380671234567"),  # Ukrainian, written nationally
        ("067 1234567", "SY", "+49671234567"),  # not Ukrainian: a German number
        ("0151 12345678", "UA", "+4915112345678"),
        ("(0151) 123-45-678", "", "+4915112345678"),
        ("0151/12345678", "", "+4915112345678"),
        ("+49 (0)30 1234567", "", "+49301234567"),
        ("Tel.: 030 1234567", "", "+49301234567"),
        ("0151 12345678 (privat)", "", "+4915112345678"),
    ],
)
def test_phone_numbers_in_the_formats_people_write(text, nationality, e164):
    phone = values.phone(text, nationality=nationality)

    assert (phone.e164, phone.remarks) == (e164, ())


def test_of_two_numbers_the_first_valid_is_kept_and_the_rest_is_a_remark():
    phone = values.phone("0151 12345678 / 030 1234567", nationality="UA")

    assert phone.e164 == "+4915112345678"
    assert phone.remarks == (values.Remark("phone", R.FURTHER_VALUES, "030 1234567"),)
    assert values.phone("12; +380 67 123 45 67").e164 == "+380671234567"


@pytest.mark.parametrize(
    "text", ["12", "4,91511E+11", "0151 12345678 Mutter", "0153 12345678", "keine Nummer"]
)
def test_a_field_without_a_valid_number_is_a_remark(text):
    phone = values.phone(text)

    assert (phone.number, reasons(phone.remarks)) == (None, [("phone", R.PHONE_INVALID)])


# --- E-mail, address, documents ---------------------------------------------------------------


def test_email():
    assert values.email("mailto:olena@example.org") == ("olena@example.org", [])
    assert reasons(values.email("olena(at)example.org")[1]) == [("email", R.EMAIL_INVALID)]
    assert values.email("olena@example.org; o.s@example.org") == (
        "olena@example.org",
        [values.Remark("email", R.FURTHER_VALUES, "o.s@example.org")],
    )


CARE_OF = "c/o Caritas Flüchtlingsberatung, Residenzstraße 90"


@pytest.mark.parametrize(
    ("street", "postcode", "city", "stored"),
    [
        ("Hauptstr. 1", "10115", "Berlin", ("Hauptstr. 1", "10115")),
        ("Hauptstr. 1", "D-10115", "Berlin-Mitte", ("Hauptstr. 1", "10115")),
        ("Hauptstr. 1", "10115 Berlin", "", ("Hauptstr. 1", "10115")),
        (CARE_OF, "13409", "Berlin", (CARE_OF, "13409")),
        ("Hauptstr. 1", "", "", ("Hauptstr. 1", "")),
        ("", "", "NULL", ("", "")),
    ],
)  # fmt: skip
def test_an_address_in_berlin_is_stored(street, postcode, city, stored):
    assert values.address(street, postcode, city) == (*stored, [])


@pytest.mark.parametrize(
    ("street", "postcode", "city", "column", "reason", "raw"),
    [
        ("Elbchaussee 1", "22763", "Hamburg", "address_city", R.ADDRESS_OUTSIDE_BERLIN,
         "Elbchaussee 1, 22763 Hamburg"),
        ("Marienplatz 1", "80331", "", "address_postcode", R.ADDRESS_OUTSIDE_BERLIN,
         "Marienplatz 1, 80331"),
        ("vul. Sumska 10", "61000", "Kharkiv", "address_city", R.ADDRESS_OUTSIDE_BERLIN,
         "vul. Sumska 10, 61000 Kharkiv"),
        ("Baker St 221b", "NW1 6XE", "", "address_postcode", R.ADDRESS_OUTSIDE_BERLIN,
         "Baker St 221b, NW1 6XE"),
    ],
)  # fmt: skip
def test_an_address_outside_berlin_is_a_remark_whole(street, postcode, city, column, reason, raw):
    assert values.address(street, postcode, city) == ("", "", [values.Remark(column, reason, raw)])


def test_a_mistyped_berlin_postcode_keeps_the_street():
    assert values.address("Hauptstr. 1", "1O115", "Berlin") == (
        "Hauptstr. 1",
        "",
        [values.Remark("address_postcode", R.POSTCODE_INVALID, "1O115")],
    )


def test_documents():
    assert values.document("Reisepass", "fa 123-456", nationality="UA") == values.Document(
        "passport", "FA123456", "UA"
    )
    # A Ukrainian series typed on a Cyrillic keyboard.
    assert values.document("passport", "МЕ123456", nationality="UA").number == "ME123456"
    assert values.document("Ankunftsnachweis", "ANR 4711", nationality="").issuing_country == "DE"
    cases = {
        ("passport", "FA123456", ""): R.DOCUMENT_NO_ISSUING_COUNTRY,
        ("Führerschein", "B072RRE2I55", "UA"): R.DOCUMENT_TYPE_UNKNOWN,
        ("passport", "12", "UA"): R.DOCUMENT_NUMBER_INVALID,
        ("", "FA123456", "UA"): R.DOCUMENT_INCOMPLETE,
    }
    for (doc_type, number, nationality), reason in cases.items():
        found = values.document(doc_type, number, nationality=nationality)
        assert found.doc_type == "" and [r.reason for r in found.remarks] == [reason]
        assert found.remarks[0].value == f"{doc_type} {number}".strip()


# --- Cells and files ---------------------------------------------------------------------------


def test_cells_lose_control_characters_extra_spaces_and_the_formula_guard():
    assert values.cell("  Olena\u00a0 Maria\t") == "Olena Maria"
    assert values.cell("'+380671234567") == "+380671234567"
    assert values.cell("O'Brien") == "O'Brien"


@pytest.mark.parametrize(
    ("text", "encoding", "detected"),
    [
        ("Müller;Шевченко", "utf-8", "utf-8"),
        ("Müller;Schewtschenko;Straße", "cp1252", "cp1252"),
        ("Шевченко;Олена;Коваленко;Микола;Харків", "cp1251", "cp1251"),
        ("Müller;Шевченко", "utf-16", "utf-16"),
    ],
)
def test_the_encoding_is_detected(text, encoding, detected):
    assert decode(text.encode(encoding)) == (text, detected)


def test_no_row_of_random_cells_breaks_the_reading():
    """Bad input is a remark or a rejection, never an exception (a 500 on the page)."""
    rng = random.Random(10)
    alphabet = "0123456789+-/().,; :?abcXYZäöüßШевч\t'\"@–\x00\u00a0"
    agency = Agency(pk=1)
    for _ in range(3000):
        row = {c: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for c in COLUMNS}
        if rng.random() < 0.5:
            row["family_name"] = "Shevchenko"
        result = row_build({k: values.cell(v) for k, v in row.items()}, agency=agency)
        assert isinstance(result, list) or result.client.family_name


def test_a_family_name_only_in_original_script_is_read_from_it_with_a_remark():
    row = dict.fromkeys(COLUMNS, "") | {"family_name": "-", "family_name_original": "Шевченко"}

    result = row_build(row, agency=Agency(pk=1))

    assert result.client.family_name == "Shevchenko"
    assert result.client.family_name_original == "Шевченко"
    assert [(r.column, r.reason, r.value) for r in result.remarks] == [
        ("family_name", R.NAME_TRANSLITERATED, "Шевченко")
    ]


@pytest.mark.parametrize("family_name", ["", "NN", "unbekannt", "12345", "????"])
def test_a_row_without_a_family_name_is_rejected(family_name):
    row = dict.fromkeys(COLUMNS, "") | {"family_name": family_name, "given_names": "Olena"}

    result = row_build(row, agency=Agency(pk=1))

    assert isinstance(result, list) and result[0].startswith("family_name:")


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [("Шевченко", "Shevchenko"), ("Олександр", "Oleksandr"), ("Юрій", "Yurii"),
     ("Згурський", "Zghurskyi"), ("Їжакевич", "Yizhakevych"), ("Мар'яна", "Mariana"),
     ("Коваль-Ященко", "Koval-Yashchenko"), ("Андрій Юрійович", "Andrii Yuriiovych")],
)  # fmt: skip
def test_cyrillic_is_read_as_a_ukrainian_passport_writes_it(cyrillic, latin):
    assert transliterate(cyrillic) == latin
