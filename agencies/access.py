"""THE authorisation module: every question "may this user see or change this record?"

Views, selectors, forms and admin ask here; nothing else decides access. Access is
held by agencies (their guardian group) per client record, stored in guardian's
direct-foreign-key table `clients.ClientGroupObjectPermission`, so a list can be
filtered in one indexed SQL query instead of per object in Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest

from agencies.models import Agency, Membership

if TYPE_CHECKING:
    from clients.models import Client, IdentityDocument

VIEW = "view_client"
CHANGE = "change_client"


def membership_for(user) -> Membership | None:
    if not user.is_authenticated or not user.is_active:
        return None
    membership = getattr(user, "_cached_membership", False)
    if membership is False:
        membership = Membership.objects.select_related("agency").filter(user=user).first()
        user._cached_membership = membership
    if membership is None or not membership.agency.is_active:
        return None
    return membership


def agency_for(user) -> Agency | None:
    membership = membership_for(user)
    return membership.agency if membership else None


def clients_visible_to(user, *, perm: str = VIEW) -> QuerySet[Client]:
    """All client records the user's agency holds `perm` on, as one SQL filter."""
    from clients.models import Client, ClientGroupObjectPermission

    agency = agency_for(user)
    if agency is None:
        return Client.objects.none()
    granted = ClientGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        group_id=agency.group_id,
        permission__codename=perm,
    )
    return Client.objects.filter(Exists(granted))


def get_client_for(request: HttpRequest, pk: int, *, perm: str = VIEW) -> Client:
    """The client `pk` if the requesting user may access it, else 404 (never 403).

    A 404 does not tell a member of another agency that the record exists.
    Every successful read is written to the audit log in the request's transaction.
    """
    from audit.services import audit_record

    client = clients_visible_to(request.user, perm=perm).filter(pk=pk).first()
    if client is None:
        raise Http404
    audit_record(actor=request.user, action="view", obj=client)
    return client


def get_document_for(request: HttpRequest, client: Client, document_pk: int) -> IdentityDocument:
    """A document of a client the caller already got through get_client_for."""
    document = client.documents.filter(pk=document_pk).first()
    if document is None:
        raise Http404
    return document


def grant_to_agency(*, client: Client, agency: Agency, perms: tuple[str, ...]) -> None:
    """Give an agency's group object permissions on one client (guardian's table).

    Written in bulk rather than with guardian's assign_perm (four queries a permission),
    because registration bursts run into thousands a day.
    """
    from django.contrib.auth.models import Permission

    from clients.models import ClientGroupObjectPermission

    permissions = Permission.objects.filter(
        content_type__app_label="clients", content_type__model="client", codename__in=perms
    )
    ClientGroupObjectPermission.objects.bulk_create(
        [
            ClientGroupObjectPermission(
                group_id=agency.group_id, permission=p, content_object=client
            )
            for p in permissions
        ],
        ignore_conflicts=True,
    )
