"""Pages under /clients/: the record and what is done with it. URL names keep their
namespace by URL prefix (clients:, inbox:, audit:)."""

from django.urls import path

from web.views import azr, duplicates, handover, imports, intake, record_print, records

app_name = "clients"

urlpatterns = [
    path("", records.client_search, name="client-search"),
    path("new/", intake.client_create, name="client-create"),
    path("new/duplicates/", intake.duplicate_check, name="duplicate-check"),
    path("new/azr/", azr.client_prefill_azr, name="client-prefill-azr"),
    path("<int:pk>/", records.client_detail, name="client-detail"),
    path("<int:pk>/edit/<slug:section>/", records.client_edit, name="client-edit"),
    path("<int:pk>/history/", records.client_history, name="client-history"),
    path("<int:pk>/household/add/", intake.household_member_add, name="household-member-add"),
    path("<int:pk>/documents/add/", records.document_create, name="document-create"),
    path("<int:pk>/documents/<int:document_pk>/edit/", records.document_edit, name="document-edit"),
    path("<int:pk>/notes/add/", records.case_note_add, name="case-note-add"),
    path(
        "<int:pk>/import-remarks/<int:remark_pk>/resolve/",
        imports.import_remark_resolve,
        name="import-remark-resolve",
    ),
    path("<int:pk>/handover/", handover.client_handover, name="client-handover"),
    path("<int:pk>/sheet/", records.handover_sheet, name="handover-sheet"),
    path("<int:pk>/print/", record_print.client_print, name="client-print"),
    path("<int:pk>/azr/", azr.client_azr_export, name="client-azr-export"),
    path("grants/<int:grant_pk>/revoke/", handover.grant_revoke, name="grant-revoke"),
    path("import/", imports.client_import, name="client-import"),
    path("import/<int:pk>/", imports.client_import_detail, name="client-import-detail"),
    path("duplicates/", duplicates.duplicate_queue, name="duplicate-queue"),
    path("duplicates/<int:pk>/", duplicates.duplicate_pair, name="duplicate-pair"),
    path("merges/<int:pk>/undo/", duplicates.merge_undo, name="merge-undo"),
]
