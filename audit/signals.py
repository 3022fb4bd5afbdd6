"""Logins, failed logins and logouts: Django announces them only as signals.

An exception to "no signals for business logic": authentication happens inside
Django's own views, and these receivers only record that it happened.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.services import audit_login_failed, audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs) -> None:
    audit_record(
        actor=user, action=AuditEvent.Action.LOGIN, object_type="auth.user", object_id=str(user.pk)
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(
            actor=user,
            action=AuditEvent.Action.LOGOUT,
            object_type="auth.user",
            object_id=str(user.pk),
        )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The account by its id, or what was typed only as a keyed fingerprint: a mistyped
    # password can land in the name field.
    name = credentials.get(get_user_model().USERNAME_FIELD)
    audit_login_failed(username=name if isinstance(name, str) else "")
