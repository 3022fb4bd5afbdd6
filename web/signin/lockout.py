"""Lockout after failed sign-ins (django-axes), per account and per address.

An account is locked after `LOGIN_FAILURE_LIMIT_ACCOUNT` failures (wrong passwords and
wrong second-factor codes alike), an address after `LOGIN_FAILURE_LIMIT_ADDRESS` (higher:
an office's NAT sends all its staff from one address), within `AXES_COOLOFF_TIME`; the
lock ends after that time or when an admin unlocks (admin action, audited). A locked
sign-in is refused before the password is even checked, on /login/ and /admin/login/.

Axes knows one limit; `PortalAxesHandler` scales the address count to it. Names that
are no account are kept only as a keyed fingerprint (a mistyped password can land in the
name field), as the audit log does.
"""

from __future__ import annotations

import logging

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from agencies.models import Membership
from agencies.notify import supervisors_mail
from audit.context import NO_REQUEST, current_request_meta
from audit.middleware import normalised_ip
from audit.models import AuditEvent
from audit.services import audit_record, login_fingerprint

alerts = logging.getLogger("portal.alerts")
UNKNOWN_PREFIX = "?"  # lockout key of a name that is no account: "?" + fingerprint


class PortalAxesHandler(AxesDatabaseHandler):
    """Locked when the account's failures reach the account limit, or the address's
    failures reach the (higher) address limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        account, address = failure_counts(self, request, credentials)
        limit = settings.LOGIN_FAILURE_LIMIT_ACCOUNT
        return max(account, address * limit // settings.LOGIN_FAILURE_LIMIT_ADDRESS)


def failure_counts(handler, request, credentials) -> tuple[int, int]:
    """Failures within the cool-off time: (of the account, from the address)."""
    by_account, by_address = handler.get_user_attempts(request, credentials)
    return tuple(
        attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        for attempts in (by_account, by_address)
    )


def lockout_username(request: HttpRequest, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the account's name, or a fingerprint of what was typed."""
    field = get_user_model().USERNAME_FIELD
    if credentials:
        typed = credentials.get(field)
    else:
        typed = getattr(request, "POST", {}).get(field)
    typed = typed if isinstance(typed, str) else ""
    if not typed:
        return ""
    cached = getattr(request, "_signin_lockout_name", None)
    if cached and cached[0] == typed:
        return cached[1]
    users = get_user_model()._default_manager
    name = (
        typed
        if users.filter(**{field: typed}).exists()
        else UNKNOWN_PREFIX + login_fingerprint(typed)
    )
    request._signin_lockout_name = (typed, name)
    return name


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address the audit log records (proxy-aware)."""
    meta = current_request_meta.get(NO_REQUEST)
    return meta.client_ip or normalised_ip(request.META.get("REMOTE_ADDR") or "")


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a translated page, 429."""
    context = {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
    return render(request, "registration/locked_out.html", context, status=429)


def account_for(request: HttpRequest, credentials: dict | None):
    name = get_client_username(request, credentials) or ""
    if not name or name.startswith(UNKNOWN_PREFIX):
        return None
    return (
        get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: name}).first()
    )


def lockout_record(request: HttpRequest, *, credentials: dict | None) -> None:
    """Audit, log and mail a lockout, once per account or address and cool-off time."""
    from axes.handlers.proxy import AxesProxyHandler

    account, address = failure_counts(AxesProxyHandler.get_implementation(), request, credentials)
    user = account_for(request, credentials)
    by_account = account >= settings.LOGIN_FAILURE_LIMIT_ACCOUNT
    scope = "account" if by_account else "address"
    ip = request.axes_ip_address
    if not by_account:
        who = ip
    else:
        who = str(user.pk) if user else get_client_username(request, credentials)
    key = f"signin-lockout:{scope}:{who}"
    if not cache.add(key, 1, timeout=int(settings.AXES_COOLOFF_TIME.total_seconds())):
        return
    membership = (
        Membership.objects.select_related("agency").filter(user=user).first() if user else None
    )
    audit_record(
        actor=None,
        action=AuditEvent.Action.PERMISSION_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk) if user and by_account else "",
        fields=["locked_out", scope],
        outcome=AuditEvent.Outcome.DENIED,
        agency=membership.agency if membership and by_account else None,
    )
    if by_account:
        # Ids only: whoever reads the log looks the account up in the admin.
        alerts.warning(
            "sign-in locked: scope=account user=%s agency=%s failures=%s",
            user.pk if user else "-",
            membership.agency_id if membership else "-",
            account,
        )
    else:
        alerts.warning("sign-in locked: scope=address address=%s failures=%s", ip, address)
    if by_account and membership is not None:
        _mail_supervisors(user, membership)


def _mail_supervisors(user, membership: Membership) -> None:
    supervisors_mail(
        agency_id=membership.agency_id,
        subject=gettext_lazy("Registration portal: an account was locked after failed sign-ins"),
        body=gettext_lazy(
            "The account %(username)s of %(agency)s was locked after %(limit)s "
            "failed sign-in attempts. It opens again after %(minutes)s minutes, "
            "or when an administrator unlocks it. If the attempts were not your "
            "colleague's, please tell the portal's administrators."
        ),
        context={
            "username": user.get_username(),
            "agency": membership.agency.name,
            "limit": settings.LOGIN_FAILURE_LIMIT_ACCOUNT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        exclude_user_id=user.pk,
    )


def locked_usernames(usernames) -> set[str]:
    """Which of these accounts are locked now (for the admin's list of staff)."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since)
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=settings.LOGIN_FAILURE_LIMIT_ACCOUNT)
    )
    return {row["username"] for row in rows}


def unlock(*, actor, user) -> int:
    """An admin ends the lockout of `user`'s account (audited). Returns attempts removed."""
    from axes.handlers.proxy import AxesProxyHandler

    removed = AxesProxyHandler.reset_attempts(username=user.get_username())
    cache.delete(f"signin-lockout:account:{user.pk}")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.PERMISSION_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk),
        fields=["admin", "unlocked"],
    )
    return removed
