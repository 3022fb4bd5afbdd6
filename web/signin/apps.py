from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SigninConfig(AppConfig):
    default = True
    name = "web.signin"
    label = "signin"
    verbose_name = "Sign-in"

    def ready(self) -> None:
        from web.signin import receivers  # noqa: F401 - connects the signal receivers


class PortalAdminConfig(admin_apps.AdminConfig):
    """The Django admin with our sign-in (password, then second factor) in front of it."""

    default = False
    default_site = "web.signin.admin_site.PortalAdminSite"
