"""Who may call an endpoint: agency systems only (a valid key whose technical user acts
for an active agency), optionally narrowed by a predicate of `access.policy`, exactly as
the pages' `staff_required(may=...)`. The default for a view that names nothing is deny."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.permissions import BasePermission

from agencies.selectors import membership_for
from api.models import ApiKey


class DenyAll(BasePermission):
    """settings.REST_FRAMEWORK's default: an endpoint must say who may call it."""

    def has_permission(self, request, view) -> bool:
        return False


class IsAgencySystem(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey) and membership_for(request.user) is not None


def may(predicate: Callable[[object], bool]) -> type[BasePermission]:
    """An agency system whose technical user the policy predicate admits
    (`may(policy.may_register)`)."""

    class May(IsAgencySystem):
        def has_permission(self, request, view) -> bool:
            return super().has_permission(request, view) and predicate(request.user)

    May.__name__ = f"May_{getattr(predicate, '__name__', 'predicate')}"
    return May
