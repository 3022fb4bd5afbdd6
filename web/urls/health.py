"""The probes, at the root and without a trailing slash: what load balancers expect."""

from django.urls import path

from web.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
