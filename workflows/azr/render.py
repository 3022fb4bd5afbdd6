"""The AZR-shaped dict as JSON or XML, and XML back to the dict, with the schemas both
are validated against (`schemas/`). XML mirrors the JSON element for element: a list is
a wrapper element with one child per item (`LIST_ITEMS`), booleans are xs:boolean."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import xmlschema

from workflows.azr.codes import SHAPE_NAMESPACE

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
ROOT_ELEMENT = "azrPersonendatensatz"
# JSON list key -> the XML element of one item.
LIST_ITEMS = {
    "abschnitte": "abschnitt",
    "andereNamen": "name",
    "ausweisdokumente": "ausweisdokument",
    "staatsangehoerigkeiten": "staatsangehoerigkeit",
    "sprachen": "sprache",
    "mitglieder": "mitglied",
}
BOOLEANS = frozenset({"dolmetscherBenoetigt"})


@cache
def json_schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / "azr-record.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@cache
def xml_schema() -> xmlschema.XMLSchema:
    # Our own local file; nothing is fetched (imports would be refused: allow="sandbox").
    return xmlschema.XMLSchema(str(SCHEMA_DIR / "azr-record.xsd"), allow="sandbox")


def xml_resource(data: bytes) -> xmlschema.XMLResource:
    """A document from outside, parsed safely: entity declarations and external
    references raise `xmlschema.XMLResourceForbidden` (SafeExpatParser), and no file or
    URL is opened (allow="none")."""
    return xmlschema.XMLResource(io.BytesIO(data), defuse="always", allow="none")


def as_json(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")


def as_xml(record: dict) -> bytes:
    root = ET.Element(f"{{{SHAPE_NAMESPACE}}}{ROOT_ELEMENT}")
    _fill(root, record)
    ET.register_namespace("", SHAPE_NAMESPACE)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _fill(parent: ET.Element, value: dict) -> None:
    for key, item in value.items():
        child = ET.SubElement(parent, _qualified(key))
        if isinstance(item, dict):
            _fill(child, item)
        elif isinstance(item, list):
            for entry in item:
                element = ET.SubElement(child, _qualified(LIST_ITEMS[key]))
                if isinstance(entry, dict):
                    _fill(element, entry)
                else:
                    element.text = str(entry)
        elif isinstance(item, bool):
            child.text = "true" if item else "false"
        else:
            child.text = str(item)


def xml_to_record(root: ET.Element) -> dict:
    """A schema-valid document's root -> the dict the JSON carries."""
    return _read(root)


def _read(element: ET.Element) -> dict:
    out: dict = {}
    for child in element:
        key = _local(child.tag)
        if key in LIST_ITEMS:
            out[key] = [
                _read(entry) if len(entry) else (entry.text or "").strip() for entry in child
            ]
        elif len(child):
            out[key] = _read(child)
        elif key in BOOLEANS:
            out[key] = (child.text or "").strip() in ("true", "1")
        else:
            out[key] = (child.text or "").strip()
    return out


def _qualified(name: str) -> str:
    return f"{{{SHAPE_NAMESPACE}}}{name}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
