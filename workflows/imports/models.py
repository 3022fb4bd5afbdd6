"""Runs of the client import and what became of each row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency


class ClientImport(models.Model):
    """One run of a CSV import (command or upload page) and its per-row outcome."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_imported = models.PositiveIntegerField(_("imported"), default=0)
    rows_skipped = models.PositiveIntegerField(_("already imported"), default=0)
    # [{"row": 12, "errors": ["birth_date: ..."]}, ...]: row numbers and reasons, no values.
    row_errors = models.JSONField(_("rejected rows"), default=list)

    class Meta:
        verbose_name = _("client import")
        verbose_name_plural = _("client imports")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.started_at:%Y-%m-%d %H:%M}"
