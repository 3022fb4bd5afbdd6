"""What every page's menu needs: the user's membership, the policy's answers for the
links it shows (a link to a page the user may not open would only end in a 403), and the
number of inbox items waiting for the user's agency."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from access import policy
from agencies.selectors import membership_for
from workflows.handover import selectors as handover_selectors


def membership(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"membership": None, "may": {}}
    return {
        "membership": membership_for(user),
        "inbox_waiting": _inbox_waiting(user),
        "may": {
            "register": policy.may_register(user),
            "import_clients": policy.may_import(user),
            "read_audit": policy.may_read_audit(user),
            "review_duplicates": policy.may_review_duplicates(user),
            "read_record_accesses": policy.may_read_record_accesses(user),
            "decide_requests": policy.may_decide_requests(user),
        },
    }


def _inbox_waiting(user):
    """Handovers to accept and, for those who decide them, access requests: one or two
    COUNT queries, run only when a page's menu shows the number (a callable, cached)."""

    @cache
    def count() -> int:
        membership = membership_for(user)
        if membership is None or not policy.is_staff_member(user):
            return 0
        waiting = handover_selectors.handover_waiting_count(membership.agency)
        if policy.may_decide_requests(user):
            waiting += handover_selectors.requests_waiting_count(membership.agency)
        return waiting

    return count
