"""Files from outside are read defensively: entity expansion (billion laughs), external
entities, oversized files, wrong roots, deep nesting, duplicate keys and schema
violations are refused with a clear error, before anything reaches the form."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from workflows.azr.codes import SHAPE_NAMESPACE
from workflows.azr.parse import MAX_BYTES, AzrFileError, parse_bytes, read_upload

MINIMAL = {
    "version": "1.0",
    "abschnitte": ["identity"],
    "person": {"grundpersonalien": {"familienname": "Hres"}},
}


def _code(data: bytes) -> str:
    with pytest.raises(AzrFileError) as refused:
        parse_bytes(data)
    return refused.value.code


def test_a_minimal_file_is_read():
    assert parse_bytes(json.dumps(MINIMAL).encode()).fields == {"family_name": "Hres"}


def test_billion_laughs_is_refused():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + b"".join(
            f' <!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">\n'.encode()
            for i in range(1, 10)
        )
        + b']>\n<azrPersonendatensatz xmlns="'
        + SHAPE_NAMESPACE.encode()
        + b'"><version>&lol9;</version></azrPersonendatensatz>'
    )
    assert _code(bomb) == "entities"


def test_an_external_entity_is_refused():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<azrPersonendatensatz xmlns="'
        + SHAPE_NAMESPACE.encode()
        + b'">&x;</azrPersonendatensatz>'
    )
    assert _code(xxe) == "entities"


def test_entities_in_utf16_are_refused_by_the_parser_too():
    xxe = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<azrPersonendatensatz xmlns="{SHAPE_NAMESPACE}">&x;</azrPersonendatensatz>'
    ).encode("utf-16")
    assert _code(xxe) == "entities"


def test_an_oversized_upload_is_refused_before_it_is_read():
    upload = SimpleUploadedFile("big.json", b" " * (MAX_BYTES + 1))
    with pytest.raises(AzrFileError) as refused:
        read_upload(upload)
    assert refused.value.code == "size"
    assert _code(b"{" + b" " * MAX_BYTES + b"}") == "size"


def test_a_wrong_root_is_refused():
    assert _code(b'<?xml version="1.0"?><html><body>hi</body></html>') == "root"
    other = b'<azrPersonendatensatz xmlns="urn:other"><version>1.0</version></azrPersonendatensatz>'
    assert _code(other) == "root"


def test_broken_xml_and_json_are_refused():
    assert _code(b"<azrPersonendatensatz") == "xml"
    assert _code(b'{"version": "1.0",') == "json"
    assert _code(b"\x00\x01binary") == "format"
    assert _code(b'{"version": "1.0", "version": "1.0"}') == "json"  # duplicate key


def test_deep_nesting_is_refused_without_a_crash():
    assert _code(b"{" + b'"a":{' * 20_000 + b"}" * 20_001) in {"json", "schema"}


def test_schema_violations_are_refused_naming_the_place_only():
    bad = {**MINIMAL, "person": {"grundpersonalien": {"familienname": "Hres", "geschlecht": "q"}}}
    with pytest.raises(AzrFileError) as refused, translation.override("en"):
        parse_bytes(json.dumps(bad).encode())
    assert refused.value.code == "schema"
    assert "person/grundpersonalien/geschlecht" in refused.value.messages[0]
    extra = {**MINIMAL, "password": "x"}
    assert _code(json.dumps(extra).encode()) == "schema"


def test_an_xml_schema_violation_is_refused():
    xml = (
        f'<azrPersonendatensatz xmlns="{SHAPE_NAMESPACE}"><version>1.0</version>'
        "<abschnitte/><person><grundpersonalien><familienname>Hres</familienname>"
        "<geschlecht>q</geschlecht></grundpersonalien></person></azrPersonendatensatz>"
    ).encode()
    assert _code(xml) == "schema"


def test_an_unknown_country_is_left_out_and_named():
    record = json.loads(json.dumps(MINIMAL))
    record["person"]["grundpersonalien"]["staatsangehoerigkeiten"] = ["UKR", "QQQ"]

    prefill = parse_bytes(json.dumps(record).encode())

    assert prefill.fields["nationalities"] == ["UA"]
    assert len(prefill.notes) == 1


def test_deeply_nested_or_very_wide_xml_is_refused_without_a_crash():
    deep = b"<x>" * 30_000 + b"</x>" * 30_000
    head = f'<azrPersonendatensatz xmlns="{SHAPE_NAMESPACE}"><version>1.0</version>'.encode()
    assert _code(head + deep + b"</azrPersonendatensatz>") in {"xml", "schema"}
    wide = (
        head
        + b"<abschnitte>"
        + b"<abschnitt>identity</abschnitt>" * 6_000
        + b"</abschnitte><person><grundpersonalien><familienname>a</familienname>"
        + b"</grundpersonalien></person></azrPersonendatensatz>"
    )
    assert _code(wide) == "schema"
