from django.urls import path

from web.views import audit

app_name = "audit"

urlpatterns = [
    path("", audit.event_list, name="event-list"),
    path("clients/<int:pk>/", audit.record_accesses, name="record-accesses"),
]
