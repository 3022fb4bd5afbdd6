"""Validators for identifiers printed on documents and registers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients.choices import DocumentType

# Formats we know for sure; other combinations accept 3-30 letters and digits.
# German passport/ID card: 9 characters from a restricted alphabet (no vowels, no B/D/Q/S).
# Ukrainian biometric passport: two letters and six digits; Ukrainian ID card: nine digits.
_DOCUMENT_FORMATS: dict[tuple[str, str], tuple[re.Pattern[str], str]] = {
    (DocumentType.PASSPORT, "DE"): (re.compile(r"^[CFGHJKLMNPRTVWXYZ0-9]{9}$"), "C01X00T47"),
    (DocumentType.ID_CARD, "DE"): (re.compile(r"^[CFGHJKLMNPRTVWXYZ0-9]{9}$"), "L01X00T47"),
    (DocumentType.PASSPORT, "UA"): (re.compile(r"^[A-Z]{2}[0-9]{6}$"), "FA123456"),
    (DocumentType.ID_CARD, "UA"): (re.compile(r"^[0-9]{9}$"), "001234567"),
}
# Cyrillic letters occur in Ukrainian series (birth certificate "І-КВ 123456").
_GENERIC = re.compile(r"^[A-Z0-9А-ЯЁІЇЄҐ]{3,30}$")
_AZR = re.compile(r"^[0-9]{12}$")


def normalize_identifier(value: str) -> str:
    """Numbers are read aloud and copied with spaces, dashes and lower case; store them bare."""
    return re.sub(r"[\s\-/.]", "", value or "").upper()


def validate_document_number(number: str, doc_type: str, country: str) -> None:
    known = _DOCUMENT_FORMATS.get((doc_type, country))
    if known is not None:
        pattern, example = known
        if not pattern.match(number):
            raise ValidationError(
                _("This number does not have the format of that document (example: %(example)s)."),
                code="document_format",
                params={"example": example},
            )
    elif not _GENERIC.match(number):
        raise ValidationError(
            _("A document number has 3 to 30 letters and digits."), code="document_format"
        )


def validate_azr_number(value: str) -> None:
    if value and not _AZR.match(value):
        raise ValidationError(_("An AZR number has 12 digits."), code="azr_format")


def validate_berlin_postcode(value: str) -> None:
    # Berlin's postcodes run from 10115 to 14199.
    if value and not (re.fullmatch(r"1[0-4]\d{3}", value) and 10115 <= int(value) <= 14199):
        raise ValidationError(_("This is not a Berlin postcode (10115–14199)."), code="postcode")
