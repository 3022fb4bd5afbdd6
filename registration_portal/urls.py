from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from web.signin.views import SignInView, login_verify
from web.views import account, home

urlpatterns = [
    path("", home.home, name="home"),
    # /admin/login/ is the same sign-in (web.signin.admin_site).
    path("login/", SignInView.as_view(), name="login"),
    path("login/verify/", login_verify, name="login-verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", account.language_set, name="language-set"),
    path("account/", include("web.urls.account")),
    path("clients/", include("web.urls.clients")),
    path("inbox/", include("web.urls.inbox")),
    path("audit/", include("web.urls.audit")),
    path("admin/", admin.site.urls),
    # The REST API for agency systems, its schema and docs (api.urls).
    path("api/", include("api.urls")),
    # /healthz and /readyz for load balancers (web.views.health).
    path("", include("web.urls.health")),
]
