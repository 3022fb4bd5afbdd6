"""Deployment checks of the access layer (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_rate_limit_cache(app_configs, **kwargs):
    """Rate limits (access.throttle) count in the cache: per process without Redis."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            checks.Warning(
                "The cache is the process's own memory: rate limits count per worker.",
                hint="Set REDIS_URL (docs/operations.md).",
                id="access.W001",
            )
        ]
    return []
