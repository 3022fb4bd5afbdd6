"""The API's only authentication: `Authorization: Bearer rpk_<prefix>_<secret>`.

No session authentication, so a browser's cookies give no access to the API and there is
no CSRF surface. request.user is the key's technical user, request.auth the ApiKey.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies.selectors import membership_for
from api.models import ApiKey
from api.services import api_key_touch, key_matches, key_parse


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _sep, credentials = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None  # no key: NotAuthenticated (401) when the view needs one
        parsed = key_parse(credentials.strip())
        if parsed is None:
            raise exceptions.AuthenticationFailed(_("Malformed API key."))
        prefix, secret = parsed
        key = (
            ApiKey.objects.select_related("api_client__user", "api_client__agency")
            .filter(prefix=prefix)
            .first()
        )
        # One answer for unknown, wrong, revoked and expired keys: nothing to probe.
        if key is None or not key_matches(key, secret) or not key.is_valid_at(timezone.now()):
            raise exceptions.AuthenticationFailed(_("Invalid or expired API key."))
        user = key.api_client.user
        if membership_for(user) is None:  # deactivated user or agency
            raise exceptions.AuthenticationFailed(_("Invalid or expired API key."))
        api_key_touch(key=key)
        return user, key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "rpk_<prefix>_<secret>",
            "description": "An API key issued by the agency's admin (shown once).",
        }
