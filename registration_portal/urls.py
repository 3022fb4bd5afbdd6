from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from web.views import account

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="clients:client-search"), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", account.language_set, name="language-set"),
    path("clients/", include("web.urls.clients")),
    path("inbox/", include("web.urls.inbox")),
    path("audit/", include("web.urls.audit")),
    path("admin/", admin.site.urls),
]
