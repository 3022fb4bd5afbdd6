"""The organisation: agencies, their staff and the staff's roles, and the lists admins
maintain for handovers (legal bases, purpose profiles).

An agency acts through a django.contrib.auth Group: object permissions on client
records are granted to that group (access.models), never to single users.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    # Proposed to the caseworker in the language they work in (`purpose_in`): a German
    # caseworker must not be offered, and then store in a grant, an English purpose.
    purpose_de = models.CharField(_("usual purpose (German)"), max_length=200, blank=True)
    purpose = models.CharField(_("usual purpose (English)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("purpose profile")
        verbose_name_plural = _("purpose profiles")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()

    def purpose_in(self, language: str) -> str:
        """The usual purpose in `language` ("de", "en"), else in the other one."""
        german, english = self.purpose_de, self.purpose
        if language.startswith("de"):
            return german or english
        return english or german
