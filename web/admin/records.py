"""Admin for client data: read-only views for central admins, audited like the portal.

Corrections go through the portal's own screens (services: validation, history, audit,
search keys); the admin must not become a side door around them.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clients.models import CaseNote, Client, Household, IdentityDocument
from web.admin.mixins import AuditedAdminMixin, ReadOnlyAdminMixin


class IdentityDocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = IdentityDocument
    extra = 0
    fields = ["doc_type", "number", "issuing_country", "issued_on", "expires_on"]


@admin.register(Client)
class ClientAdmin(AuditedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["pk", "family_name", "given_names", "birth_year", "registered_by", "created_at"]
    list_filter = ["registered_by", "residence_status", "sex", "district"]
    list_select_related = ["registered_by"]
    search_fields = ["=id", "family_name", "given_names", "=azr_number", "=reference_code"]
    search_help_text = "Family or given name, =AZR number, =reference code or =id"
    inlines = [IdentityDocumentInline]
    show_full_result_count = False
    list_per_page = 50


@admin.register(Household)
class HouseholdAdmin(AuditedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["pk", "created_at"]
    search_fields = ["=id"]
    show_full_result_count = False


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(AuditedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["pk", "doc_type", "issuing_country", "client", "expires_on"]
    list_filter = ["doc_type"]
    list_select_related = ["client"]
    search_fields = ["=number", "=client__id"]
    show_full_result_count = False


@admin.register(CaseNote)
class CaseNoteAdmin(AuditedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "client", "agency", "author", "created_at"]
    list_select_related = ["client", "agency", "author"]
    list_filter = ["agency"]
    search_fields = ["=client__id"]
    show_full_result_count = False
