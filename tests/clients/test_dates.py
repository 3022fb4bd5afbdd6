import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.dates import PartialDate

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("03.07.1985", PartialDate(1985, 7, 3), "day"),
        ("3.7.1985", PartialDate(1985, 7, 3), "day"),
        ("1985-07-03", PartialDate(1985, 7, 3), "day"),
        ("00.07.1985", PartialDate(1985, 7, None), "month"),
        ("07.1985", PartialDate(1985, 7, None), "month"),
        ("1985-07", PartialDate(1985, 7, None), "month"),
        ("00.00.1985", PartialDate(1985, None, None), "year"),
        ("1985", PartialDate(1985, None, None), "year"),
        ("", PartialDate(), "unknown"),
        ("  ", PartialDate(), "unknown"),
    ],
)
def test_parse_keeps_the_precision_it_was_given(text, expected, precision):
    parsed = PartialDate.parse(text, today=TODAY)
    assert parsed == expected
    assert parsed.precision == precision


def test_unknown_day_and_month_are_written_as_zeros_like_on_german_documents():
    assert str(PartialDate(1985, None, None)) == "00.00.1985"
    assert str(PartialDate(1985, 7, None)) == "00.07.1985"
    assert str(PartialDate(1985, 7, 3)) == "03.07.1985"
    assert str(PartialDate()) == ""


def test_partial_date_is_never_turned_into_a_full_date():
    assert PartialDate(1985, None, None).as_date() is None
    assert PartialDate(1985, 7, 3).as_date() == dt.date(1985, 7, 3)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31.02.1985", "day"),
        ("01.13.1985", "month"),
        ("05.00.1985", "day_no_month"),
        ("1985/07/03", "format"),
        ("yesterday", "format"),
        ("01.01.2027", "range"),
        ("01.01.1850", "range"),
    ],
)
def test_impossible_dates_are_rejected_with_a_reason(text, code):
    with pytest.raises(ValidationError) as error:
        PartialDate.parse(text, today=TODAY)
    assert error.value.code == code
