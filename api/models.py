"""Credentials of agency systems: an ApiClient (one system of one agency, acting in one
role through a technical user) and its ApiKeys.

A key is `rpk_<prefix>_<secret>`: the prefix finds the row, the secret is kept only as
its SHA-256. The secret is 32 random bytes, so a fast hash is enough (nobody can guess
through 2^256 candidates, unlike a password); the comparison is constant-time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Membership


class ApiClient(models.Model):
    """An agency's system (a case management, a benefits system) that calls the API.

    It acts through `user`: a technical account with a membership in `agency` in `role`,
    without a password, so that the policy answers for it exactly as for a person of
    that agency and role, and the audit log names it as the actor."""

    name = models.CharField(_("name"), max_length=100)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="api_clients", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=32, choices=Membership.Role.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
        verbose_name=_("technical user"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="api_client_name_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class ApiKey(models.Model):
    api_client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="keys", verbose_name=_("API client")
    )
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    # SHA-256 (hex) of the secret part; the key itself is shown once and never stored.
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=120)
    # Set on the old key when it was rotated: the key that replaces it.
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        editable=False,
        verbose_name=_("replaced by"),
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_per_minute__gte=1), name="api_key_rate_positive"
            )
        ]

    def __str__(self) -> str:
        return f"rpk_{self.prefix}_…"

    def is_valid_at(self, moment) -> bool:
        return self.revoked_at is None and moment < self.expires_at

    @property
    def is_valid(self) -> bool:
        return self.is_valid_at(timezone.now())


# --- Webhooks (api.webhooks): "your feed has news", signed; the receiver reads the feed ---


class WebhookEndpoint(models.Model):
    """Where an agency's system wants to hear that its change feed has new entries.

    The message carries cursors only, never personal data: the receiver then reads
    GET /api/v1/feed/ with its key, and sees what that system's technical user sees (the
    feed is the API client's). Only hosts in settings.WEBHOOK_ALLOWED_HOSTS are called
    (api.webhooks.url_allowed)."""

    api_client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("API client")
    )
    url = models.URLField(_("URL"), max_length=500)
    # Signs each message (HMAC-SHA256); kept readable because signing needs it, shown to
    # the agency's admin to configure the receiver.
    secret = models.CharField(_("signing secret"), max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    # The feed cursor up to which this endpoint was told of changes.
    cursor = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["api_client", "pk"]

    def __str__(self) -> str:
        return _("Webhook %(id)s") % {"id": self.pk}


class WebhookDelivery(models.Model):
    """One message to an endpoint and its attempts: the delivery log (ids and cursors,
    status codes, no personal data)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("given up")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    cursor_from = models.BigIntegerField(_("changes after cursor"))
    cursor = models.BigIntegerField(_("up to cursor"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True)
    # The kind of failure ("timeout", "connection", "refused: host not allowed"), never a
    # response body.
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return _("Delivery %(id)s") % {"id": self.pk}
