"""Serializer pieces every endpoint shares: problem details for the schema, and the
rule that a field of a section the caller's agency does not hold is ABSENT (not null)."""

from __future__ import annotations

from rest_framework import serializers

from core.sections import section_of_field


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (application/problem+json)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(allow_blank=True)
    instance = serializers.CharField(allow_blank=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors: field name -> messages.",
    )


class SectionFilteredSerializer(serializers.Serializer):
    """Drops every field that belongs to a section (core.sections.section_of_field, or
    `section_of` for fields named otherwise here) not in `sections_of(instance)`.

    Fields that belong to no section (ids, versions) are always there."""

    section_of: dict[str, str] = {}

    def sections_of(self, instance) -> frozenset[str]:
        raise NotImplementedError

    def to_representation(self, instance):
        held = self.sections_of(instance)
        data = {}
        for name, field in self.fields.items():
            if field.write_only:
                continue
            section = self.section_of.get(name) or section_of_field(name)
            if section is not None and section not in held:
                continue
            attribute = field.get_attribute(instance)
            data[name] = None if attribute is None else field.to_representation(attribute)
        return data
