from django.urls import path

from web.views import handover

app_name = "inbox"

urlpatterns = [
    path("", handover.inbox, name="inbox"),
    path("handovers/<uuid:handover_id>/decide/", handover.handover_decide, name="handover-decide"),
    path("requests/new/<str:token>/", handover.request_create, name="request-create"),
    path("requests/<int:pk>/decide/", handover.request_decide, name="request-decide"),
]
