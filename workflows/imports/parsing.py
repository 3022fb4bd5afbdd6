"""Reading a client CSV file: the format, the file as a whole, and each row.

**A row is rejected only when it cannot describe a person.** That is when
- it has no family name: the column is empty, a placeholder ("-", "NN", "unbekannt"),
  or holds no letter at all ("12345", "????"), and no name in original script to read
  one from (then the family name is taken from it, by the table of Ukrainian passports,
  with a remark);
  a sole name, common in Afghanistan, belongs in family_name, as German offices write
  it;
- the family name is longer than the field (150 characters): a shifted column, not a
  name;
- the row cannot be read as a row: another number of columns than the header;
- its external_ref is longer than 64 characters, or repeats one earlier in the file:
  without a usable reference a rerun could not tell the row was imported already.

Everything else about a person is optional, as it is at the intake: many people have no
birth date, or the year only. A value of an optional column that the record cannot take
as it came (a birth date that cannot be read for sure, an unknown sex code or
nationality, a phone number or e-mail address of no valid format, an address outside
Berlin, a document without issuing country or of an unknown type ...) leaves that field
empty, and the raw value is kept as an import remark on the record (`ImportRemark`),
which the importing agency sees on the record page and resolves. What each column
accepts is in `workflows.imports.values` and `.nationalities`; docs/operations.md
("Import: what is accepted") says it for admins.

Reasons name the row (the header is row 1, as a spreadsheet counts) and the column,
never the value.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import CharField, Model
from django.utils.translation import gettext as _

from agencies.models import Agency
from clients.models import Client, IdentityDocument
from core.identity.names import fold_accents
from core.sections import section_of_field
from workflows.imports import values
from workflows.imports.nationalities import nationalities as read_nationalities
from workflows.imports.transliteration import transliterate
from workflows.imports.values import Reason, Remark

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
# The record field a column fills: its section decides who sees a remark on it.
_FIELD_OF_COLUMN = {
    "nationality": "nationalities",
    "address_street": "street",
    "address_postcode": "postcode",
    "address_city": "street",
}
NAME_MAX_LENGTH = Client._meta.get_field("family_name").max_length
PLACE_MAX_LENGTH = Client._meta.get_field("place_of_birth").max_length
EXTERNAL_REF_MAX_LENGTH = Client._meta.get_field("external_ref").max_length
SEARCH_NAME_MAX_LENGTH = Client._meta.get_field("search_name").max_length
# Cyrillic read as Windows-1252 comes out as runs of accented capitals and small letters
# (Шевченко -> Øåâ÷åíêî); German and other Latin text has them one at a time.
_CP1251_RUN = re.compile("[\u00c0-\u00ff]{4,}")


class _Instances:
    """Unsaved instances built from positional values, the fast path of Model.__init__
    that from_db takes: keyword arguments made it look up every field's default, 85 µs
    a record of the 130 µs a row took to read. Callable defaults (a record's reference
    code, its list of languages) are still drawn for each instance."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.position = {field.attname: index for index, field in enumerate(fields)}
        self.drawn = [(index, f) for index, f in enumerate(fields) if callable(f.default)]
        self.template = [None if callable(f.default) else f.get_default() for f in fields]

    def __call__(self, **values) -> Model:
        args = self.template.copy()
        for index, drawn in self.drawn:
            args[index] = drawn.get_default()
        for name, value in values.items():
            args[self.position[name]] = value
        return self.model(*args)


_new_client = _Instances(Client)
_new_document = _Instances(IdentityDocument)


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing was imported. The message is shown."""


@dataclass
class ImportRow:
    number: int
    client: Client
    document: IdentityDocument | None
    remarks: list[Remark] = field(default_factory=list)


@dataclass
class ImportFile:
    total: int  # data rows
    encoding: str
    rows: Iterator[tuple[int, dict[str, str]]]  # (row number, values by column)


def section_of_column(column: str) -> str:
    if column.startswith("document_"):
        return "documents"
    return section_of_field(_FIELD_OF_COLUMN.get(column, column)) or "identity"


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode
    text"), else Windows-1252, or Windows-1251 when the text reads as Cyrillic in it."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(_not_text()) from None
    if b"\x00" in data[:4096]:
        raise ImportFileError(_not_text())  # a workbook, a zip file, a picture ...
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    if len(_CP1251_RUN.findall(text)) > max(3, len(re.findall("[\u00c0-\u00ff]", text)) // 20):
        return data.decode("cp1251", errors="replace"), "cp1251"
    return text, "cp1252"


def _not_text() -> str:
    return _(
        "The file is not a CSV text file (an Excel workbook?). Save it as CSV "
        "(UTF-8 or Windows-1252) and upload that."
    )


def read_rows(data: bytes) -> ImportFile:
    """Decode and check the file. Raises ImportFileError before anything is written."""
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().strip("\ufeff").lower() for name in next(reader, [])]
    except csv.Error as error:
        raise ImportFileError(_csv_error(error, 1)) from None
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
    total, number = 0, 1
    try:
        for record in reader:
            number += 1
            total += any(cell.strip() for cell in record)
    except csv.Error as error:
        raise ImportFileError(_csv_error(error, number + 1)) from None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        next(reader)
        line = reader.line_num
        for number, record in enumerate(reader, start=2):
            first_line, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                found = {"__columns__": str(len(record))}
                if line > first_line:  # a quoted field ran on over the end of its line
                    found["__lines__"] = f"{first_line}-{line}"
                yield number, found
                continue
            cells = zip(header, record, strict=True)
            yield number, {name: values.cell(value) for name, value in cells}

    return ImportFile(total=total, encoding=encoding, rows=rows())


def _csv_error(error: csv.Error, row: int) -> str:
    """The file-level refusal for what the csv module cannot read (the reader cannot go
    on after it): the row, never the value. Checked before anything is written."""
    if "field limit" in str(error):
        return _(
            "Row %(row)d cannot be read: a field is longer than %(max)s characters, which "
            "no column takes (a quotation mark that is not closed?). Nothing was imported."
        ) % {"row": row, "max": f"{csv.field_size_limit():,}"}
    return _(
        "Row %(row)d cannot be read as CSV: probably a quotation mark that is not closed. "
        "Nothing was imported."
    ) % {"row": row}


def row_build(row: dict[str, str], *, agency: Agency) -> ImportRow | list[str]:
    """The unsaved client (and document) of one row with its remarks; or, if the row
    cannot describe a person, its reasons as "column: reason" strings (no values)."""
    if "__lines__" in row:
        first, last = row["__lines__"].split("-")
        return [
            "row: "
            + _(
                "a quotation mark is not closed: lines %(first)s to %(last)s of the file "
                "were read as this one row (%(found)s columns instead of %(expected)d)."
            )
            % {"first": first, "last": last, "found": row["__columns__"], "expected": len(COLUMNS)}
        ]
    if "__columns__" in row:
        return [
            "row: "
            + _("expected %(expected)d columns, found %(found)s.")
            % {"expected": len(COLUMNS), "found": row["__columns__"]}
        ]
    errors = _identity_errors(row)
    if errors:
        return errors

    remarks: list[Remark] = []
    family_name, family_remarks = values.name(
        "family_name", row["family_name"], max_length=NAME_MAX_LENGTH
    )
    original, original_remarks = values.name(
        "family_name_original", row["family_name_original"], max_length=NAME_MAX_LENGTH
    )
    remarks += original_remarks
    if family_name:
        remarks += family_remarks
    else:  # _identity_errors made sure the original script can be read
        family_name = transliterate(original)
        remarks.append(Remark("family_name", Reason.NAME_TRANSLITERATED, original))
    given_names, more = values.name("given_names", row["given_names"], max_length=NAME_MAX_LENGTH)
    remarks += more
    given_original, more = values.name(
        "given_names_original", row["given_names_original"], max_length=NAME_MAX_LENGTH
    )
    remarks += more
    birth, more = values.birth_date(row["birth_date"])
    remarks += more
    sex, more = values.sex(row["sex"])
    remarks += more
    codes, more = read_nationalities(row["nationality"])
    remarks += more
    place, more = values.name("place_of_birth", row["place_of_birth"], max_length=PLACE_MAX_LENGTH)
    remarks += more
    nationality = codes[0] if codes else ""
    phone = values.phone(row["phone"], nationality=nationality)
    remarks += phone.remarks
    email, more = values.email(row["email"])
    remarks += more
    street, postcode, more = values.address(
        row["address_street"], row["address_postcode"], row["address_city"]
    )
    remarks += more

    client = _new_client(
        registered_by_id=agency.pk,
        external_ref=row["external_ref"],
        family_name=family_name,
        given_names=given_names,
        family_name_original=original,
        given_names_original=given_original,
        sex=sex,
        place_of_birth=place,
        nationalities=codes,
        phone="" if phone.number is None else phone.number,
        email=email,
        street=street,
        postcode=postcode,
    )
    client.birth_date = birth
    client.refresh_search_name()
    if len(client.search_name) > SEARCH_NAME_MAX_LENGTH and _search_name_fit(client, remarks):
        return [
            "family_name: "
            + _(
                "longer than the field allows once its accents and ligatures are written "
                "out for the search: not a name (a shifted column?)."
            )
        ]

    found = values.document(row["document_type"], row["document_number"], nationality=nationality)
    remarks += found.remarks
    document = None
    if found.doc_type:
        document = _new_document(
            doc_type=found.doc_type, number=found.number, issuing_country=found.issuing_country
        )
    overlong = _overlong(_CLIENT_LENGTHS, client) + _overlong(_DOCUMENT_LENGTHS, document)
    if overlong:  # the readers above keep to the fields; this guards the database's limits
        return [
            f"{name}: " + _("longer than the database field allows: the row was not imported.")
            for name in overlong
        ]
    return ImportRow(number=0, client=client, document=document, remarks=remarks)


def _search_name_fit(client: Client, remarks: list[Remark]) -> bool:
    """Rare: the names folded for the search (a ligature such as U+FDFA is written out in
    18 letters) outgrow the search name's field. Leave out optional names, longest folded
    first, each with a remark, until they fit; True if the family name alone does not."""
    optional = sorted(
        ("given_names", "family_name_original", "given_names_original"),
        key=lambda name: len(fold_accents(getattr(client, name))),
        reverse=True,
    )
    for name in optional:
        remarks.append(Remark(name, Reason.TOO_LONG, getattr(client, name)))
        setattr(client, name, "")
        client.refresh_search_name()
        if len(client.search_name) <= SEARCH_NAME_MAX_LENGTH:
            return False
    return True


def _lengths(model: type[Model]) -> list[tuple[str, int]]:
    return [
        (f.attname, f.max_length)
        for f in model._meta.concrete_fields
        if isinstance(f, CharField) and f.max_length
    ]


_CLIENT_LENGTHS = _lengths(Client)
_DOCUMENT_LENGTHS = _lengths(IdentityDocument)
# The column a field's value came from, where the names differ.
_COLUMN_OF_FIELD = {
    "street": "address_street",
    "postcode": "address_postcode",
    "search_name": "family_name",
    "number": "document_number",
    "doc_type": "document_type",
}


def _overlong(lengths: list[tuple[str, int]], instance: Model | None) -> list[str]:
    """Columns whose value is longer than its field (no values named)."""
    if instance is None:
        return []
    found = instance.__dict__
    return [
        _COLUMN_OF_FIELD.get(name, name)
        for name, max_length in lengths
        if isinstance(found.get(name), str) and len(found[name]) > max_length
    ]


def _identity_errors(row: dict[str, str]) -> list[str]:
    """Why the row cannot describe a person (see the module doc); empty if it can."""
    ref = row["external_ref"]
    if len(ref) > EXTERNAL_REF_MAX_LENGTH:
        return [
            "external_ref: "
            + _("longer than %(max)d characters: a rerun could not recognise the row as imported.")
            % {"max": EXTERNAL_REF_MAX_LENGTH}
        ]
    family_name = row["family_name"]
    if len(family_name) > NAME_MAX_LENGTH:
        return [
            "family_name: "
            + _("longer than %(max)d characters: not a name (a shifted column?).")
            % {"max": NAME_MAX_LENGTH}
        ]
    name, _remarks = values.name("family_name", family_name, max_length=NAME_MAX_LENGTH)
    if name:
        return []
    original, _remarks = values.name(
        "family_name_original", row["family_name_original"], max_length=NAME_MAX_LENGTH
    )
    if original and "?" not in original and len(transliterate(original)) <= NAME_MAX_LENGTH:
        return []
    return [
        "family_name: "
        + _(
            "no family name (empty, a placeholder or no letters): a person needs one; a "
            "sole name belongs in this column."
        )
    ]
