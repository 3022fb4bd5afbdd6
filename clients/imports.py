"""Client import from CSV: parsing, per-row validation and the chunked bulk import.

A file is decoded and its header checked before anything is written. Rows are then
validated one by one (the same field validators and `clean()` as the intake form, via
`full_clean`) and written in chunks of `CHUNK_SIZE` rows, each chunk in its own
transaction with its history rows, documents, permission rows, blocking keys and audit
events: a crash loses at most the chunk being written, and a rerun continues because
rows whose `external_ref` the agency already holds are skipped.

Each row becomes its own record; nothing is merged. Bad rows are reported with their
row number (the header is row 1, as a spreadsheet counts) and the column names at fault;
the reasons never contain the values themselves.

The client record has no city: the portal stores addresses in Berlin only (the postcode
must be a Berlin one), so `address_city` must be empty or Berlin.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from simple_history.utils import bulk_create_with_history

from agencies import access
from agencies.models import Agency
from audit.models import AuditEvent
from audit.services import audit_buffer, audit_record
from clients.choices import DocumentType, Sex
from clients.dates import PartialDate
from clients.models import Client, ClientImport, IdentityDocument, fold
from clients.reference import reference_code_new
from clients.services import match_keys_refresh

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
CHUNK_SIZE = 1000

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


@dataclass
class _Chunk:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    skipped: int = 0  # already held before the chunk was validated


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

    city = fold(values["address_city"])
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


def client_import_run(
    *,
    agency: Agency,
    actor,
    data: bytes,
    file_name: str,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> ClientImport:
    """Import the CSV `data` for `agency`; return the recorded run.

    Deliberately not one transaction: each chunk commits on its own (see module doc).
    Raises ImportFileError, with nothing written, if the file cannot be read.
    """
    total, rows = read_rows(data)
    # Every write here commits in its own transaction with its audit events, also when
    # the caller (the upload view, a command) runs without one.
    with transaction.atomic(), audit_buffer():
        run = ClientImport.objects.create(
            agency=agency, started_by=_user(actor), file_name=file_name[:255], rows_total=total
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=run,
            fields=["file_name", "rows_total"],
        )
    seen_refs: dict[str, int] = {}
    done = 0
    while batch := list(islice(rows, chunk_size)):
        # Rows the agency already holds are skipped unchecked: a rerun is quick. The check
        # that counts is repeated under lock when the chunk is written.
        refs = [values.get("external_ref", "") for _number, values in batch]
        held = set(
            Client.objects.filter(
                registered_by=agency, external_ref__in=[r for r in refs if r]
            ).values_list("external_ref", flat=True)
        )
        chunk = _Chunk()
        for (number, values), ref in zip(batch, refs, strict=True):
            if ref and ref in seen_refs:
                chunk.errors.append(
                    {
                        "row": number,
                        "errors": [
                            "external_ref: "
                            + _("appears more than once in this file (first in row %(row)d).")
                            % {"row": seen_refs[ref]}
                        ],
                    }
                )
                continue
            if ref:
                seen_refs[ref] = number
            if ref in held:
                chunk.skipped += 1
                continue
            result = row_build(values, agency=agency)
            if isinstance(result, list):
                chunk.errors.append({"row": number, "errors": result})
            else:
                result.number = number
                chunk.rows.append(result)
        _chunk_write(run=run, chunk=chunk, agency=agency, actor=actor)
        done += len(batch)
        if progress:
            progress(done, total)
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    return run


def _chunk_write(*, run: ClientImport, chunk: _Chunk, agency: Agency, actor) -> None:
    """Write one chunk: all of it with its run counts and audit events, or nothing."""
    with transaction.atomic(), audit_buffer():
        # Serialises imports into the same agency, so the external_ref check holds.
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        refs = [row.client.external_ref for row in chunk.rows if row.client.external_ref]
        existing = set(
            Client.objects.filter(registered_by=agency, external_ref__in=refs).values_list(
                "external_ref", flat=True
            )
        )
        new_rows = [row for row in chunk.rows if row.client.external_ref not in existing]
        _reference_codes_unique([row.client for row in new_rows])
        clients = bulk_create_with_history(
            [row.client for row in new_rows], Client, default_user=_user(actor)
        )
        documents = []
        for row, client in zip(new_rows, clients, strict=True):
            if row.document is not None:
                row.document.client_id = client.pk
                documents.append(row.document)
        documents = bulk_create_with_history(documents, IdentityDocument, default_user=_user(actor))
        ids = [client.pk for client in clients]
        access.access_grant_owner_bulk(clients=clients, agency=agency)
        match_keys_refresh(
            clients=list(Client.objects.filter(pk__in=ids).prefetch_related("documents"))
        )
        if ids:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                object_type="clients.client",
                object_ids=ids,
                fields=IMPORTED_FIELDS,
            )
        if documents:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                object_type="clients.identitydocument",
                object_ids=[document.pk for document in documents],
                fields=["doc_type", "number", "issuing_country"],
            )
        run.rows_imported += len(clients)
        run.rows_skipped += chunk.skipped + len(chunk.rows) - len(new_rows)
        run.row_errors = [*run.row_errors, *chunk.errors]
        run.save(update_fields=["rows_imported", "rows_skipped", "row_errors"])


def _reference_codes_unique(clients: list[Client]) -> None:
    """Random 50-bit codes practically never collide; if one does, draw again."""
    while True:
        codes = [client.reference_code for client in clients]
        taken = set(
            Client.objects.filter(reference_code__in=codes).values_list("reference_code", flat=True)
        )
        repeated = len(codes) != len(set(codes))
        if not taken and not repeated:
            return
        seen: set[str] = set()
        for client in clients:
            if client.reference_code in taken or client.reference_code in seen:
                client.reference_code = reference_code_new()
            seen.add(client.reference_code)


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None
