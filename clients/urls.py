from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_search, name="client-search"),
    path("new/", views.client_create, name="client-create"),
    path("<int:pk>/", views.client_detail, name="client-detail"),
    path("<int:pk>/edit/<slug:section>/", views.client_edit, name="client-edit"),
    path("<int:pk>/history/", views.client_history, name="client-history"),
    path("<int:pk>/household/add/", views.household_member_add, name="household-member-add"),
    path("<int:pk>/documents/add/", views.document_create, name="document-create"),
    path("<int:pk>/documents/<int:document_pk>/edit/", views.document_edit, name="document-edit"),
    path("<int:pk>/notes/add/", views.case_note_add, name="case-note-add"),
    path("<int:pk>/handover/", views.client_handover, name="client-handover"),
    path("<int:pk>/sheet/", views.handover_sheet, name="handover-sheet"),
    path("grants/<int:grant_pk>/revoke/", views.grant_revoke, name="grant-revoke"),
]
