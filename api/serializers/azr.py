"""The AZR endpoints' bodies: the export is the AZR-shaped record itself (described by
workflows/azr/schemas/), the pre-fill answer is the mapped form fields plus the
probable existing records, as the intake page shows them."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from core.dates import PartialDate
from core.sections import reasons_visible
from workflows.azr.parse import Prefill


class AzrRecordSerializer(serializers.Serializer):
    """For the OpenAPI description only: the body is the record in the AZR shape
    (JSON Schema `workflows/azr/schemas/azr-record.schema.json`, XSD beside it)."""

    version = serializers.CharField()
    erstelltAm = serializers.CharField(required=False)  # noqa: N815 - the shape's name
    uebermittelndeStelle = serializers.DictField(required=False)  # noqa: N815
    abschnitte = serializers.ListField(child=serializers.CharField())
    person = serializers.DictField()


class PrefillUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The AZR-shaped file (JSON or XML), at most 256 KiB.")


class DuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False)
    agency = serializers.CharField()
    probable = serializers.BooleanField()
    score = serializers.FloatField(required=False)
    reasons = serializers.ListField(child=serializers.CharField(), required=False)
    family_initial = serializers.CharField(required=False)
    birth_year = serializers.IntegerField(required=False, allow_null=True)


class PrefillSerializer(serializers.Serializer):
    fields = serializers.DictField(help_text="Initial values for the intake's fields.")
    documents = serializers.ListField(child=serializers.DictField())
    sections = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
    duplicates = DuplicateSerializer(many=True)


def _plain(value):
    if isinstance(value, PartialDate):
        return str(value)  # 00.07.1985: the notation the intake form takes
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def prefill_body(prefill: Prefill, matches, *, sections_of) -> dict:
    """`matches`: the intake check's result (or None); `sections_of(client)`: the sections
    the caller's agency holds of a visible candidate (reasons of other sections are
    left out, as on the page)."""
    duplicates = []
    if matches is not None:
        for candidate in matches.visible:
            client = candidate.client
            duplicates.append(
                {
                    "id": client.pk,
                    "agency": client.registered_by.name,
                    "probable": candidate.probable,
                    "score": round(candidate.match.score, 3),
                    "reasons": reasons_visible(list(candidate.match.reasons), sections_of(client)),
                }
            )
        for hint, candidate in matches.hidden:
            duplicates.append(
                {
                    "agency": str(hint.agency),
                    "probable": candidate.probable,
                    "family_initial": hint.family_initial,
                    "birth_year": hint.birth_year,
                }
            )
    return {
        "fields": {name: _plain(value) for name, value in prefill.fields.items()},
        "documents": [{k: _plain(v) for k, v in d.items()} for d in prefill.documents],
        "sections": prefill.sections,
        "notes": [str(note) for note in prefill.notes],
        "duplicates": duplicates,
    }
