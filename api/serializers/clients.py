"""The client record and its documents as the API shows them: only the sections the
caller's agency holds (`client.access.view`, set by access.guards.get_client_for)."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.common import SectionFilteredSerializer
from clients.choices import (
    Accommodation,
    District,
    DocumentType,
    HouseholdRole,
    ResidenceStatus,
    Sex,
)
from core.sections import SECTIONS, section_list, section_of_field


def _choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, **kwargs)


class ClientSerializer(SectionFilteredSerializer):
    id = serializers.IntegerField(read_only=True)
    reference_code = serializers.CharField(read_only=True)
    version = serializers.CharField(read_only=True, help_text="The ETag of this record.")
    sections = serializers.SerializerMethodField(
        help_text="The sections your agency holds; fields of other sections are absent."
    )
    registered_by = serializers.CharField(source="registered_by.slug", read_only=True)
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    # identity
    family_name = serializers.CharField()
    given_names = serializers.CharField(allow_blank=True)
    birth_name = serializers.CharField(allow_blank=True)
    former_names = serializers.CharField(allow_blank=True)
    family_name_original = serializers.CharField(allow_blank=True)
    given_names_original = serializers.CharField(allow_blank=True)
    sex = _choice(Sex.choices)
    birth_date = serializers.CharField(
        allow_blank=True,
        help_text="DD.MM.YYYY with 00 for an unknown day or month (00.00.1985); empty if unknown.",
    )
    place_of_birth = serializers.CharField(allow_blank=True)
    country_of_birth = serializers.CharField(allow_blank=True, help_text="ISO 3166-1 alpha-2")
    nationalities = serializers.ListField(child=serializers.CharField(), help_text="ISO codes")
    azr_number = serializers.CharField(allow_blank=True)
    # contact
    languages = serializers.ListField(child=serializers.CharField())
    interpreter_needed = serializers.BooleanField()
    phone = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    street = serializers.CharField(allow_blank=True)
    postcode = serializers.CharField(allow_blank=True)
    district = _choice(District.choices, allow_blank=True)
    accommodation = _choice(Accommodation.choices, allow_blank=True)
    # residence
    arrival_date = serializers.DateField(allow_null=True)
    residence_status = _choice(ResidenceStatus.choices)
    # household
    household = serializers.IntegerField(source="household_id", allow_null=True)
    household_role = _choice(HouseholdRole.choices, allow_blank=True)
    # sensitive
    special_protection_needs = serializers.BooleanField()
    sensitive_notes = serializers.CharField(allow_blank=True)

    def get_fields(self):
        # A field of a section is there only when the caller's agency holds the section:
        # the schema must not call it required (declared fields are copied anew, so here).
        fields = super().get_fields()
        for name, field in fields.items():
            if section_of_field(name) is not None:
                field.required = False
        return fields

    def sections_of(self, instance) -> frozenset[str]:
        return instance.access.view

    def get_sections(self, instance) -> list[str]:
        return section_list(instance.access.view)


class ClientChangeSerializer(serializers.Serializer):
    """PATCH body: any fields of sections your agency may change (validated as the
    record page's form validates them)."""

    family_name = serializers.CharField(required=False)
    given_names = serializers.CharField(required=False, allow_blank=True)
    birth_name = serializers.CharField(required=False, allow_blank=True)
    former_names = serializers.CharField(required=False, allow_blank=True)
    family_name_original = serializers.CharField(required=False, allow_blank=True)
    given_names_original = serializers.CharField(required=False, allow_blank=True)
    sex = _choice(Sex.choices, required=False)
    birth_date = serializers.CharField(required=False, allow_blank=True)
    place_of_birth = serializers.CharField(required=False, allow_blank=True)
    country_of_birth = serializers.CharField(required=False, allow_blank=True)
    nationalities = serializers.ListField(child=serializers.CharField(), required=False)
    azr_number = serializers.CharField(required=False, allow_blank=True)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    interpreter_needed = serializers.BooleanField(required=False)
    phone = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    street = serializers.CharField(required=False, allow_blank=True)
    postcode = serializers.CharField(required=False, allow_blank=True)
    district = _choice(District.choices, required=False, allow_blank=True)
    accommodation = _choice(Accommodation.choices, required=False, allow_blank=True)
    arrival_date = serializers.DateField(required=False, allow_null=True)
    residence_status = _choice(ResidenceStatus.choices, required=False)
    special_protection_needs = serializers.BooleanField(required=False)
    sensitive_notes = serializers.CharField(required=False, allow_blank=True)


# Every field a client's sections edit: what ClientChangeSerializer documents.
EDITABLE_FIELDS = frozenset(name for section in SECTIONS.values() for name in section.fields)


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.CharField(read_only=True, help_text="The ETag of this document.")
    doc_type = _choice(DocumentType.choices)
    number = serializers.CharField(max_length=30)
    issuing_country = serializers.CharField(help_text="ISO 3166-1 alpha-2")
    issued_on = serializers.DateField(allow_null=True, required=False)
    expires_on = serializers.DateField(allow_null=True, required=False)
    is_expired = serializers.BooleanField(read_only=True)


class DocumentChangeSerializer(serializers.Serializer):
    doc_type = _choice(DocumentType.choices, required=False)
    number = serializers.CharField(max_length=30, required=False)
    issuing_country = serializers.CharField(required=False)
    issued_on = serializers.DateField(allow_null=True, required=False)
    expires_on = serializers.DateField(allow_null=True, required=False)


class ClientSummarySerializer(serializers.Serializer):
    """A record in a list (search results, household members): identity only, as the
    pages list it. Identity is part of every grant, so a listed record's summary is
    always within what the agency holds."""

    id = serializers.IntegerField()
    reference_code = serializers.CharField()
    family_name = serializers.CharField()
    given_names = serializers.CharField(allow_blank=True)
    birth_date = serializers.CharField(allow_blank=True)
    registered_by = serializers.CharField(source="registered_by.slug")


class HouseholdMemberSerializer(ClientSummarySerializer):
    household_role = serializers.CharField(allow_blank=True)


class ExistenceHintSerializer(serializers.Serializer):
    """A record your agency may not see: that it exists, where, and a token to ask for
    access (valid one day); never its data."""

    agency = serializers.CharField()
    family_initial = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    token = serializers.CharField()


class HouseholdSerializer(serializers.Serializer):
    household = serializers.IntegerField(allow_null=True)
    members = HouseholdMemberSerializer(many=True)
    members_not_shared = ExistenceHintSerializer(many=True)


class SearchRequestSerializer(serializers.Serializer):
    """Identifiers only (a name search stays on the pages); at least one. Sent in the
    body, so that no identifier lands in URLs or access logs."""

    document_number = serializers.CharField(required=False, allow_blank=True, max_length=30)
    azr_number = serializers.CharField(required=False, allow_blank=True, max_length=14)
    reference_code = serializers.CharField(required=False, allow_blank=True, max_length=20)


class SearchResponseSerializer(serializers.Serializer):
    results = ClientSummarySerializer(many=True)
    more = serializers.BooleanField(help_text="More records matched than were listed.")
    hints = ExistenceHintSerializer(many=True)


class DuplicateCheckRequestSerializer(serializers.Serializer):
    """What an intake form holds so far (as the page's check reads it, leniently)."""

    family_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    given_names = serializers.CharField(required=False, allow_blank=True, max_length=150)
    family_name_original = serializers.CharField(required=False, allow_blank=True, max_length=150)
    given_names_original = serializers.CharField(required=False, allow_blank=True, max_length=150)
    birth_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    former_names = serializers.CharField(required=False, allow_blank=True, max_length=300)
    sex = serializers.CharField(required=False, allow_blank=True, max_length=1)
    birth_date = serializers.CharField(required=False, allow_blank=True, max_length=10)
    nationalities = serializers.ListField(
        child=serializers.CharField(), required=False, max_length=5
    )
    document_number = serializers.CharField(required=False, allow_blank=True, max_length=30)


class VisibleMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference_code = serializers.CharField()
    family_name = serializers.CharField()
    given_names = serializers.CharField(allow_blank=True)
    birth_date = serializers.CharField(allow_blank=True)
    registered_by = serializers.CharField(help_text="The registering agency's short name.")
    score = serializers.IntegerField(help_text="0-100")
    probable = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class HiddenMatchSerializer(ExistenceHintSerializer):
    probable = serializers.BooleanField()


class DuplicateCheckResponseSerializer(serializers.Serializer):
    checked = serializers.BooleanField(
        help_text="False when the fields were too few to check (a family name and one more "
        "fact, or a document number)."
    )
    probable = serializers.BooleanField(
        help_text="A probable match exists: registering needs a duplicate_reason."
    )
    visible = VisibleMatchSerializer(many=True)
    hidden = HiddenMatchSerializer(many=True)


class RegisterRequestSerializer(ClientChangeSerializer):
    """POST /clients/: the intake form's fields, an optional first document, and, past a
    probable duplicate, why this is a different person."""

    family_name = serializers.CharField()
    document = DocumentChangeSerializer(required=False)
    duplicate_reason = serializers.CharField(required=False, max_length=500)
