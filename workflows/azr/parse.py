"""Reading an AZR-shaped file (ours, JSON or XML) into initial data for the intake form.

The file comes from outside, so it is read defensively:
- at most `MAX_BYTES`; anything larger is refused before it is parsed;
- JSON: strict UTF-8, duplicate keys refused, nesting deeper than Python's recursion
  limit refused, then validated against `schemas/azr-record.schema.json`;
- XML: a document type declaration is refused outright (no DTD, so no entity expansion:
  billion laughs, external entities); the parser is xmlschema's `XMLResource` with
  `defuse="always"` (its SafeExpatParser raises on any entity declaration or external
  reference) and `allow="none"` (no file or URL is ever opened), then validated against
  `schemas/azr-record.xsd`, converted to the JSON's dict and validated against the JSON
  Schema too;
- values are then mapped field by field; a value the form cannot take (an unknown
  country code, a birth date in the future) is left out and named in `Prefill.notes`,
  never guessed.
Nothing is saved: the result pre-fills a form the caseworker checks and saves.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from xmlschema.exceptions import XMLResourceError, XMLResourceForbidden

from core.dates import PartialDate
from workflows.azr import codes
from workflows.azr.render import (
    ROOT_ELEMENT,
    json_schema_validator,
    xml_resource,
    xml_schema,
    xml_to_record,
)

# A record with 50 documents and 30 household members is well under 64 KiB.
MAX_BYTES = 256 * 1024
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class AzrFileError(ValidationError):
    """The file cannot be read; the message says why, in the reader's language."""


@dataclass
class Prefill:
    """Initial data: `fields` for the intake's ClientForm, `documents` for document forms
    (the intake shows the first), `sections` the file held, `notes` what was left out."""

    fields: dict = field(default_factory=dict)
    documents: list[dict] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    notes: list[str | Promise] = field(default_factory=list)
    record: dict = field(default_factory=dict)


def read_upload(upload) -> Prefill:
    """An uploaded file (Django's UploadedFile): size checked before reading."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise _too_large()
    return parse_bytes(upload.read(MAX_BYTES + 1))


def parse_bytes(data: bytes) -> Prefill:
    return prefill_of(record_of(data))


def record_of(data: bytes) -> dict:
    """The file's dict in the JSON shape, validated; AzrFileError otherwise."""
    if len(data) > MAX_BYTES:
        raise _too_large()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"{":
        record = _json_record(data)
    elif head == b"<" or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        record = _xml_record(data)
    else:
        raise AzrFileError(
            _("This file is neither JSON nor XML. Choose an AZR export (.json or .xml)."),
            code="format",
        )
    errors = sorted(json_schema_validator().iter_errors(record), key=lambda e: list(e.path))
    if errors:
        raise _schema_error("/".join(str(p) for p in errors[0].path))
    return record


def _json_record(data: bytes) -> dict:
    try:
        text = data.decode("utf-8-sig")
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError:
        raise AzrFileError(_("The file is not UTF-8 encoded."), code="encoding") from None
    except (ValueError, RecursionError):
        raise AzrFileError(
            _("The file is not valid JSON; it may be damaged or cut off."), code="json"
        ) from None


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError("duplicate key")
        out[key] = value
    return out


def _xml_record(data: bytes) -> dict:
    # Checked in the bytes first (UTF-8, the usual case); the parser forbids entities in
    # any encoding.
    if _DOCTYPE.search(data):
        raise _forbidden()
    try:
        resource = xml_resource(data)
    except XMLResourceForbidden:
        raise _forbidden() from None
    except (XMLResourceError, SyntaxError, ValueError):
        raise AzrFileError(
            _("The file is not valid XML; it may be damaged or cut off."), code="xml"
        ) from None
    root = resource.root
    if root.tag != f"{{{codes.SHAPE_NAMESPACE}}}{ROOT_ELEMENT}":
        raise AzrFileError(
            _(
                "This XML file is not an AZR export of the portal (its root element is "
                "not azrPersonendatensatz in our namespace)."
            ),
            code="root",
        )
    error = next(xml_schema().iter_errors(resource), None)
    if error is not None:
        raise _schema_error(error.path or "")
    return xml_to_record(root)


def _too_large() -> AzrFileError:
    return AzrFileError(
        _("The file is larger than %(size)s KB; an AZR export of one person is much smaller."),
        code="size",
        params={"size": MAX_BYTES // 1024},
    )


def _forbidden() -> AzrFileError:
    return AzrFileError(
        _("The XML file declares a document type or entities, which are not accepted."),
        code="entities",
    )


def _schema_error(where: str) -> AzrFileError:
    # The location only (element path), no values: it may be shown and logged.
    return AzrFileError(
        _("The file does not match the AZR export schema (at “%(where)s”)."),
        code="schema",
        params={"where": where[:120] or "/"},
    )


# --- mapping --------------------------------------------------------------------------


def prefill_of(record: dict) -> Prefill:
    if not record.get("version", "").startswith("1."):
        raise AzrFileError(_("This file has a version the portal cannot read."), code="version")
    person = record["person"]
    out = Prefill(sections=list(record.get("abschnitte", [])), record=record)
    _identity(out, person)
    if address := person.get("anschriftInland"):
        _put(out.fields, "street", codes.street_from_azr(address))
        _put(out.fields, "postcode", address.get("postleitzahl", ""))
        _put(out.fields, "district", address.get("bezirk", ""))
        _put(out.fields, "accommodation", address.get("unterbringung", ""))
    if contact := person.get("kontakt"):
        _put(out.fields, "phone", contact.get("telefon", ""))
        _put(out.fields, "email", contact.get("email", ""))
        if contact.get("sprachen"):
            out.fields["languages"] = list(contact["sprachen"])
        if "dolmetscherBenoetigt" in contact:
            out.fields["interpreter_needed"] = bool(contact["dolmetscherBenoetigt"])
    if residence := person.get("aufenthalt"):
        if arrival := _date(out, residence.get("einreisedatum"), "arrival_date"):
            out.fields["arrival_date"] = arrival
        _put(out.fields, "residence_status", residence.get("aufenthaltsstatus", ""))
    for document in person.get("ausweisdokumente", []):
        if mapped := _document(out, document):
            out.documents.append(mapped)
    if person.get("haushalt"):
        out.notes.append(
            _(
                "The file names a household; household members are registered from the "
                "record once it is saved."
            )
        )
    return out


def _identity(out: Prefill, person: dict) -> None:
    base = person["grundpersonalien"]
    fields = out.fields
    fields["family_name"] = base["familienname"]
    _put(fields, "given_names", base.get("vornamen", ""))
    _put(fields, "birth_name", base.get("geburtsname", ""))
    original = base.get("nameOriginalschrift", {})
    _put(fields, "family_name_original", original.get("familienname", ""))
    _put(fields, "given_names_original", original.get("vornamen", ""))
    if names := person.get("weiterePersonalien", {}).get("andereNamen"):
        fields["former_names"] = codes.names_from_azr(names)
    try:
        birth = codes.partial_date_from_azr(base.get("geburtsdatum"))
    except (ValidationError, ValueError):
        birth = PartialDate()
        out.notes.append(_("The birth date in the file is not possible and was left out."))
    if birth:
        fields["birth_date"] = birth
    _put(fields, "place_of_birth", base.get("geburtsort", ""))
    if land := base.get("geburtsland"):
        _put(fields, "country_of_birth", _country(out, land))
    if sex := base.get("geschlecht"):
        fields["sex"] = codes.SEX_FROM_AZR[sex]
    nationalities = [_country(out, code) for code in base.get("staatsangehoerigkeiten", [])]
    if nationalities := list(dict.fromkeys(code for code in nationalities if code)):
        fields["nationalities"] = nationalities
    _put(fields, "azr_number", person.get("azrNummer", ""))


def _document(out: Prefill, document: dict) -> dict | None:
    country = _country(out, document["ausstellungsstaat"])
    if not country:
        return None
    mapped = {"doc_type": document["art"], "number": document["nummer"], "issuing_country": country}
    for key, name in (("ausstellungsdatum", "issued_on"), ("gueltigBis", "expires_on")):
        if value := _date(out, document.get(key), name):
            mapped[name] = value
    return mapped


def _country(out: Prefill, code: str) -> str:
    alpha2 = codes.country_from_azr(code)
    if not alpha2:
        out.notes.append(
            _("The country code “%(code)s” is unknown and was left out.") % {"code": code[:3]}
        )
    return alpha2


def _date(out: Prefill, value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        out.notes.append(_("A date in the file is not possible and was left out."))
        return None


def _put(target: dict, key: str, value: str) -> None:
    if value:
        target[key] = value


# The fields the intake's duplicate check reads (workflows.intake.forms.DuplicateCheckForm).
CHECKED_FIELDS = (
    "family_name",
    "given_names",
    "family_name_original",
    "given_names_original",
    "birth_name",
    "former_names",
    "sex",
    "birth_date",
)


def check_data(fields: dict, document: dict) -> QueryDict:
    """Pre-filled values as the live duplicate check gets them from the intake page."""
    data = QueryDict(mutable=True)
    for name in CHECKED_FIELDS:
        if fields.get(name):
            data[name] = str(fields[name])
    data.setlist("nationalities", [str(code) for code in fields.get("nationalities") or []])
    if document.get("number"):
        data["doc-number"] = str(document["number"])
    return data
