"""The outcome of every background job run (imports and the scheduled jobs), for the
admins: what ran, when, whether it went well, and counts. Ids and counts only, never a
name; an error by its class, with a message only where the portal wrote it itself."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        OK = "ok", _("ok")
        FAILED = "failed", _("failed")

    task = models.CharField(_("task"), max_length=100)
    # procrastinate's job id (None when the job ran inline, without a queue).
    job_id = models.BigIntegerField(_("job"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    # {"import_id": 12, "rows_imported": 980, ...}: ids and counts only.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error_class = models.CharField(_("error"), max_length=200, blank=True)
    error_message = models.TextField(_("error message"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["task", "-started_at"], name="jobrun_task_started")]

    def __str__(self) -> str:
        return f"{self.task} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 1)
