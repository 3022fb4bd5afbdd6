"""The API's URLs: /api/v1/... (endpoints), /api/schema/ (OpenAPI), /api/docs/ (Swagger
UI, served locally). Every pattern here must have rows in the permission matrix
(tests/api/matrix.py); tests/api/test_permission_matrix.py fails for one that has none."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from api.errors import not_found
from api.views import azr, clients, feed, handover, intake

app_name = "api"

v1 = [
    path("clients/", intake.ClientRegisterView.as_view(), name="client-register"),
    path("clients/search/", intake.ClientSearchView.as_view(), name="client-search"),
    path("clients/<int:pk>/", clients.ClientDetailView.as_view(), name="client-detail"),
    path(
        "clients/<int:pk>/household/",
        clients.ClientHouseholdView.as_view(),
        name="client-household",
    ),
    path(
        "clients/<int:pk>/documents/",
        clients.ClientDocumentsView.as_view(),
        name="client-documents",
    ),
    path(
        "clients/<int:pk>/documents/<int:document_pk>/",
        clients.ClientDocumentDetailView.as_view(),
        name="client-document-detail",
    ),
    path(
        "intake/duplicate-check/",
        intake.DuplicateCheckView.as_view(),
        name="intake-duplicate-check",
    ),
    # AZR / XAusländer alignment (api.views.azr, docs/azr-mapping.md)
    path("clients/<int:pk>/azr/", azr.ClientAzrView.as_view(), name="client-azr"),
    path("intake/azr-prefill/", azr.IntakeAzrPrefillView.as_view(), name="intake-azr-prefill"),
    # Change feed, grants, handovers, inbox, access requests (api.views.feed, .handover)
    path("feed/", feed.FeedView.as_view(), name="feed"),
    path("clients/<int:pk>/grants/", handover.ClientGrantsView.as_view(), name="client-grants"),
    path(
        "clients/<int:pk>/handover/", handover.HandoverCreateView.as_view(), name="client-handover"
    ),
    path("grants/<int:grant_pk>/revoke/", handover.GrantRevokeView.as_view(), name="grant-revoke"),
    path("inbox/handovers/", handover.InboxHandoversView.as_view(), name="inbox-handovers"),
    path(
        "inbox/handovers/<uuid:handover_id>/accept/",
        handover.HandoverAcceptView.as_view(),
        name="handover-accept",
    ),
    path(
        "inbox/handovers/<uuid:handover_id>/decline/",
        handover.HandoverDeclineView.as_view(),
        name="handover-decline",
    ),
    path(
        "inbox/access-requests/",
        handover.AccessRequestsToDecideView.as_view(),
        name="inbox-access-requests",
    ),
    path(
        "inbox/access-requests/<int:pk>/approve/",
        handover.AccessRequestApproveView.as_view(),
        name="access-request-approve",
    ),
    path(
        "inbox/access-requests/<int:pk>/decline/",
        handover.AccessRequestDeclineView.as_view(),
        name="access-request-decline",
    ),
    path("access-requests/", handover.AccessRequestsView.as_view(), name="access-requests"),
]

urlpatterns = [
    path("v1/", include(v1)),
    # The description of the API carries no data: readable without a key.
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema",
            template_name="api/swagger_ui.html",
            authentication_classes=[],
            permission_classes=[AllowAny],
        ),
        name="docs",
    ),
    # Anything else under /api/ is a 404 as problem details, not the pages' 404 page.
    re_path(r"^.*$", not_found, name="not-found"),
]
