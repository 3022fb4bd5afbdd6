"""What every API endpoint shares (docs/api.md "For endpoint authors").

`ApiView` (or `ApiGenericView` for lists) runs the request like the pages' guard does:
the audit events are buffered and appended at the end, every event names the channel
and the key (`channel:api`, `api_key:<id>`), refusals are audited, errors are problem
details, responses are never cached. Records come only through `access.guards` with
`self.django_request` (the HttpRequest the guards and audit expect).
"""

from __future__ import annotations

from contextlib import ExitStack

from django.http import HttpRequest
from django.utils.cache import add_never_cache_headers
from rest_framework import exceptions, generics
from rest_framework.request import Request
from rest_framework.views import APIView

from access.guards import record_denied
from access.throttle import limit_exceeded, limit_refusal_record
from agencies.selectors import membership_for
from api.errors import PreconditionRequired
from api.models import ApiKey
from api.permissions import IsAgencySystem
from audit.services import audit_buffer, audit_context

CHANNEL = "channel:api"


class ApiViewMixin:
    permission_classes = [IsAgencySystem]

    @property
    def django_request(self) -> HttpRequest:
        """The HttpRequest behind DRF's Request, for `access.guards` (its `user` is the
        key's technical user once DRF authenticated)."""
        return self.request._request

    def dispatch(self, request, *args, **kwargs):
        with audit_buffer(), ExitStack() as stack:
            self._audit_stack = stack
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Authentication runs first (DRF is lazy); from then on every audit event of this
        # request names the channel and the key, and the guards find the membership.
        self.perform_authentication(request)
        if isinstance(request.auth, ApiKey):
            self._audit_stack.enter_context(audit_context(CHANNEL, f"api_key:{request.auth.pk}"))
            request._request.membership = membership_for(request.user)
        super().initial(request, *args, **kwargs)

    def throttled(self, request: Request, wait) -> None:
        record_denied(request._request, "ratelimit", "api", "key")
        super().throttled(request, wait)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # personal data stays out of caches
        return response

    # --- helpers for endpoints ---------------------------------------------------------

    def lookup_limit(self, group: str = "lookup") -> None:
        """Count this request against the pages' own limits for `group` (per user and per
        agency: settings.PORTAL_RATE_LIMITS); past one, 429 audited and alerted as there."""
        exceeded = limit_exceeded(self.django_request, group)
        if exceeded is not None:
            limit_refusal_record(self.django_request, group, exceeded)
            raise exceptions.Throttled(wait=60)

    def seen_version(self) -> str:
        """The version named by If-Match (an ETag we sent); 428 without one. A stale one
        is refused by the service (-> 412)."""
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            raise PreconditionRequired
        return header.removeprefix("W/").strip('"')


def etag(version: str) -> str:
    return f'"{version}"'


class ApiView(ApiViewMixin, APIView):
    pass


class ApiGenericView(ApiViewMixin, generics.GenericAPIView):
    pass
