"""Log lines that name the request, never a person (docs/operations.md "Logs").

Each request binds its ids into `log_context` (the request id in
audit.middleware.RequestIdMiddleware, agency and user in web.middleware); the filter copies
them onto every record, so a line written anywhere during the request carries them. The
context is cleared when the response is closed, not when the middleware returns: Django
logs a 4xx response ("Not Found: /clients/7/") after the whole middleware chain.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType

from django.core.signals import request_finished

CONTEXT_FIELDS = ("request_id", "agency_id", "user_id")
_EMPTY: Mapping[str, object] = MappingProxyType({})

log_context: ContextVar[Mapping[str, object]] = ContextVar("log_context", default=_EMPTY)


def log_bind(**fields: object) -> None:
    """Add ids to the current request's log context (until its response is closed)."""
    log_context.set(MappingProxyType({**log_context.get(), **fields}))


def log_forget(**_kwargs: object) -> None:
    log_context.set(_EMPTY)


request_finished.connect(log_forget, dispatch_uid="core.logs.log_forget")


class RequestContextFilter(logging.Filter):
    """Puts the request's ids on every record (None outside a request), for both formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = log_context.get()
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, context.get(name))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's ids, and the
    record's `fields` (passed as `extra={"fields": {...}}`).

    An exception is written as its type and the frames it passed through, without its
    message: a database error's message quotes the values of the row it refused
    ("Key (family_name)=(...) already exists"), and tracebacks must not carry them.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:  # outside a request, or an anonymous one
                line[name] = value
        # A logger may pass its own fields, ids and figures only (gunicorn's access line).
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            line.update(fields)
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int):
            line["status_code"] = status_code
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = _exception(record.exc_info[0], record.exc_info[2])
        return json.dumps(line, ensure_ascii=False, default=str)


def _exception(kind: type[BaseException], trace) -> dict[str, object]:
    frames = traceback.extract_tb(trace)
    return {
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "frames": [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in frames],
    }
