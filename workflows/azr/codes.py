"""Codes and value notations of the AZR shape, both ways: sex (XÖV code list
Geschlecht), countries (ISO 3166-1 alpha-3), partial dates (the XÖV choice of year,
year-month or full date), street and house number, lists of other names."""

from __future__ import annotations

import re

from django_countries import countries

from clients.choices import ResidenceStatus
from core.dates import PartialDate

# The version of our own shape; a parser refuses files of another major version.
SHAPE_NAMESPACE = "urn:de:berlin:registrierungsportal:azr-abgleich:1"
SHAPE_VERSION = "1.0"

# Ours -> XÖV Geschlecht: m männlich, w weiblich, d divers, x ohne Angabe / unbekannt.
SEX_TO_AZR = {"m": "m", "f": "w", "x": "d", "u": "x"}
SEX_FROM_AZR = {value: key for key, value in SEX_TO_AZR.items()}

# The residence law behind each of our status codes (named in the export for a reader
# whose system keeps its own codes).
RESIDENCE_LEGAL_BASIS = {
    ResidenceStatus.TEMPORARY_PROTECTION: "§ 24 AufenthG",
    ResidenceStatus.FIKTIONSBESCHEINIGUNG: "§ 81 Abs. 3/4 AufenthG",
    ResidenceStatus.ASYLUM_PROCEDURE: "§ 55 AsylG",
    ResidenceStatus.RECOGNISED: "§ 25 Abs. 1/2 AufenthG",
    ResidenceStatus.DEPORTATION_BAN: "§ 60 Abs. 5/7 AufenthG",
    ResidenceStatus.TOLERATED: "§ 60a AufenthG",
}

# "Kopernikusstraße 5", "Alt-Moabit 12a", "Straße 1-3": the number at the end.
_HOUSE_NUMBER = re.compile(
    r"^(?P<street>.*\S)\s+(?P<number>\d+\s?[a-zA-Z]?(?:\s?[-/]\s?\d+[a-zA-Z]?)?)$"
)
# Other names are kept in one field; commas or semicolons separate them.
_NAME_SEPARATOR = re.compile(r"\s*[;,]\s*")


def country_to_azr(code: str) -> str:
    """ISO 3166-1 alpha-2 (how we store countries) -> alpha-3 (what we emit)."""
    return countries.alpha3(code) or ""


def country_from_azr(code: str) -> str:
    """Alpha-3 -> alpha-2, '' for a code we do not know."""
    return countries.alpha2(code) or ""


def partial_date_to_azr(value: PartialDate) -> dict[str, str] | None:
    """00.00.1985 -> {"jahr": "1985"}, 00.07.1985 -> {"jahrMonat": "1985-07"},
    03.07.1985 -> {"jahrMonatTag": "1985-07-03"}; unknown -> None (element left out)."""
    if value.precision == "unknown":
        return None
    if value.precision == "year":
        return {"jahr": f"{value.year:04d}"}
    if value.precision == "month":
        return {"jahrMonat": f"{value.year:04d}-{value.month:02d}"}
    return {"jahrMonatTag": f"{value.year:04d}-{value.month:02d}-{value.day:02d}"}


def partial_date_from_azr(value: dict | None) -> PartialDate:
    """The reverse; raises django's ValidationError for a date that cannot be a birth date."""
    if not value:
        return PartialDate()
    if "jahrMonatTag" in value:
        year, month, day = value["jahrMonatTag"].split("-")
        return PartialDate.from_parts(int(year), int(month), int(day))
    if "jahrMonat" in value:
        year, month = value["jahrMonat"].split("-")
        return PartialDate.from_parts(int(year), int(month), None)
    return PartialDate.from_parts(int(value["jahr"]), None, None)


def street_to_azr(street: str) -> dict[str, str]:
    """ "Kopernikusstraße 5" -> strasse + hausnummer; a street without a number at its end
    stays whole in strasse (a c/o address, a shelter's name)."""
    if match := _HOUSE_NUMBER.match(street.strip()):
        return {"strasse": match["street"], "hausnummer": match["number"]}
    return {"strasse": street.strip()} if street.strip() else {}


def street_from_azr(address: dict) -> str:
    return " ".join(part for part in (address.get("strasse"), address.get("hausnummer")) if part)


def names_to_azr(value: str) -> list[str]:
    return [name for name in _NAME_SEPARATOR.split(value.strip()) if name]


def names_from_azr(names: list[str]) -> str:
    return ", ".join(names)
