from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = _("Access: grants and requests")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from access import checks  # noqa: F401 - registers the deployment checks
        from access.rows import clear_permission_cache

        # A flush (transactional tests) recreates the permissions with new ids.
        post_migrate.connect(clear_permission_cache, dispatch_uid="access_permission_cache")
