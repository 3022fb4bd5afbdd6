"""Sign-in state: sessions with their owner and activity, and hashed backup codes."""

from __future__ import annotations

import hashlib
from importlib import import_module

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin


class UserSession(AbstractBaseSession):
    """A session row as Django keeps it, plus whose it is and from where (the user's own
    list of sessions; an admin ends them). Filled by `web.signin.sessions.SessionStore`
    from the session's data; the expiry date already holds the idle timeout."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_activity = models.DateTimeField(_("last activity"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "expire_date"], name="signin_session_user_idx")]

    @classmethod
    def get_session_store_class(cls):
        return import_module(settings.SESSION_ENGINE).SessionStore

    @property
    def public_id(self) -> str:
        """Names the session in pages and forms; the key itself is the cookie's secret."""
        return hashlib.sha256(f"session:{self.session_key}".encode()).hexdigest()[:20]


class BackupCodeDevice(ThrottlingMixin, Device):
    """One-time codes for a day without the authenticator app (django-otp device).

    A code is a non-secret lookup part and a secret part; only the secret's password hash
    is stored (ASVS: lookup secrets under 112 bits are hashed with a salt)."""

    class Meta:
        verbose_name = _("backup codes")
        verbose_name_plural = _("backup codes")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        code = normalise_code(str(token))
        lookup, secret = code[:4], code[4:]
        row = self.codes.filter(lookup=lookup, used_at__isnull=True).first() if secret else None
        if row is not None and check_password(secret, row.secret_hash):
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False

    @property
    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    lookup = models.CharField(max_length=4)
    secret_hash = models.CharField(max_length=256)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "lookup"], name="signin_backup_code_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.lookup}…"


def normalise_code(text: str) -> str:
    """A backup code as typed: case, spaces and dashes do not matter; Crockford's base32
    reads O as 0 and I, L as 1."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
