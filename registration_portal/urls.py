from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from agencies import views as agency_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="clients:client-search"), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", agency_views.language_set, name="language-set"),
    path("clients/", include("clients.urls")),
    path("inbox/", include("agencies.urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
]
