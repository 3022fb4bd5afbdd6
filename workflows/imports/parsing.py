"""Reading a client CSV file: the format, the file as a whole, and each row validated
like the intake form (the same field validators and `clean()`, via `full_clean`).

Bad rows are reported with their row number (the header is row 1, as a spreadsheet
counts) and the column names at fault; the reasons never contain the values themselves.

The client record has no city: the portal stores addresses in Berlin only (the postcode
must be a Berlin one), so `address_city` must be empty or Berlin.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django_countries import countries

from agencies.models import Agency
from clients.choices import DocumentType, Sex
from clients.models import Client, IdentityDocument
from core.dates import PartialDate
from core.identity.names import fold_accents

COLUMNS = (
    "external_ref",
    "family_name",
    "given_names",
    "family_name_original",
    "given_names_original",
    "birth_date",
    "sex",
    "nationality",
    "place_of_birth",
    "document_type",
    "document_number",
    "phone",
    "email",
    "address_street",
    "address_postcode",
    "address_city",
)

# Client model field -> CSV column, for error messages.
_COLUMN_OF = {
    "birth_year": "birth_date",
    "birth_month": "birth_date",
    "birth_day": "birth_date",
    "nationalities": "nationality",
    "street": "address_street",
    "postcode": "address_postcode",
    NON_FIELD_ERRORS: "row",
}
_DOCUMENT_COLUMN_OF = {
    "doc_type": "document_type",
    "number": "document_number",
    "issuing_country": "nationality",
    NON_FIELD_ERRORS: "document_number",
}
# Model fields a row fills (audit events name these, never values).
IMPORTED_FIELDS = [
    "external_ref",
    "family_name",
    "given_names",
    "family_name_original",
    "given_names_original",
    "birth_date",
    "sex",
    "nationalities",
    "place_of_birth",
    "phone",
    "email",
    "street",
    "postcode",
]
# full_clean checks only the fields a row fills (the others keep their valid defaults;
# halves the cost per row). Countries are checked by row_build itself: django-countries'
# own check rebuilds its choice list on every call and cost 3 ms a row.
_ROW_FIELDS = {
    "external_ref",
    "family_name",
    "given_names",
    "family_name_original",
    "given_names_original",
    "birth_year",
    "birth_month",
    "birth_day",
    "sex",
    "place_of_birth",
    "phone",
    "email",
    "street",
    "postcode",
}
_CLIENT_EXCLUDE = [f.name for f in Client._meta.concrete_fields if f.name not in _ROW_FIELDS]

_SEX = {"f": Sex.FEMALE, "m": Sex.MALE, "x": Sex.DIVERSE, "d": Sex.DIVERSE, "u": Sex.UNKNOWN}
_DOCUMENT_TYPES: dict[str, str] = {
    **{choice.value: choice.value for choice in DocumentType},
    "pass": DocumentType.PASSPORT,
    "reisepass": DocumentType.PASSPORT,
    "p": DocumentType.PASSPORT,
    "id": DocumentType.ID_CARD,
    "idcard": DocumentType.ID_CARD,
    "identity_card": DocumentType.ID_CARD,
    "personalausweis": DocumentType.ID_CARD,
    "ausweis": DocumentType.ID_CARD,
    "birth": DocumentType.BIRTH_CERTIFICATE,
    "geburtsurkunde": DocumentType.BIRTH_CERTIFICATE,
    "ankunftsnachweis": DocumentType.ARRIVAL_CERTIFICATE,
    "anr": DocumentType.ARRIVAL_CERTIFICATE,
    "aufenthaltstitel": DocumentType.RESIDENCE_PERMIT,
    "aufenthaltserlaubnis": DocumentType.RESIDENCE_PERMIT,
    "residence_title": DocumentType.RESIDENCE_PERMIT,
    "sonstiges": DocumentType.OTHER,
}
# Issued in Germany whatever the person's nationality; other documents by their country.
_ISSUED_IN_GERMANY = {DocumentType.ARRIVAL_CERTIFICATE, DocumentType.RESIDENCE_PERMIT}


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing was imported. The message is shown."""


@dataclass
class ImportRow:
    number: int
    client: Client
    document: IdentityDocument | None


def read_rows(data: bytes) -> tuple[int, Iterator[tuple[int, dict[str, str]]]]:
    """Decode and check the file; return (number of data rows, iterator of (row number,
    values by column)). Raises ImportFileError before anything is written."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 encoded. Save it as CSV UTF-8.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    if not any(header):
        raise ImportFileError(_("The file is empty."))
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown or len(header) != len(set(header)):
        raise ImportFileError(
            _(
                "The header row does not match the import format. Missing columns: "
                "%(missing)s. Unknown or repeated columns: %(unknown)s. Expected: %(expected)s."
            )
            % {
                "missing": ", ".join(missing) or "–",
                "unknown": ", ".join(unknown) or "–",
                "expected": ",".join(COLUMNS),
            }
        )
    total = sum(1 for record in reader if any(cell.strip() for cell in record))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        next(reader)
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                yield number, {"__columns__": str(len(record))}
                continue
            yield number, {name: value.strip() for name, value in zip(header, record, strict=True)}

    return total, rows()


def row_build(values: dict[str, str], *, agency: Agency) -> ImportRow | list[str]:
    """The unsaved client (and document) of one row, validated like the intake form;
    or the row's errors as "column: reason" strings (no values)."""
    if "__columns__" in values:
        return [
            "row: "
            + _("expected %(expected)d columns, found %(found)s.")
            % {"expected": len(COLUMNS), "found": values["__columns__"]}
        ]
    errors: dict[str, list[str]] = {}

    def error(column: str, message: str) -> None:
        errors.setdefault(column, []).append(str(message))

    try:
        birth = PartialDate.parse(values["birth_date"])
    except ValidationError as exc:
        error("birth_date", exc.messages[0])
        birth = PartialDate()

    sex = _SEX.get(values["sex"].lower()) if values["sex"] else Sex.UNKNOWN
    if sex is None:
        error("sex", _("use f, m, x or leave empty."))

    nationality = ""
    if values["nationality"]:
        nationality = countries.alpha2(values["nationality"].upper()) or ""
        if not nationality:
            error("nationality", _("not an ISO 3166 country code (alpha-2 or alpha-3)."))

    city = fold_accents(values["address_city"])
    if city and city != "berlin" and not city.startswith("berlin-"):
        error("address_city", _("only addresses in Berlin can be stored."))

    client = Client(
        registered_by_id=agency.pk,
        external_ref=values["external_ref"],
        family_name=values["family_name"],
        given_names=values["given_names"],
        family_name_original=values["family_name_original"],
        given_names_original=values["given_names_original"],
        sex=sex or Sex.UNKNOWN,
        place_of_birth=values["place_of_birth"],
        nationalities=[nationality] if nationality else [],
        phone=values["phone"],
        email=values["email"],
        street=values["address_street"],
        postcode=values["address_postcode"],
    )
    client.birth_date = birth
    try:
        client.full_clean(
            exclude=_CLIENT_EXCLUDE, validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            column = _COLUMN_OF.get(name, name)
            if column not in errors:  # our own, clearer message already says it
                for message in messages:
                    error(column, message)

    document = None
    doc_type_text, number = values["document_type"], values["document_number"]
    if doc_type_text or number:
        doc_type = _DOCUMENT_TYPES.get(doc_type_text.lower().replace("-", "_").replace(" ", "_"))
        if not doc_type_text or not number:
            column = "document_number" if doc_type_text else "document_type"
            error(column, _("a document needs both its type and its number."))
        elif doc_type is None:
            error(
                "document_type",
                _("unknown document type; use one of: %(types)s.")
                % {"types": ", ".join(DocumentType.values)},
            )
        else:
            country = "DE" if doc_type in _ISSUED_IN_GERMANY else nationality
            if not country:
                error(
                    "document_type",
                    _("the issuing country is taken from the nationality column: fill it in."),
                )
            else:
                document = IdentityDocument(doc_type=doc_type, number=number)
                document.issuing_country = country
                try:
                    document.full_clean(
                        exclude=["client", "issuing_country"], validate_constraints=False
                    )
                except ValidationError as exc:
                    for name, messages in exc.message_dict.items():
                        for message in messages:
                            error(_DOCUMENT_COLUMN_OF.get(name, name), message)

    if errors:
        return [
            f"{column}: {message}" for column, messages in errors.items() for message in messages
        ]
    client.refresh_search_name()
    return ImportRow(number=0, client=client, document=document)
