from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("handovers/<uuid:handover_id>/decide/", views.handover_decide, name="handover-decide"),
    path("requests/new/<str:token>/", views.request_create, name="request-create"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request-decide"),
]
