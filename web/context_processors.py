"""What every page's menu needs: the user's membership, and the policy's answers for the
links it shows (a link to a page the user may not open would only end in a 403)."""

from __future__ import annotations

from django.http import HttpRequest

from access import policy
from agencies.selectors import membership_for


def membership(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"membership": None, "may": {}}
    return {
        "membership": membership_for(user),
        "may": {
            "register": policy.may_register(user),
            "import_clients": policy.may_import(user),
            "read_audit": policy.may_read_audit(user),
            "review_duplicates": policy.may_review_duplicates(user),
            "read_record_accesses": policy.may_read_record_accesses(user),
            "decide_requests": policy.may_decide_requests(user),
        },
    }
