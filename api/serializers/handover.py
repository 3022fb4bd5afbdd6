"""Grants, handovers, the inbox and access requests as the API shows them: ids, codes and
section names; a record's personal data only through GET /clients/<id>/."""

from __future__ import annotations

from rest_framework import serializers

from access.models import AccessRequest, Grant
from agencies.models import Agency, LegalBasis
from core.sections import SECTIONS


def _sections(**kwargs) -> serializers.MultipleChoiceField:
    return serializers.MultipleChoiceField(choices=list(SECTIONS), **kwargs)


class GrantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    record = serializers.IntegerField(source="client_id")
    agency = serializers.CharField(source="agency.slug", help_text="The receiving agency.")
    granted_by = serializers.CharField(source="granted_by.slug")
    sections = serializers.ListField(child=serializers.CharField())
    legal_basis = serializers.CharField(source="legal_basis.code")
    purpose = serializers.CharField()
    expires_on = serializers.DateField(allow_null=True, help_text="Last valid day; null: no end.")
    status = serializers.ChoiceField(choices=Grant.Status.choices)
    origin = serializers.ChoiceField(choices=Grant.Origin.choices)
    handover = serializers.UUIDField(source="handover_id")
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class HandoverCreateSerializer(serializers.Serializer):
    agency = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Agency.objects.filter(is_active=True),
        help_text="The receiving agency's slug.",
    )
    sections = _sections(
        help_text="Sections to hand over (identity always; limited to what your agency holds)."
    )
    legal_basis = serializers.SlugRelatedField(
        slug_field="code", queryset=LegalBasis.objects.filter(is_active=True)
    )
    legal_basis_note = serializers.CharField(max_length=300, required=False, default="")
    purpose = serializers.CharField(max_length=300)
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    include_household = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Hand over the household members your agency sees too.",
    )


class HandoverCreatedSerializer(serializers.Serializer):
    handover = serializers.UUIDField()
    grants = GrantSerializer(many=True)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="Shown to the agency that offered the handover."
    )


class AccessRequestCreateSerializer(serializers.Serializer):
    hint_token = serializers.CharField(
        max_length=32, help_text="The token of an existence hint your agency was shown."
    )
    sections = _sections()
    legal_basis = serializers.SlugRelatedField(
        slug_field="code", queryset=LegalBasis.objects.filter(is_active=True)
    )
    legal_basis_note = serializers.CharField(max_length=300, required=False, default="")
    purpose = serializers.CharField(max_length=300)


class AccessRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    record = serializers.SerializerMethodField(
        help_text="The record's id: for the agency asked, and for the asking agency once "
        "approved (a hint never names the record)."
    )
    requesting_agency = serializers.CharField(source="requesting_agency.slug")
    holding_agency = serializers.CharField(source="holding_agency.slug")
    sections = serializers.ListField(child=serializers.CharField())
    legal_basis = serializers.CharField(source="legal_basis.code")
    purpose = serializers.CharField()
    status = serializers.ChoiceField(choices=AccessRequest.Status.choices)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    grant = serializers.IntegerField(source="grant_id", allow_null=True)

    def get_record(self, request: AccessRequest) -> int | None:
        agency_id = self.context["agency_id"]
        if agency_id == request.holding_agency_id or request.grant_id is not None:
            return request.client_id
        return None


class AccessRequestDecisionSerializer(serializers.Serializer):
    sections = _sections(
        required=False, help_text="Approve fewer sections than asked for (default: all asked)."
    )
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, default="")
