"""What every admin page of ours shares: evidence is read-only, reads of personal data
are audited like the portal's own screens, permission changes are recorded."""

from audit.models import AuditEvent
from audit.services import audit_record


class ReadOnlyAdminMixin:
    """Evidence is shown, never edited, in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdminMixin:
    """Admin reads of personal data are audited like the portal's own screens."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.SEARCH if changelist.query else AuditEvent.Action.VIEW,
                objects=changelist.result_list,
                object_type=self.model._meta.label_lower,
                fields=["admin"],
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if original is not None:
            audit_record(
                actor=request.user, action=AuditEvent.Action.VIEW, obj=original, fields=["admin"]
            )
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None:
            fields = ["admin", "history", f"version:{version_id}"]
            audit_record(actor=request.user, action=AuditEvent.Action.VIEW, obj=obj, fields=fields)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None:
            audit_record(
                actor=request.user,
                action=AuditEvent.Action.VIEW,
                obj=obj,
                fields=["admin", "history"],
            )
        return response


class PermissionChangeAuditMixin:
    """Changes to agencies, staff and memberships in the admin are permission changes;
    the event names the changed fields, not their values."""

    def _record(self, request, obj, fields):
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.PERMISSION_CHANGE,
            obj=obj,
            fields=fields,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._record(request, obj, form.changed_data if change else ["added"])

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for inline_form in formset.forms:
            if inline_form.has_changed() and inline_form.instance.pk:
                self._record(request, inline_form.instance, inline_form.changed_data)
        for deleted in formset.deleted_objects:
            self._record(request, deleted, ["deleted"])

    def delete_model(self, request, obj):
        self._record(request, obj, ["deleted"])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(request, obj, ["deleted"])
        super().delete_queryset(request, queryset)
