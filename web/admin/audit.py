from django.contrib import admin

from audit.models import AuditEvent
from web.admin.mixins import ReadOnlyAdminMixin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = [
        "occurred_at",
        "actor",
        "agency",
        "action",
        "object_type",
        "object_id",
        "outcome",
    ]
    list_filter = ["action", "outcome", "agency"]
    list_select_related = ["actor", "agency"]
    search_fields = ["object_id", "request_id", "actor__username"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
