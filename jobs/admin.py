"""Job runs in the Django admin, read-only: the outcome of each import and scheduled job
(ids and counts only, no personal data, so reading them is not audited)."""

from __future__ import annotations

from django.contrib import admin

from jobs.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "task", "status", "finished_at", "job_id", "error_class"]
    list_filter = ["status", "task"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "task",
        "job_id",
        "started_at",
        "finished_at",
        "status",
        "summary",
        "error_class",
        "error_message",
    ]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
