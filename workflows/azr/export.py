"""One record as a dict in the AZR shape (docs/azr-mapping.md), holding only the sections
the reader's agency holds: `client.access.view`, set by `access.guards.get_client_for`
as for the pages. A section outside the grant is absent, never empty; so is an empty
value inside a held section.

Case notes and sensitive notes are never exported: they are no AZR data, and health or
protection notes must not travel in a file made for register alignment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from clients.models import Client, IdentityDocument
from core.sections import IDENTITY
from workflows.azr import codes

# Sections the shape carries, in the order of the file's "abschnitte".
EXPORTED_SECTIONS = (IDENTITY, "contact", "residence", "documents", "household")


def azr_record(
    client: Client,
    *,
    agency_name: str,
    documents: Iterable[IdentityDocument] | None = None,
    members: Iterable[Client] = (),
    now: dt.datetime | None = None,
) -> dict:
    """`client` with `client.access` set. `documents` default to the record's own (read
    only when the documents section is held); `members` are the household members the
    caller may see (and has audited as shown)."""
    held = client.access.view
    sections = [slug for slug in EXPORTED_SECTIONS if slug in held]
    person: dict = {}
    if client.azr_number:
        person["azrNummer"] = client.azr_number
    person["grundpersonalien"] = _grundpersonalien(client)
    if other := codes.names_to_azr(client.former_names):
        person["weiterePersonalien"] = {"andereNamen": other}
    if "documents" in held:
        docs = [_document(d) for d in (client.documents.all() if documents is None else documents)]
        if docs:
            person["ausweisdokumente"] = docs
    if "contact" in held:
        if address := _address(client):
            person["anschriftInland"] = address
        if contact := _contact(client):
            person["kontakt"] = contact
    if "residence" in held:
        person["aufenthalt"] = _residence(client)
    if "household" in held and client.household_id:
        person["haushalt"] = _household(client, members)
    return {
        "version": codes.SHAPE_VERSION,
        "erstelltAm": timezone.localtime(now or timezone.now()).isoformat(timespec="seconds"),
        "uebermittelndeStelle": {
            "name": agency_name,
            "aktenzeichen": client.reference_code_display,
        },
        "abschnitte": sections,
        "person": person,
    }


def _grundpersonalien(client: Client) -> dict:
    out: dict = {"familienname": client.family_name}
    _put(out, "geburtsname", client.birth_name)
    _put(out, "vornamen", client.given_names)
    original = {}
    _put(original, "familienname", client.family_name_original)
    _put(original, "vornamen", client.given_names_original)
    if original:
        out["nameOriginalschrift"] = original
    if birth := codes.partial_date_to_azr(client.birth_date):
        out["geburtsdatum"] = birth
    _put(out, "geburtsort", client.place_of_birth)
    if client.country_of_birth:
        _put(out, "geburtsland", codes.country_to_azr(client.country_of_birth.code))
    out["geschlecht"] = codes.SEX_TO_AZR.get(client.sex, "x")
    nationalities = [codes.country_to_azr(c.code) for c in client.nationalities]
    if nationalities := [code for code in nationalities if code]:
        out["staatsangehoerigkeiten"] = nationalities
    return out


def _document(document: IdentityDocument) -> dict:
    out = {
        "art": document.doc_type,
        "nummer": document.number,
        "ausstellungsstaat": codes.country_to_azr(document.issuing_country.code),
    }
    if document.issued_on:
        out["ausstellungsdatum"] = document.issued_on.isoformat()
    if document.expires_on:
        out["gueltigBis"] = document.expires_on.isoformat()
    return out


def _address(client: Client) -> dict:
    out = codes.street_to_azr(client.street)
    _put(out, "postleitzahl", client.postcode)
    if out:
        out["wohnort"] = "Berlin"  # the portal registers addresses in Berlin only
    _put(out, "bezirk", client.district)
    _put(out, "unterbringung", client.accommodation)
    return out


def _contact(client: Client) -> dict:
    out: dict = {}
    _put(out, "telefon", client.phone.as_e164 if client.phone else "")
    _put(out, "email", client.email)
    if client.languages:
        out["sprachen"] = list(client.languages)
    out["dolmetscherBenoetigt"] = bool(client.interpreter_needed)
    return out


def _residence(client: Client) -> dict:
    out: dict = {}
    if client.arrival_date:
        out["einreisedatum"] = client.arrival_date.isoformat()
    out["aufenthaltsstatus"] = client.residence_status
    _put(out, "rechtsgrundlage", codes.RESIDENCE_LEGAL_BASIS.get(client.residence_status, ""))
    return out


def _household(client: Client, members: Iterable[Client]) -> dict:
    out: dict = {"rolle": client.household_role}
    listed = []
    for member in members:
        if member.pk == client.pk:
            continue
        entry = {"aktenzeichen": member.reference_code_display, "familienname": member.family_name}
        _put(entry, "vornamen", member.given_names)
        if birth := codes.partial_date_to_azr(member.birth_date):
            entry["geburtsdatum"] = birth
        _put(entry, "rolle", member.household_role)
        listed.append(entry)
    if listed:
        out["mitglieder"] = listed
    return out


def _put(target: dict, key: str, value: str) -> None:
    if value:
        target[key] = value
