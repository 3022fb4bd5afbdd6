"""Who read or changed which record, when, for which agency.

Field *values* stay in the change history (django-simple-history); an event names
the object and, at most, field or section names, never personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("view")
        SEARCH = "search", _("search")
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        SHARE = "share", _("hand over")
        ACCEPT = "accept", _("accept handover")
        DECLINE = "decline", _("decline")
        REVOKE = "revoke", _("revoke")
        REQUEST = "request", _("request access")
        APPROVE = "approve", _("approve request")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("allowed")
        DENIED = "denied", _("denied")

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # For lists and searches: the ids of the records that were shown.
    object_ids = models.JSONField(_("records shown"), default=list, blank=True)
    fields = models.JSONField(_("fields or sections"), default=list, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.ALLOWED
    )
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"
