from __future__ import annotations

from django.http import HttpRequest

from agencies.access import membership_for


def membership(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {"membership": membership_for(user) if user is not None else None}
