"""Object permissions answered by the one policy.

guardian's own backend (`guardian.backends.ObjectPermissionBackend`) reads its permission
rows as they are: it knows neither a grant's end date nor that a merged record is
read-only, and answered `has_perm` True for an expired grant that the portal refuses.
This backend replaces it, so that `user.has_perm("clients.view_documents", client)` in
any library, template or admin page gives the policy's answer. guardian stays as the
storage of the rows (its direct-foreign-key base models); see docs/architecture.md.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend

from access import policy
from clients.models import Client
from core.sections import SECTIONS, WHOLE_RECORD_PERM


class PolicyBackend(BaseBackend):
    """Answers only for a client record as `obj`; everything else is the ModelBackend's."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not isinstance(obj, Client):
            return set()
        access = policy.access_for(user_obj, obj)
        perms = {f"clients.{SECTIONS[slug].view_perm}" for slug in access.view}
        if access.view == frozenset(SECTIONS):
            perms.add(f"clients.{WHOLE_RECORD_PERM}")
        if access.change:
            perms.add("clients.change_client")
        return perms

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return isinstance(obj, Client) and perm in self.get_all_permissions(user_obj, obj)
