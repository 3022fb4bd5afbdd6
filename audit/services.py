"""Writing audit events. Called by agencies.access and by services, never by templates."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from agencies.access import membership_for
from audit.context import NO_REQUEST, current_request_meta
from audit.models import AuditEvent


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    objects: Iterable[models.Model] = (),
    object_ids: Iterable[int] = (),
    object_type: str = "",
    fields: Iterable[str] = (),
    outcome: str = AuditEvent.Outcome.ALLOWED,
) -> AuditEvent:
    """Write one event in the caller's transaction: if it fails, the response fails too.

    `fields` are field or section *names*; values never go into the audit log.
    """
    user = actor if actor is not None and actor.is_authenticated else None
    membership = membership_for(user) if user else None
    objects = list(objects)
    if obj is not None:
        object_type = obj._meta.label_lower
    elif objects and not object_type:
        object_type = objects[0]._meta.label_lower
    meta = current_request_meta.get(NO_REQUEST)
    return AuditEvent.objects.create(
        actor=user,
        agency=membership.agency if membership else None,
        role=membership.role if membership else "",
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None else "",
        object_ids=[o.pk for o in objects] + list(object_ids),
        fields=list(fields),
        outcome=outcome,
        request_id=meta.request_id,
        client_ip=meta.client_ip,
    )
