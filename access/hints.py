"""Existence hints: that a record exists at another agency, and no more than a person
would need to ask for it ("a record exists at LAF: family name S…, born 1985").

A hint is shown only for a search specific enough to identify one person, so that the
hints cannot be trawled for who is registered where; its token is signed and bound to
the agency it was issued to, and turning it into an access request is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from access import policy
from agencies.selectors import agency_for
from clients.models import Client
from core.identity.names import fold_accents

HINT_SALT = "agencies.access-request"
HINT_MAX_AGE = 24 * 60 * 60  # a search hit can be turned into a request for one day


def search_is_specific(
    *,
    name: str = "",
    birth_date=None,
    document_number="",
    azr_number="",
    phone="",
    reference_code="",
    **_other,
) -> bool:
    """Specific enough to tell that a record exists elsewhere, without inviting trawling."""
    if document_number or azr_number or phone or reference_code:
        return True
    return bool(birth_date) and len(fold_accents(name).replace(" ", "")) >= 4


@dataclass(frozen=True)
class ExistenceHint:
    """That a record exists elsewhere, and no more than a person would need to ask for it."""

    agency: str
    family_initial: str
    birth_year: int | None
    token: str
    client_id: int  # for the audit log only; never rendered


def existence_hints(user, clients: list[Client], *, limit: int = 10) -> list[ExistenceHint]:
    """Records matching a search that the user's agency may not see, reduced to hints.

    `clients` are the results of the same search run over all records, best first; the
    caller decides whether the criteria were specific enough to ask this at all.
    """
    agency = agency_for(user)
    if agency is None or not clients:
        return []
    ids = [client.pk for client in clients]
    hidden = set(
        policy.clients_hidden_from(user, Client.objects.filter(pk__in=ids)).values_list(
            "pk", flat=True
        )
    )
    shown = [client for client in clients if client.pk in hidden][:limit]
    return [hint_of(user, client) for client in shown]


def hint_of(user, client) -> ExistenceHint:
    """The hint for one record the user's agency may not see (`registered_by` loaded)."""
    return ExistenceHint(
        agency=client.registered_by.name,
        family_initial=client.family_name[:1].upper(),
        birth_year=client.birth_year,
        token=hint_for(user, client),
        client_id=client.pk,
    )


def client_from_hint(user, token: str):
    """The record behind a hint issued to the user's own agency, or None."""
    agency = agency_for(user)
    try:
        data = signing.loads(token, salt=HINT_SALT, max_age=HINT_MAX_AGE)
    except signing.BadSignature:
        return None
    if agency is None or data.get("agency") != agency.pk:
        return None
    return Client.objects.select_related("registered_by").filter(pk=data.get("client")).first()


def hint_for(user, client) -> str:
    agency = agency_for(user)
    return signing.dumps({"client": client.pk, "agency": agency.pk}, salt=HINT_SALT)
