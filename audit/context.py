"""Request metadata (request id, client IP) for audit events written deep in services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    request_id: str = ""
    client_ip: str | None = None


NO_REQUEST = RequestMeta()  # commands and shell: no request id, no IP

current_request_meta: ContextVar[RequestMeta] = ContextVar("current_request_meta")
