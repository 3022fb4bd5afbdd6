"""Birth dates keep their precision in the AZR shape: 00.00.1985 is a year, 00.07.1985 a
month; nothing is invented on the way out or in."""

from __future__ import annotations

import json

import pytest

from core.dates import PartialDate
from workflows.azr import codes, render
from workflows.azr.parse import AzrFileError, parse_bytes


@pytest.mark.parametrize(
    ("german", "azr"),
    [
        ("00.00.1985", {"jahr": "1985"}),
        ("00.07.1985", {"jahrMonat": "1985-07"}),
        ("03.07.1985", {"jahrMonatTag": "1985-07-03"}),
    ],
)
def test_partial_birth_date_keeps_precision(german, azr):
    date = PartialDate.parse(german)

    assert codes.partial_date_to_azr(date) == azr
    assert codes.partial_date_from_azr(azr) == date
    assert str(codes.partial_date_from_azr(azr)) == german


def test_an_unknown_birth_date_is_left_out():
    assert codes.partial_date_to_azr(PartialDate()) is None
    assert codes.partial_date_from_azr(None) == PartialDate()


def _file(birth: dict, as_xml: bool) -> bytes:
    record = {
        "version": "1.0",
        "abschnitte": ["identity"],
        "person": {"grundpersonalien": {"familienname": "Hres", "geburtsdatum": birth}},
    }
    return render.as_xml(record) if as_xml else json.dumps(record).encode()


@pytest.mark.parametrize("as_xml", [False, True], ids=["json", "xml"])
def test_a_year_only_date_reaches_the_form_as_00_00(as_xml):
    prefill = parse_bytes(_file({"jahr": "1985"}, as_xml))

    assert prefill.fields["birth_date"] == PartialDate(1985)
    assert str(prefill.fields["birth_date"]) == "00.00.1985"


def test_an_impossible_date_in_json_is_left_out_and_named():
    prefill = parse_bytes(_file({"jahrMonatTag": "1985-02-30"}, as_xml=False))

    assert "birth_date" not in prefill.fields
    assert prefill.notes


def test_an_impossible_date_in_xml_is_refused_by_the_xsd():
    # xs:date knows the calendar; the JSON Schema's pattern does not.
    with pytest.raises(AzrFileError) as refused:
        parse_bytes(_file({"jahrMonatTag": "1985-02-30"}, as_xml=True))
    assert refused.value.code == "schema"


def test_two_kinds_of_date_at_once_are_refused_by_the_schemas():
    with pytest.raises(AzrFileError) as refused:
        parse_bytes(_file({"jahr": "1985", "jahrMonat": "1985-07"}, as_xml=False))
    assert refused.value.code == "schema"
