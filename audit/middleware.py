from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from audit.context import RequestMeta, current_request_meta
from core.logs import log_bind

_VALID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")
_PORT = re.compile(r"^:[0-9]{1,5}$")


class RequestIdMiddleware:
    """Tag each request with an id (a sane X-Request-ID from the proxy, or a new one)
    and make it and the client IP available to audit events written in services."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A proxy's request id links our audit events to its logs; from anyone else it is
        # not trusted (it could be used to confuse the audit trail).
        incoming = request.headers.get("X-Request-ID", "") if settings.BEHIND_PROXY else ""
        request.request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        log_bind(request_id=request.request_id)  # every log line of the request names it
        token = current_request_meta.set(RequestMeta(request.request_id, _client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            current_request_meta.reset(token)
        response.headers["X-Request-ID"] = request.request_id
        return response


def _client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind our proxy, the one it appended to X-Forwarded-For."""
    if settings.BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return normalised_ip(forwarded)
    return normalised_ip(request.META.get("REMOTE_ADDR") or "")


def normalised_ip(raw: str) -> str | None:
    """An address as the database stores it, or None when `raw` is none.

    The event is hashed before it is stored, so the value must already be the one the
    database gives back: ports, brackets and zone ids are dropped, IPv6 is written in its
    short lower-case form, and an IPv4 address inside IPv6 (`::ffff:a.b.c.d`, the
    deprecated `::a.b.c.d`) as plain IPv4 (PostgreSQL and Python spell those apart).
    """
    text = raw.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not _PORT.match(rest)):
            return None
        text = host
    elif text.count(":") == 1:  # 203.0.113.7:51234
        host, _colon, port = text.partition(":")
        if not _PORT.match(f":{port}"):
            return None
        text = host
    text = text.partition("%")[0]  # fe80::1%eth0: the zone is the proxy's interface
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif 2**16 <= int(address) < 2**32:
            address = ipaddress.IPv4Address(int(address))
    return str(address)
