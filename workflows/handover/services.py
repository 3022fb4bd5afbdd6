"""Handovers, grants and access requests: the writes that change who may see a record.

A handover never copies data: it grants the receiving agency access to sections of
the one shared record, with the legal basis recorded.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import policy
from access.models import AccessRequest, Grant
from access.rows import access_rebuild
from agencies.models import Agency, LegalBasis, User
from agencies.selectors import membership_for
from audit.services import audit_record
from core.sections import IDENTITY, section_list


@transaction.atomic
def handover_create(
    *,
    actor: User,
    clients: Iterable,
    agency: Agency,
    sections: Iterable[str],
    legal_basis: LegalBasis,
    legal_basis_note: str = "",
    purpose: str,
    expires_on: dt.date | None = None,
) -> list[Grant]:
    """Offer sections of one or more records (a household) to another agency.

    Each record gets its own grant, limited to what the handing-over agency itself
    may see of it; the receiving agency accepts them together from its inbox.
    """
    membership = membership_for(actor)
    if membership is None:
        raise PermissionDenied
    if agency == membership.agency:
        raise ValidationError({"agency": _("Choose another agency than your own.")})
    handover_id = uuid.uuid4()
    grants = []
    for client in clients:
        if not policy.may_hand_over(actor, client):
            raise PermissionDenied
        held = policy.access_for(actor, client).view
        grant = Grant(
            client=client,
            agency=agency,
            granted_by=membership.agency,
            sections=section_list({IDENTITY, *sections} & held),
            legal_basis=legal_basis,
            legal_basis_note=legal_basis_note,
            purpose=purpose,
            expires_on=expires_on,
            status=Grant.Status.PENDING,
            origin=Grant.Origin.HANDOVER,
            handover_id=handover_id,
            created_by=actor,
        )
        _validate_grant(grant)
        grant.save()
        audit_record(
            actor=actor,
            action="share",
            obj=client,
            fields=[f"to:{agency.slug}", *grant.sections],
        )
        grants.append(grant)
    return grants


@transaction.atomic
def handover_decide(
    *, actor: User, handover_id: uuid.UUID, accept: bool, note: str = ""
) -> list[Grant]:
    """The receiving agency accepts (records appear in its lists) or declines a handover;
    a decline's reason (`note`) is shown to the agency that offered it."""
    grants = list(
        Grant.objects.select_for_update()
        .select_related("client")
        .filter(handover_id=handover_id, status=Grant.Status.PENDING)
        .order_by("pk")  # the person the handover was made from comes first
    )
    # Another agency's handover does not exist for this user.
    if not grants or not all(policy.may_accept_handover(actor, grant) for grant in grants):
        raise Grant.DoesNotExist
    now = timezone.now()
    for grant in grants:
        grant.status = Grant.Status.ACTIVE if accept else Grant.Status.DECLINED
        grant.decided_by, grant.decided_at = actor, now
        grant.decision_note = "" if accept else note
        grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        access_rebuild(client=grant.client, agency=grant.agency)
        audit_record(
            actor=actor,
            action="accept" if accept else "decline",
            obj=grant,
            fields=_with_note(grant.sections, grant.decision_note),
        )
    return grants


@transaction.atomic
def grant_revoke(*, actor: User, grant: Grant) -> Grant:
    """End a grant now; the receiving agency loses the sections at once."""
    grant = Grant.objects.select_for_update().select_related("client", "agency").get(pk=grant.pk)
    if not policy.may_revoke(actor, grant):
        raise PermissionDenied
    if grant.status not in (Grant.Status.ACTIVE, Grant.Status.PENDING):
        raise ValidationError(_("This grant has already ended."))
    grant.status = Grant.Status.REVOKED
    grant.revoked_by, grant.revoked_at = actor, timezone.now()
    grant.save(update_fields=["status", "revoked_by", "revoked_at"])
    access_rebuild(client=grant.client, agency=grant.agency)
    audit_record(actor=actor, action="revoke", obj=grant, fields=grant.sections)
    return grant


@transaction.atomic
def access_request_create(
    *,
    actor: User,
    client,
    sections: Iterable[str],
    legal_basis: LegalBasis,
    legal_basis_note: str = "",
    purpose: str,
) -> AccessRequest:
    """Ask the agency that registered a person for sections of the record."""
    membership = membership_for(actor)
    if membership is None or not policy.may_request_access(actor):
        raise PermissionDenied
    if client.registered_by_id == membership.agency_id:
        raise ValidationError(_("Your agency already holds this record."))
    if AccessRequest.objects.filter(
        client=client, requesting_agency=membership.agency, status=AccessRequest.Status.PENDING
    ).exists():
        raise ValidationError(_("Your agency has already asked for this record."))
    request = AccessRequest(
        client=client,
        requesting_agency=membership.agency,
        holding_agency_id=client.registered_by_id,
        sections=section_list({IDENTITY, *sections}),
        legal_basis=legal_basis,
        legal_basis_note=legal_basis_note,
        purpose=purpose,
        requested_by=actor,
    )
    request.full_clean()
    request.save()
    audit_record(actor=actor, action="request", obj=client, fields=request.sections)
    return request


@transaction.atomic
def access_request_decide(
    *,
    actor: User,
    request: AccessRequest,
    approve: bool,
    sections: Iterable[str] | None = None,
    expires_on: dt.date | None = None,
    note: str = "",
) -> AccessRequest:
    """The holding agency's supervisor approves (possibly narrowed) or declines."""
    request = AccessRequest.objects.select_for_update().select_related("client").get(pk=request.pk)
    if not policy.may_decide_request(actor, request):
        raise PermissionDenied
    if request.status != AccessRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    request.status = AccessRequest.Status.APPROVED if approve else AccessRequest.Status.DECLINED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = note
    if approve:
        granted = set(request.sections if sections is None else sections) & set(request.sections)
        grant = Grant(
            client=request.client,
            agency=request.requesting_agency,
            granted_by=request.holding_agency,
            sections=section_list({IDENTITY, *granted}),
            legal_basis=request.legal_basis,
            legal_basis_note=request.legal_basis_note,
            purpose=request.purpose,
            expires_on=expires_on,
            status=Grant.Status.ACTIVE,
            origin=Grant.Origin.REQUEST,
            handover_id=uuid.uuid4(),
            created_by=actor,
            decided_by=actor,
            decided_at=request.decided_at,
        )
        _validate_grant(grant)
        grant.save()
        request.grant = grant
        access_rebuild(client=request.client, agency=request.requesting_agency)
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "grant"])
    audit_record(
        actor=actor,
        action="approve" if approve else "decline",
        obj=request,
        fields=_with_note(request.sections, note),
    )
    return request


def _with_note(sections: list[str], note: str) -> list[str]:
    """What the audit names of a decision: the sections, and that a reason was given
    (the field's name, never its text)."""
    return [*sections, "decision_note"] if note else list(sections)


def _validate_grant(grant: Grant) -> None:
    if grant.expires_on is not None and grant.expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _("The end date must not lie in the past.")})
    if not grant.legal_basis.is_active:
        raise ValidationError({"legal_basis": _("This legal basis is no longer in use.")})
    grant.full_clean()
