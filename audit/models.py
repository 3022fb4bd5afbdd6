"""Who read or changed which record, when, for which agency — tamper-evident.

Field *values* stay in the change history (django-simple-history); an event names
the object and, at most, field or section names, never personal data. Events are
append-only (a PostgreSQL trigger rejects UPDATE, and DELETE from anyone but the purge
role) and hash-chained: each event's hash covers its content and the previous event's
hash (see audit.chain); the newest is anchored outside the database (audit.anchor).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Membership


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("view")
        SEARCH = "search", _("search")
        EXPORT = "export", _("export")
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        SHARE = "share", _("hand over")
        ACCEPT = "accept", _("accept handover")
        DECLINE = "decline", _("decline")
        REVOKE = "revoke", _("revoke")
        REQUEST = "request", _("request access")
        APPROVE = "approve", _("approve request")
        MERGE = "merge", _("merge")
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOGOUT = "logout", _("logout")
        PERMISSION_CHANGE = "permission_change", _("permission change")
        PURGE = "purge", _("retention purge")
        REANCHOR = "reanchor", _("chain re-anchored")
        ALERT = "alert", _("alert sent")

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("allowed")
        DENIED = "denied", _("denied")

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # For lists and searches: the ids of the records that were shown.
    object_ids = models.JSONField(_("records shown"), default=list, blank=True)
    fields = models.JSONField(_("fields or sections"), default=list, blank=True)
    # A keyed hash of a searched name, so that the same name searched across agencies
    # can be flagged without storing what was typed; for a failed login on a name that
    # is no account, a keyed hash of that name (audit.services.login_fingerprint).
    query_hash = models.CharField(_("search fingerprint"), max_length=16, blank=True)
    history_id = models.BigIntegerField(_("change history entry"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.ALLOWED
    )
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    # Not unique in the database: a unique index on a table partitioned by month would
    # have to include the month (audit.0005). The chain itself is the check: each event
    # names its predecessor's hash, and the chain is appended under one lock.
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # Pages walk the log newest first by id (ids follow the chain, hence time).
            models.Index(fields=["agency", "-id"], name="audit_agency_id_idx"),
            models.Index(fields=["actor", "-id"], name="audit_actor_id_idx"),
            # The chain continues from the newest purge (audit.chain._purge_anchor): a few
            # rows, found without walking every month backwards.
            models.Index(
                fields=["-id"], condition=models.Q(action="purge"), name="audit_purge_id_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"

    @property
    def role_label(self) -> str:
        return Membership.Role(self.role).label if self.role in Membership.Role.values else ""

    # get_action_display() rebuilds a hashable copy of every choice, translating each
    # label, on every call: 0.1 ms a row, a seventh of an audit page's template time.
    @property
    def action_label(self) -> str:
        return _label(self.Action, self.action)

    @property
    def outcome_label(self) -> str:
        return _label(self.Outcome, self.outcome)


def _label(choices: type[models.TextChoices], value: str) -> str:
    return str(choices(value).label) if value in choices.values else value
