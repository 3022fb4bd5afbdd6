"""How a view reaches a person's data: through a guard that asks the policy, answers a
refusal itself and writes every read and every refusal into the audit log.

- `staff_required` wraps every caseworker screen: staff acting for an agency and, with
  `may=`, a role the policy allows. Refusals are answered here (403 for a role, 404 for
  a record) rather than raised, so the request's transaction commits the evidence.
- `get_client_for` is the one way a view gets a record: visible or 404, the sections the
  reader may see set on `client.access`, the read audited.
- `clients_shown` audits a list of records a page shows (search hits, household
  members, inbox entries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found, permission_denied

from access import policy
from agencies.selectors import membership_for
from audit.models import AuditEvent
from audit.services import audit_buffer, audit_record
from clients.models import Client, IdentityDocument


def staff_required(view: Callable | None = None, *, may: Callable[[object], bool] | None = None):
    """Caseworker screens are for staff acting for an agency; with `may`, only for users
    the policy predicate admits (e.g. `policy.may_import`). Others get 403, no data."""
    return _guard(view, may=may, staff=True)


def audited_view(view: Callable | None = None, *, may: Callable[[object], bool]):
    """Screens for any logged-in user the predicate admits, agency staff or not (the audit
    log, which central admins read too). Others get 403."""
    return _guard(view, may=may, staff=False)


def _guard(view: Callable | None, *, may, staff: bool):
    def decorate(view: Callable) -> Callable:
        @never_cache  # personal data must not stay in the browser cache of a shared terminal
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            with audit_buffer():
                request.membership = membership_for(request.user)
                try:
                    if (staff and request.membership is None) or (
                        may is not None and not may(request.user)
                    ):
                        raise PermissionDenied
                    return view(request, *args, **kwargs)
                except (Http404, PermissionDenied) as refusal:
                    # Answered here, not raised: the transaction then commits the refusal's
                    # audit event (written by the refusing code, else here).
                    if not getattr(request, "refusal_audited", False):
                        page_denied(request)
                    if isinstance(refusal, Http404):
                        return page_not_found(request, refusal)
                    return permission_denied(request, refusal)

        return wrapped

    return decorate(view) if view is not None else decorate


def page_denied(request: HttpRequest) -> None:
    """A refused page, named by its URL name (no ids, no values)."""
    match = request.resolver_match
    record_denied(request, "page", match.view_name if match else request.path_info[:64])


def record_denied(
    request: HttpRequest, object_type: str, object_id, section: str | None = None
) -> None:
    """Write down a refused attempt on one object; the caller then answers 404."""
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW,
        object_type=object_type,
        object_id=str(object_id),
        fields=[section] if section else [],
        outcome=AuditEvent.Outcome.DENIED,
    )
    request.refusal_audited = True


def get_client_for(
    request: HttpRequest,
    pk: int,
    *,
    section: str | None = None,
    change: bool = False,
    purpose: str = "",
) -> Client:
    """The client `pk` with `client.access` set, if the user may see (or change) `section`
    of it; with no section, the record with whatever sections the user may see.
    `purpose` (e.g. "print") is added to the fields the audit event names.

    Anything else is 404, never 403: a 404 does not tell another agency that the record
    exists. Every successful read is audited in the request's transaction, naming the
    sections shown.
    """
    client = (
        policy.clients_visible_to(request.user)
        .filter(pk=pk)
        .select_related("registered_by")
        .first()
    )
    if client is None:
        record_denied(request, "clients.client", pk, section)
        raise Http404
    client.access = policy.access_for(request.user, client)
    allowed = client.access.change if change else client.access.view
    if (section is not None and section not in allowed) or (change and not allowed):
        record_denied(request, "clients.client", pk, section)
        raise Http404
    sections = [section] if section else sorted(client.access.view)
    if purpose:
        sections.append(purpose)
    audit_record(actor=request.user, action=AuditEvent.Action.VIEW, obj=client, fields=sections)
    return client


def get_document_for(request: HttpRequest, client: Client, document_pk: int) -> IdentityDocument:
    """A document of a client the caller already got through get_client_for."""
    document = client.documents.filter(pk=document_pk).first()
    if document is None or not client.access.can_view("documents"):
        record_denied(request, "clients.identitydocument", document_pk, "documents")
        raise Http404
    return document


def clients_shown(
    request: HttpRequest,
    clients: Iterable[Client | int],
    *,
    fields: Iterable[str],
    action: str = AuditEvent.Action.VIEW,
    query_hash: str = "",
) -> None:
    """Audit that a page showed these records (objects or ids); nothing when none."""
    ids = [item if isinstance(item, int) else item.pk for item in clients]
    if ids:
        audit_record(
            actor=request.user,
            action=action,
            object_type="clients.client",
            object_ids=ids,
            fields=list(fields),
            query_hash=query_hash,
        )
