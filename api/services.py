"""Writes of API credentials: clients with their technical users, keys issued, rotated
and revoked. Keyword-only and atomic; each writes an audit event (permission change).

The key's secret is returned to the caller once (to show it once) and never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from agencies.models import Agency, User
from agencies.services import membership_set
from api.models import ApiClient, ApiKey
from audit.models import AuditEvent
from audit.services import audit_record

KEY_SCHEME = "rpk"


def secret_hash(secret: str) -> str:
    """SHA-256 of the secret: enough for 256 random bits (see api.models)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def key_parse(key: str) -> tuple[str, str] | None:
    """`rpk_<prefix>_<secret>` -> (prefix, secret), or None for anything else."""
    scheme, _sep, rest = key.partition("_")
    prefix, _sep, secret = rest.partition("_")
    if scheme != KEY_SCHEME or not prefix or not secret or len(key) > 120:
        return None
    return prefix, secret


def key_matches(key: ApiKey, secret: str) -> bool:
    return hmac.compare_digest(key.secret_hash, secret_hash(secret))


@transaction.atomic
def api_client_create(*, agency: Agency, name: str, role: str, actor) -> ApiClient:
    """A system of `agency` acting in `role`, with its technical user: a member of the
    agency in that role, without a usable password (it cannot sign in to the pages)."""
    username = f"api.{agency.slug}.{slugify(name)[:40]}.{secrets.token_hex(3)}"
    user = User(username=username[:150], first_name=name[:150], is_staff=False)
    user.set_unusable_password()
    user.save()
    membership_set(user=user, agency=agency, role=role)
    api_client = ApiClient(name=name, agency=agency, role=role, user=user)
    api_client.full_clean()
    api_client.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.PERMISSION_CHANGE,
        obj=api_client,
        fields=["added", f"role:{role}"],
    )
    return api_client


def _new_key(*, api_client: ApiClient, expires_at, rate_per_minute: int) -> tuple[ApiKey, str]:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        api_client=api_client,
        prefix=prefix,
        secret_hash=secret_hash(secret),
        expires_at=expires_at,
        rate_per_minute=rate_per_minute,
    )
    return key, f"{KEY_SCHEME}_{prefix}_{secret}"


@transaction.atomic
def api_key_issue(
    *,
    api_client: ApiClient,
    actor,
    expires_at: dt.datetime | None = None,
    rate_per_minute: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key; returns the row and the full key, which is shown once."""
    key, secret = _new_key(
        api_client=api_client,
        expires_at=expires_at or timezone.now() + dt.timedelta(days=settings.API_KEY_VALID_DAYS),
        rate_per_minute=rate_per_minute or settings.API_KEY_RATE_PER_MINUTE,
    )
    audit_record(actor=actor, action=AuditEvent.Action.PERMISSION_CHANGE, obj=key, fields=["added"])
    return key, secret


@transaction.atomic
def api_key_rotate(*, key: ApiKey, actor, grace: dt.timedelta | None = None) -> tuple[ApiKey, str]:
    """A new key for the same client, valid as long as a new one; the old key keeps
    working for `grace` (settings.API_KEY_ROTATION_GRACE_HOURS) so the system can switch
    without downtime, then expires."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    now = timezone.now()
    grace = (
        grace if grace is not None else dt.timedelta(hours=settings.API_KEY_ROTATION_GRACE_HOURS)
    )
    new_key, secret = _new_key(
        api_client=key.api_client,
        expires_at=now + dt.timedelta(days=settings.API_KEY_VALID_DAYS),
        rate_per_minute=key.rate_per_minute,
    )
    key.expires_at = min(key.expires_at, now + grace)
    key.replaced_by = new_key
    key.save(update_fields=["expires_at", "replaced_by"])
    audit_record(
        actor=actor, action=AuditEvent.Action.PERMISSION_CHANGE, obj=new_key, fields=["added"]
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.PERMISSION_CHANGE, obj=key, fields=["rotated"]
    )
    return new_key, secret


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor) -> ApiKey:
    """The key stops working at once (no grace)."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditEvent.Action.REVOKE, obj=key, fields=["revoked"])
    return key


def api_key_touch(*, key: ApiKey) -> None:
    """Note the key's use, at most once a minute (not a write per request)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
