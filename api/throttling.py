"""Rate limit per key (ApiKey.rate_per_minute), counted in the shared cache (Redis in
production, so every worker counts together). Past it: 429 problem details, audited as
a refusal (api.views.base.ApiView.throttled)."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        self.rate = None  # from the key, per request

    def allow_request(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True  # no key: refused by authentication, not counted
        self.rate = f"{key.rate_per_minute}/m"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return f"api-throttle:key:{request.auth.pk}"
