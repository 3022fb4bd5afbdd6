"""Grants and access requests: read-only in the admin; they change through handover,
request and revoke in the portal."""

from django.contrib import admin

from access.models import AccessRequest, Grant
from web.admin.mixins import AuditedAdminMixin, ReadOnlyAdminMixin


@admin.register(Grant)
class GrantAdmin(AuditedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: grants change through handover, request and revoke in the portal."""

    list_display = ["pk", "client", "granted_by", "agency", "status", "legal_basis", "expires_on"]
    list_filter = ["status", "origin", "agency", "granted_by", "legal_basis"]
    list_select_related = ["client", "granted_by", "agency", "legal_basis"]
    search_fields = ["=client__id", "=handover_id"]
    show_full_result_count = False


@admin.register(AccessRequest)
class AccessRequestAdmin(AuditedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "client", "requesting_agency", "holding_agency", "status", "created_at"]
    list_filter = ["status", "requesting_agency", "holding_agency"]
    list_select_related = ["client", "requesting_agency", "holding_agency"]
    search_fields = ["=client__id"]
    show_full_result_count = False
