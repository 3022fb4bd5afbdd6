"""Grants, handovers, the inbox and access requests for agency systems: the same
services (`workflows.handover.services`), policy predicates (`access.policy.may_*`) and
audit as the inbox and record pages. Records are named by id only; their data is read
through GET /clients/<id>/."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from access import policy
from access import selectors as access_selectors
from access.guards import clients_shown, get_client_for, record_denied
from access.hints import client_from_hint
from access.models import AccessRequest, Grant
from api.permissions import may
from api.schema import problems
from api.serializers.handover import (
    AccessRequestCreateSerializer,
    AccessRequestDecisionSerializer,
    AccessRequestSerializer,
    DeclineSerializer,
    GrantSerializer,
    HandoverCreatedSerializer,
    HandoverCreateSerializer,
)
from api.views.base import ApiGenericView, ApiView
from core.sections import IDENTITY
from workflows.handover import selectors, services

_GRANT_RELATED = ("client", "agency", "granted_by", "legal_basis")


class ClientGrantsView(ApiGenericView):
    """The grants of a record: the registering agency sees all of them, another agency
    those it gave or received (the journey's rule: which offices a person visits is
    itself personal data)."""

    serializer_class = GrantSerializer

    @extend_schema(
        operation_id="client_grants_list",
        summary="Grants of a record (who was given which sections, on which legal basis)",
        responses={200: GrantSerializer(many=True), **problems(401, 403, 404, 429)},
    )
    def get(self, request, pk: int) -> Response:
        client = get_client_for(self.django_request, pk, section=IDENTITY)
        grants = Grant.objects.filter(client=client).select_related(*_GRANT_RELATED)
        agency_id = self.django_request.membership.agency_id
        if agency_id != client.registered_by_id:
            grants = grants.filter(Q(agency_id=agency_id) | Q(granted_by_id=agency_id))
        page = self.paginate_queryset(grants)
        return self.get_paginated_response(GrantSerializer(page, many=True).data)


class HandoverCreateView(ApiView):
    """Hand a record (and optionally its household) over to another agency: one action,
    `workflows.handover.services.handover_create` with the legal basis named."""

    @extend_schema(
        operation_id="handover_create",
        summary="Hand sections of a record over to another agency",
        request=HandoverCreateSerializer,
        responses={201: HandoverCreatedSerializer, **problems(400, 401, 403, 404, 429)},
    )
    def post(self, request, pk: int) -> Response:
        client = get_client_for(self.django_request, pk)
        if not policy.may_hand_over(request.user, client):
            raise PermissionDenied
        body = HandoverCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        members = []
        if data["include_household"] and client.access.can_view("household"):
            members = list(access_selectors.household_members(request.user, client))
            clients_shown(self.django_request, members, fields=["household"])
        grants = services.handover_create(
            actor=request.user,
            clients=[client, *members],
            agency=data["agency"],
            sections=data["sections"],
            legal_basis=data["legal_basis"],
            legal_basis_note=data["legal_basis_note"],
            purpose=data["purpose"],
            expires_on=data["expires_on"],
        )
        result = {"handover": grants[0].handover_id, "grants": grants}
        return Response(HandoverCreatedSerializer(result).data, status=status.HTTP_201_CREATED)


class GrantRevokeView(ApiView):
    @extend_schema(
        operation_id="grant_revoke",
        summary="End a grant now (the agency that granted it, or that registered the person)",
        request=None,
        responses={200: GrantSerializer, **problems(400, 401, 403, 404, 429)},
    )
    def post(self, request, grant_pk: int) -> Response:
        grant = Grant.objects.select_related(*_GRANT_RELATED).filter(pk=grant_pk).first()
        if grant is None or not policy.may_revoke(request.user, grant):
            record_denied(self.django_request, "access.grant", grant_pk)
            raise Http404
        grant = services.grant_revoke(actor=request.user, grant=grant)
        return Response(GrantSerializer(grant).data)


class InboxHandoversView(ApiGenericView):
    """Handovers waiting for the caller's agency, one item per record offered (the
    records of one handover share `handover`, accepted or declined together)."""

    serializer_class = GrantSerializer

    @extend_schema(
        operation_id="inbox_handovers_list",
        summary="Handovers waiting for your agency's acceptance",
        responses={200: GrantSerializer(many=True), **problems(401, 403, 429)},
    )
    def get(self, request) -> Response:
        pending = Grant.objects.filter(
            agency_id=self.django_request.membership.agency_id, status=Grant.Status.PENDING
        ).select_related(*_GRANT_RELATED)
        page = self.paginate_queryset(pending)
        clients_shown(self.django_request, [g.client_id for g in page], fields=["inbox"])
        return self.get_paginated_response(GrantSerializer(page, many=True).data)


class HandoverDecideView(ApiView):
    accept = True

    def decide(self, request, handover_id: uuid.UUID) -> Response:
        note = ""
        if not self.accept:
            body = DeclineSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            note = body.validated_data["reason"]
        try:
            grants = services.handover_decide(
                actor=request.user, handover_id=handover_id, accept=self.accept, note=note
            )
        except Grant.DoesNotExist:
            record_denied(self.django_request, "access.grant", f"handover:{handover_id}")
            raise Http404 from None
        return Response(GrantSerializer(grants, many=True).data)


_DECIDED = {200: GrantSerializer(many=True), **problems(400, 401, 403, 404, 429)}


class HandoverAcceptView(HandoverDecideView):
    @extend_schema(
        operation_id="inbox_handover_accept",
        summary="Accept a handover: its records appear in your agency's lists",
        request=None,
        responses=_DECIDED,
    )
    def post(self, request, handover_id: uuid.UUID) -> Response:
        return self.decide(request, handover_id)


class HandoverDeclineView(HandoverDecideView):
    accept = False

    @extend_schema(
        operation_id="inbox_handover_decline",
        summary="Decline a handover (the reason is shown to the agency that offered it)",
        request=DeclineSerializer,
        responses=_DECIDED,
    )
    def post(self, request, handover_id: uuid.UUID) -> Response:
        return self.decide(request, handover_id)


class AccessRequestsView(ApiGenericView):
    """The caller's agency's own requests (GET), and a new one for a record its search
    hinted at (POST, with the hint's token, as the pages ask)."""

    serializer_class = AccessRequestSerializer
    permission_classes = [may(policy.may_request_access)]

    @extend_schema(
        operation_id="access_requests_made_list",
        summary="Your agency's access requests (open, and decided in the last 30 days)",
        responses={200: AccessRequestSerializer(many=True), **problems(401, 403, 429)},
    )
    def get(self, request) -> Response:
        agency = self.django_request.membership.agency
        page = self.paginate_queryset(selectors.requests_made(agency).order_by("pk"))
        context = {"agency_id": agency.pk}
        return self.get_paginated_response(
            AccessRequestSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        operation_id="access_request_create",
        summary="Ask the registering agency for sections of a record an existence hint named",
        request=AccessRequestCreateSerializer,
        responses={201: AccessRequestSerializer, **problems(400, 401, 403, 404, 429)},
    )
    def post(self, request) -> Response:
        self.lookup_limit("hint")
        body = AccessRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        client = client_from_hint(request.user, data["hint_token"])
        if client is None:
            record_denied(self.django_request, "access.accessrequest", "hint")
            raise Http404
        created = services.access_request_create(
            actor=request.user,
            client=client,
            sections=data["sections"],
            legal_basis=data["legal_basis"],
            legal_basis_note=data["legal_basis_note"],
            purpose=data["purpose"],
        )
        context = {"agency_id": self.django_request.membership.agency_id}
        return Response(
            AccessRequestSerializer(created, context=context).data, status=status.HTTP_201_CREATED
        )


class AccessRequestsToDecideView(ApiGenericView):
    """Other agencies' requests for the caller's agency's records (supervisors and agency
    admins decide them)."""

    serializer_class = AccessRequestSerializer
    permission_classes = [may(policy.may_decide_requests)]

    @extend_schema(
        operation_id="inbox_access_requests_list",
        summary="Access requests waiting for your agency's decision",
        responses={200: AccessRequestSerializer(many=True), **problems(401, 403, 429)},
    )
    def get(self, request) -> Response:
        agency = self.django_request.membership.agency
        page = self.paginate_queryset(selectors.requests_to_decide(agency).order_by("pk"))
        clients_shown(self.django_request, [r.client_id for r in page], fields=["inbox"])
        context = {"agency_id": agency.pk}
        return self.get_paginated_response(
            AccessRequestSerializer(page, many=True, context=context).data
        )


class AccessRequestDecideView(ApiView):
    approve = True
    permission_classes = [may(policy.may_decide_requests)]

    def decide(self, request, pk: int) -> Response:
        access_request = (
            AccessRequest.objects.select_related("client", "requesting_agency", "legal_basis")
            .filter(pk=pk, status=AccessRequest.Status.PENDING)
            .first()
        )
        if access_request is None or not policy.may_decide_request(request.user, access_request):
            record_denied(self.django_request, "access.accessrequest", pk)
            raise Http404
        body = AccessRequestDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not self.approve and not data["note"].strip():
            # As on the pages: the asking agency is told why.
            raise ValidationError({"note": ["Give the reason for the decline."]})
        decided = services.access_request_decide(
            actor=request.user,
            request=access_request,
            approve=self.approve,
            sections=data.get("sections") if self.approve else None,
            expires_on=data["expires_on"] if self.approve else None,
            note=data["note"],
        )
        context = {"agency_id": self.django_request.membership.agency_id}
        return Response(AccessRequestSerializer(decided, context=context).data)


_REQUEST_DECIDED = {200: AccessRequestSerializer, **problems(400, 401, 403, 404, 429)}


class AccessRequestApproveView(AccessRequestDecideView):
    @extend_schema(
        operation_id="inbox_access_request_approve",
        summary="Approve an access request (possibly fewer sections, an end date)",
        request=AccessRequestDecisionSerializer,
        responses=_REQUEST_DECIDED,
    )
    def post(self, request, pk: int) -> Response:
        return self.decide(request, pk)


class AccessRequestDeclineView(AccessRequestDecideView):
    approve = False

    @extend_schema(
        operation_id="inbox_access_request_decline",
        summary="Decline an access request (`note`: the reason, required)",
        request=AccessRequestDecisionSerializer,
        responses=_REQUEST_DECIDED,
    )
    def post(self, request, pk: int) -> Response:
        return self.decide(request, pk)
