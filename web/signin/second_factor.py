"""The second factor: who needs one, the sign-in that waits for it, TOTP setup with a QR
code, backup codes (django-otp devices: `TOTPDevice`, our `BackupCodeDevice`).

A password alone never logs anyone in who needs a second factor: the password step only
remembers the user as *pending* in the (anonymous, renewed) session for a few minutes;
`pending_complete` calls Django's `login()` once the second factor is shown. Who needs
one: everyone when `SECOND_FACTOR_REQUIRED` is on (production), and whoever has set one
up in any case.
"""

from __future__ import annotations

import secrets
import time

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import audit_record
from web.signin.models import BackupCode, BackupCodeDevice

PENDING = "signin_pending"
HAD_DEVICE = "signin_second_factor"  # the session was opened with a second factor
SETUP_DEVICE = "signin_setup_device"
BACKUP_CODE_COUNT = 10
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32


def second_factor_enforced() -> bool:
    return settings.SECOND_FACTOR_REQUIRED


def second_factor_required(user) -> bool:
    return second_factor_enforced() or user_has_device(user)


# --- The sign-in that waits for the second factor -----------------------------------------------


def pending_start(request: HttpRequest, user, *, backend: str, next_url: str) -> None:
    # A new session key: a key planted before the password step is worth nothing after it.
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": backend,
        "next": next_url,
        "at": time.time(),
    }


def pending_user(request: HttpRequest):
    """The user who gave the right password in this session a few minutes ago, or None."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > settings.SECOND_FACTOR_PENDING_SECONDS:
        pending_clear(request)
        return None
    return get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()


def pending_next(request: HttpRequest) -> str:
    return (request.session.get(PENDING) or {}).get("next") or resolve_url(
        settings.LOGIN_REDIRECT_URL
    )


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


def pending_complete(request: HttpRequest, user, device) -> str:
    """Log the pending user in, verified by `device`; where to go next."""
    pending = request.session.get(PENDING) or {}
    next_url = pending_next(request)
    pending_clear(request)
    user.otp_device = device  # django-otp keeps it in the session on login
    auth_login(request, user, backend=pending["backend"])
    request.session[HAD_DEVICE] = True
    return next_url


def verify(user, code: str):
    """The device that accepts `code` (six digits: the app; else a backup code), or None."""
    code = code.strip().replace(" ", "")
    kind = TOTPDevice if code.isdigit() and len(code) == 6 else BackupCodeDevice
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if isinstance(device, kind) and device.verify_token(code):
                return device
    return None


# --- Setting up the authenticator app ---------------------------------------------------------


def totp_device_for_setup(request: HttpRequest, user) -> TOTPDevice:
    """The unconfirmed device this session shows as a QR code (the same one on reload)."""
    device_id = request.session.get(SETUP_DEVICE)
    device = (
        TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
        if device_id
        else None
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
        request.session[SETUP_DEVICE] = device.pk
    return device


@transaction.atomic
def totp_confirm(*, user, device: TOTPDevice, request: HttpRequest) -> list[str]:
    """The app showed a right code: it becomes the user's one authenticator (replacing an
    earlier one), with fresh backup codes, returned once in plain text."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    request.session.pop(SETUP_DEVICE, None)
    audit_record(
        actor=user,
        action=AuditEvent.Action.PERMISSION_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk),
        fields=["second_factor"],
    )
    return backup_codes_renew(user=user)


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG data URI (our CSP allows data: images only)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret for typing by hand, base32 in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# --- Backup codes --------------------------------------------------------------------------------


@transaction.atomic
def backup_codes_renew(*, user) -> list[str]:
    """Ten new codes, the old ones void; only hashes are stored."""
    BackupCodeDevice.objects.filter(user=user).delete()
    device = BackupCodeDevice.objects.create(user=user, name="backup")
    codes, rows, lookups = [], [], set()
    while len(codes) < BACKUP_CODE_COUNT:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        if code[:4] in lookups:
            continue
        lookups.add(code[:4])
        codes.append("-".join(code[i : i + 4] for i in range(0, 16, 4)))
        rows.append(BackupCode(device=device, lookup=code[:4], secret_hash=make_password(code[4:])))
    BackupCode.objects.bulk_create(rows)
    audit_record(
        actor=user,
        action=AuditEvent.Action.PERMISSION_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk),
        fields=["backup_codes"],
    )
    return codes


def second_factor_status(user) -> dict:
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    backup = BackupCodeDevice.objects.filter(user=user).first()
    return {
        "totp": totp,
        "backup_remaining": backup.remaining if backup else 0,
        "enforced": second_factor_enforced(),
    }


@transaction.atomic
def second_factor_reset(*, actor, user) -> None:
    """An admin removes a user's authenticator and backup codes (phone lost); the user
    sets up a new one at the next sign-in. Their sessions end."""
    TOTPDevice.objects.filter(user=user).delete()
    BackupCodeDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.PERMISSION_CHANGE,
        object_type="auth.user",
        object_id=str(user.pk),
        fields=["admin", "second_factor_reset"],
    )
