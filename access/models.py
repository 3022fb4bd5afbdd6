"""Who may see which record: the grants (the legal record) and the permission rows
derived from them (the index every query filters on).

`Grant` says who gave which agency which sections of a record, on which legal basis, for
what purpose, until when. `AccessRequest` is an agency's request for such a grant.
guardian's direct-foreign-key rows (`ClientGroupObjectPermission`) are rebuilt from the
registration and the active grants by `access.rows`, and from nothing else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from agencies.models import Agency, LegalBasis
from clients.models import Client
from core.sections import section_labels


class Grant(models.Model):
    """One agency's access to sections of one client record, with its legal basis.

    Created by a handover (pending until the receiving agency accepts), by an
    approved access request (active at once) or by a merge across agencies (active at
    once, for the agency whose record was merged away). The permission rows guardian
    queries are rebuilt from the active grants by access.rows.access_rebuild.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for acceptance")
        ACTIVE = "active", _("active")
        DECLINED = "declined", _("declined")
        REVOKED = "revoked", _("revoked")

    class Origin(models.TextChoices):
        HANDOVER = "handover", _("handover")
        REQUEST = "request", _("access request")
        # The agency whose record was merged into another agency's record keeps access
        # to the survivor (workflows.duplicates.merge); ends only with the merge's undo.
        MERGE = "merge", _("merge of duplicate records")

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="grants", verbose_name=_("client")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="grants", verbose_name=_("receiving agency")
    )
    granted_by = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="grants_given", verbose_name=_("granted by")
    )
    sections = models.JSONField(_("sections"), default=list)
    legal_basis = models.ForeignKey(
        LegalBasis, on_delete=models.PROTECT, related_name="+", verbose_name=_("legal basis")
    )
    legal_basis_note = models.CharField(_("legal basis, details"), max_length=300, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    # Members of a household handed over together share one handover id.
    handover_id = models.UUIDField(_("handover"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("accepted or declined"), null=True, blank=True)
    # Why the receiving agency declined a handover: shown to the agency that offered it.
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["agency", "status"], name="grant_agency_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(agency=models.F("granted_by")), name="grant_to_another_agency"
            )
        ]

    def __str__(self) -> str:
        return _("Grant %(id)s") % {"id": self.pk}

    @property
    def section_labels(self) -> str:
        return section_labels(self.sections)

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def is_effective(self) -> bool:
        return self.status == self.Status.ACTIVE and not self.is_expired


class AccessRequest(models.Model):
    """An agency asks the holding agency for sections of a record it found but may not see."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for decision")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")

    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("client"),
    )
    requesting_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="requests_made",
        verbose_name=_("requested by"),
    )
    holding_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="requests_received", verbose_name=_("asked")
    )
    sections = models.JSONField(_("sections"), default=list)
    legal_basis = models.ForeignKey(
        LegalBasis, on_delete=models.PROTECT, related_name="+", verbose_name=_("legal basis")
    )
    legal_basis_note = models.CharField(_("legal basis, details"), max_length=300, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    grant = models.OneToOneField(
        Grant, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["holding_agency", "status"], name="request_holder_status_idx")
        ]
        constraints = [
            # One open request per record and agency: asking twice helps nobody.
            models.UniqueConstraint(
                fields=["client", "requesting_agency"],
                condition=models.Q(status="pending"),
                name="request_one_pending_per_agency",
            )
        ]

    def __str__(self) -> str:
        return _("Access request %(id)s") % {"id": self.pk}

    @property
    def section_labels(self) -> str:
        return section_labels(self.sections)


# guardian's direct foreign keys: object permissions as a real FK, so access filtering is
# one indexed join (see access.policy). The rows are an index of access, rebuilt from the
# grants, which are the legal record.
class ClientUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)


class ClientGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Client, on_delete=models.CASCADE)
    # Last day the grant behind this row is valid; checked in every query, so an
    # expired grant stops working at once without a cleanup job.
    expires_on = models.DateField(null=True, blank=True)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [
            # Every read filters by "rows of my agency's group, not expired": answered from
            # this index alone, without visiting the table (the name search at 1M records
            # builds its visible set in half the time). PostgreSQL only; SQLite ignores
            # INCLUDE (models.W040, silenced in settings).
            models.Index(
                fields=["group", "permission", "content_object"],
                include=["expires_on"],
                name="access_row_visible_idx",
            ),
        ]


class HintToken(models.Model):
    """What a "request access" link of an existence hint stands for: opaque (a random
    token, never the record id), bound to the agency it was shown to, valid one day."""

    token = models.CharField(max_length=32, unique=True)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.agency_id} {self.created_at:%Y-%m-%d %H:%M}"
