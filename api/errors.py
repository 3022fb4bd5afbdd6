"""Every error of the API as RFC 9457 problem details (`application/problem+json`):
type, title, status, detail, instance; validation errors also in `errors` (field ->
messages). One handler for DRF's exceptions, Django's Http404/PermissionDenied and the
services' ValidationError; `not_found` answers paths under /api/ that match nothing.

A refusal is audited (as on the pages) and the request's transaction is NOT rolled back:
the refusal's audit event must commit. Services roll back their own writes (atomic).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from access.guards import page_denied

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE = "urn:registration-portal:problem:"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "This change needs the If-Match header with the ETag of the version you read."
    )
    default_code = "version_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Someone else changed this record after you read it. Read it again and repeat "
        "your change with the new ETag."
    )
    default_code = "stale_version"


_TITLES = {
    400: _("Invalid request"),
    401: _("Not authenticated"),
    403: _("Not allowed"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    412: _("Version changed"),
    415: _("Unsupported media type"),
    428: _("Version required"),
    429: _("Too many requests"),
}


def problem(
    *,
    status_code: int,
    code: str,
    detail: str = "",
    instance: str = "",
    errors: dict | None = None,
    headers: dict | None = None,
) -> Response:
    body = {
        "type": f"{PROBLEM_TYPE}{code}",
        "title": str(_TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": str(detail),
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _validation_errors(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def _codes(error: DjangoValidationError) -> set[str]:
    return (
        {e.code for e in error.error_list}
        if hasattr(error, "error_list")
        else {e.code for errors in error.error_dict.values() for e in errors}
    )


def _flatten(detail) -> dict:
    """DRF's error detail as {field: [messages]}."""
    if isinstance(detail, dict):
        return {
            field: [str(m) for m in (value if isinstance(value, list) else [value])]
            if not isinstance(value, dict)
            else _flatten(value)
            for field, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc, context) -> Response | None:
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        if "stale" in _codes(exc):
            exc = PreconditionFailed()
        else:
            return problem(
                status_code=400,
                code="invalid",
                detail=_("The request has invalid fields."),
                instance=request.path if request else "",
                errors=_validation_errors(exc),
            )
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 (and its transaction rolls back)

    headers = {}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        view = context.get("view")
        auth_header = view.get_authenticate_header(request) if view and request else None
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        else:
            exc.status_code = status.HTTP_403_FORBIDDEN
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if request is not None and isinstance(exc, exceptions.NotFound | exceptions.PermissionDenied):
        django_request = request._request
        if not getattr(django_request, "refusal_audited", False):
            page_denied(django_request)

    errors = None
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(detail)
        detail = _("The request has invalid fields.")
    elif isinstance(detail, dict | list):
        errors = _flatten(detail)
        detail = ""
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    return problem(
        status_code=exc.status_code,
        code=code,
        detail=str(detail),
        instance=request.path if request is not None else "",
        errors=errors,
        headers=headers,
    )


@csrf_exempt
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """A path under /api/ that matches no endpoint (Django's own 404 would be a page)."""
    return JsonResponse(
        {
            "type": f"{PROBLEM_TYPE}not_found",
            "title": str(_TITLES[404]),
            "status": 404,
            "detail": "",
            "instance": request.path,
        },
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
    )
