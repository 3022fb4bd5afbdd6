"""The admin site behind the portal's sign-in: /admin/login/ is the same password step
as /login/ (lockout included), followed by the second factor; only a session that passed
it (where it is required) is let in."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from web.signin.second_factor import second_factor_enforced


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        verified = getattr(request.user, "is_verified", lambda: False)()
        return verified or not second_factor_enforced()

    def login(self, request: HttpRequest, extra_context=None):
        from web.signin.views import SignInView

        index = reverse("admin:index", current_app=self.name)
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(index)
        # A signed-in user without admin rights may sign in as someone else here.
        return SignInView.as_view(next_page=index, redirect_authenticated_user=False)(request)
