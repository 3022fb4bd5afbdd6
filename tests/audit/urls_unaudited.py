"""URLconf for the self-test of the audit walk (test_every_view_is_audited.py): one view
that shows a person without writing an audit event, one that does it right."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from access.guards import get_client_for
from clients.models import Client


def unaudited_client(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(Client.objects.get(pk=pk).display_name)


def audited_client(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(get_client_for(request, pk).display_name)


urlpatterns = [
    path("unaudited/<int:pk>/", unaudited_client, name="unaudited-client"),
    path("audited/<int:pk>/", audited_client, name="audited-client"),
]
