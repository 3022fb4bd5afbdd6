"""Agencies, their staff and the staff's roles.

An agency acts through a django.contrib.auth Group: object permissions on client
records are granted to that group (django-guardian), never to single users.
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
