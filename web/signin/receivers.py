"""Signal receivers of the sign-in: Django and django-axes announce sign-ins and lockouts
only as signals (as audit/signals.py records logins). They record, they decide nothing."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from web.signin.lockout import client_ip, lockout_record
from web.signin.sessions import session_mark_signed_in


@receiver(user_locked_out, dispatch_uid="signin_lockout_record")
def record_lockout(sender, request, username=None, ip_address=None, **kwargs) -> None:
    lockout_record(request, credentials=getattr(request, "axes_credentials", None))


@receiver(user_logged_in, dispatch_uid="signin_session_start")
def mark_session(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        session_mark_signed_in(
            request.session,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
