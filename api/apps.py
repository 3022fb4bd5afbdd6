from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API for agency systems: same policy, sections and audit as the pages."""

    name = "api"
    verbose_name = _("API for agency systems")
