from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from audit.admin import AuditedAdminMixin
from clients.models import Client, Household, IdentityDocument


class IdentityDocumentInline(admin.TabularInline):
    model = IdentityDocument
    extra = 0
    fields = ["doc_type", "number", "issuing_country", "issued_on", "expires_on"]


@admin.register(Client)
class ClientAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    """For admins fixing data; caseworkers use the portal's own screens."""

    list_display = ["pk", "family_name", "given_names", "birth_year", "registered_by", "created_at"]
    list_filter = ["registered_by", "residence_status", "sex", "district"]
    list_select_related = ["registered_by"]
    search_fields = ["=id", "family_name", "given_names", "azr_number", "documents__number"]
    search_help_text = "Family or given name, AZR number, document number or =id"
    autocomplete_fields = ["household"]
    readonly_fields = ["registered_by", "created_at", "updated_at"]
    inlines = [IdentityDocumentInline]
    show_full_result_count = False
    list_per_page = 50


@admin.register(Household)
class HouseholdAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    list_display = ["pk", "created_at"]
    search_fields = ["=id", "members__family_name"]
    show_full_result_count = False


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(AuditedAdminMixin, SimpleHistoryAdmin):
    list_display = ["pk", "doc_type", "issuing_country", "client", "expires_on"]
    list_filter = ["doc_type"]
    list_select_related = ["client"]
    search_fields = ["number", "=client__id"]
    autocomplete_fields = ["client"]
    show_full_result_count = False
