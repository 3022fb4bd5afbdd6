"""Agencies, their staff and the staff's roles.

An agency acts through a django.contrib.auth Group: object permissions on client
records are granted to that group (django-guardian), never to single users.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.sections import SECTIONS


def section_labels(slugs: list[str]) -> str:
    return ", ".join(str(SECTIONS[slug].label) for slug in slugs if slug in SECTIONS)


class User(AbstractUser):
    """A member of staff. Kept custom from the start so later fields need no migration dance."""

    language = models.CharField(
        _("interface language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def membership_or_none(self) -> Membership | None:
        try:
            return self.membership
        except Membership.DoesNotExist:
            return None


class Agency(models.Model):
    class Kind(models.TextChoices):
        REFUGEE_OFFICE = "refugee_office", _("State refugee office (LAF)")
        IMMIGRATION_OFFICE = "immigration_office", _("Immigration office (LEA)")
        SOCIAL_WELFARE_OFFICE = "social_welfare_office", _("Social welfare office (Sozialamt)")
        JOBCENTER = "jobcenter", _("Jobcenter")
        NGO = "ngo", _("Non-governmental organisation")
        OTHER = "other", _("Other public body")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    # The group that carries the agency's object permissions (guardian).
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="agency", verbose_name=_("permission group")
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in one agency. One agency per user keeps 'acting for whom' unambiguous."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", _("Caseworker")
        SUPERVISOR = "supervisor", _("Supervisor")
        AGENCY_ADMIN = "agency_admin", _("Agency admin")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} – {self.agency} ({self.get_role_display()})"


class LegalBasis(models.Model):
    """A legal basis a handover can name. Maintained by admins; the portal records which
    one was used and never decides the law."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_consent = models.BooleanField(
        _("based on the person's consent"),
        default=False,
        help_text=_("Consent must be documented and can be revoked by the person."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class PurposeProfile(models.Model):
    """The sections an agency of one kind normally needs; a handover proposes them."""

    kind = models.CharField(
        _("agency kind"), max_length=32, choices=Agency.Kind.choices, unique=True
    )
    sections = models.JSONField(_("sections"), default=list)
    purpose = models.CharField(_("usual purpose"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("purpose profile")
        verbose_name_plural = _("purpose profiles")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Grant(models.Model):
    """One agency's access to sections of one client record, with its legal basis.

    Created by a handover (pending until the receiving agency accepts) or by an
    approved access request (active at once). The permission rows guardian queries
    are rebuilt from the active grants by agencies.access.access_rebuild.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for acceptance")
        ACTIVE = "active", _("active")
        DECLINED = "declined", _("declined")
        REVOKED = "revoked", _("revoked")

    class Origin(models.TextChoices):
        HANDOVER = "handover", _("handover")
        REQUEST = "request", _("access request")

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="grants", verbose_name=_("client")
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
        from django.utils import timezone

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
        "clients.Client",
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
