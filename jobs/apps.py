from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background jobs on PostgreSQL (procrastinate): imports, nightly report, chain
    verification, purge. procrastinate's Django app finds the tasks in `jobs.tasks`."""

    name = "jobs"
    verbose_name = _("Background jobs")
