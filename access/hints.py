"""Existence hints: that a record exists at another agency, and no more than a person
would need to ask for it ("a record exists at LAF: family name S…, born 1985").

A hint is shown only for a search that identifies one person: an exact identifier, or a
full name (two words of three letters or more) with a full birth date that a record
matches well; and only when at most `HINT_LIMIT` records of other agencies answer it, so
that the hints cannot be trawled for who is registered where (a vague search gets none).
Its token is random (`HintToken`: no record id in it), bound to the agency it was shown
to and valid one day; turning it into an access request is audited. Searches themselves
are rate-limited (`access.throttle`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.utils import timezone

from access import policy, selectors
from access.models import HintToken
from agencies.selectors import agency_for
from clients.models import Client
from core.identity.names import tokens

HINT_MAX_AGE = dt.timedelta(days=1)  # a search hit can be turned into a request for a day
# More records of other agencies than this answering one search: it did not identify one
# person, so it gets no hint at all.
HINT_LIMIT = 3
# Name and birth-date relations that count as "matches well" for a hint.
WELL_MATCHED_NAMES = frozenset({"name_same", "name_translit", "name_equivalent", "name_similar"})
WELL_MATCHED_BIRTHS = frozenset(
    {"birth_same", "birth_dm_swapped", "birth_partial_compatible", "birth_jan1_convention"}
)


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
    """Whether a search may identify one person: an exact identifier, or a full name (two
    words of three letters or more) with a full birth date."""
    if document_number or azr_number or phone or reference_code:
        return True
    words = [word for word in tokens(name) if len(word.lstrip("_")) >= 3]
    return len(words) >= 2 and birth_date is not None and birth_date.precision == "day"


def matches_well(reasons: list[str]) -> bool:
    """A name search's match is good enough to name the record's existence."""
    return bool(WELL_MATCHED_NAMES & set(reasons)) and bool(WELL_MATCHED_BIRTHS & set(reasons))


@dataclass(frozen=True)
class ExistenceHint:
    """That a record exists elsewhere, and no more than a person would need to ask for it."""

    agency: str
    family_initial: str
    birth_year: int | None
    token: str
    client_id: int  # for the audit log only; never rendered


def search_hints(user, criteria: dict) -> list[ExistenceHint]:
    """The hints a search with `criteria` earns (see module doc): none for a vague one."""
    if not search_is_specific(**criteria):
        return []
    everywhere = selectors.client_search(user, everywhere=True, **criteria)
    answering = [
        result.client
        for result in everywhere.results
        if result.match is None or matches_well(result.match.reasons)
    ]
    return existence_hints(user, answering)


def existence_hints(user, clients: list[Client]) -> list[ExistenceHint]:
    """Records answering a search that the user's agency may not see, reduced to hints;
    none when more than HINT_LIMIT of them answer it (the search identified nobody).

    `clients` are the results of the same search run over all records, best first (for a
    name search only those that `matches_well`); the caller decides whether the criteria
    were specific enough to ask this at all (`search_is_specific`).
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
    shown = [client for client in clients if client.pk in hidden]
    if len(shown) > HINT_LIMIT:
        return []
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
    """The record behind a hint issued to the user's own agency (and still valid), or None."""
    agency = agency_for(user)
    if agency is None or not token or len(token) > 64:
        return None
    hint = (
        HintToken.objects.filter(
            token=token, agency=agency, created_at__gte=timezone.now() - HINT_MAX_AGE
        )
        .select_related("client__registered_by")
        .first()
    )
    return hint.client if hint is not None else None


def hint_for(user, client) -> str:
    """A new opaque token for a hint shown to the user's agency."""
    agency = agency_for(user)
    # Tokens of this agency past their day are of no use any more: forget them here.
    HintToken.objects.filter(agency=agency, created_at__lt=timezone.now() - HINT_MAX_AGE).delete()
    token = secrets.token_urlsafe(16)
    HintToken.objects.create(token=token, client=client, agency=agency)
    return token
