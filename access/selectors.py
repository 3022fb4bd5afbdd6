"""Reads of records for a user: every queryset starts from `policy.clients_visible_to`,
so no list can forget the permission filter."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet

from access import policy
from access.models import AccessRequest, Grant
from clients import selectors as record_selectors
from clients.models import Client
from core.dates import PartialDate
from core.identity.names import fold_accents
from core.identity.score import Match, reason_labels
from core.identity.search import SearchQuery, score_search

# At most this many results are listed (ranked); more means the search is too vague.
SEARCH_LIMIT = record_selectors.MAX_NAME_CANDIDATES


@dataclass
class SearchResult:
    client: Client
    match: Match | None = None  # how well a name search matched; None without a name
    labels: list[str] = field(default_factory=list)  # its reasons, translated


class RankedResults(Sequence[SearchResult]):
    """A name search's matches, best first, whose records are read only for the part
    asked for: the page shown reads 25 records, not the up to 500 that were ranked."""

    def __init__(self, ranked: list[tuple[int, Match]]) -> None:
        self._ranked = ranked

    def __len__(self) -> int:
        return len(self._ranked)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._read(self._ranked[index])
        return self._read([self._ranked[index]])[0]

    def __iter__(self) -> Iterator[SearchResult]:
        return iter(self._read(self._ranked))

    @staticmethod
    def _read(ranked: list[tuple[int, Match]]) -> list[SearchResult]:
        by_id = Client.objects.select_related("registered_by").in_bulk([pk for pk, _m in ranked])
        # A record deleted since it was ranked is left out, not a KeyError.
        return [
            SearchResult(by_id[pk], match, reason_labels(match.reasons))
            for pk, match in ranked
            if pk in by_id
        ]


@dataclass
class SearchResults:
    results: Sequence[SearchResult]
    more: bool = False  # more records matched than SEARCH_LIMIT: narrow the search

    @property
    def clients(self) -> list[Client]:
        return [result.client for result in self.results]


def client_search(
    user,
    *,
    name: str = "",
    birth_date: PartialDate | None = None,
    document_number: str = "",
    azr_number: str = "",
    phone: str = "",
    reference_code: str = "",
    everywhere: bool = False,
) -> SearchResults:
    """Clients visible to `user` matching every given criterion; a name search is ranked
    by how well each record answers it, best first, through the identity layer (any
    spelling or script, name equivalents, one typo, swapped names, partial dates).

    A criterion from a section (documents, phone from contact) only matches records whose
    section the user may see. With `everywhere`, the same search over all records, for
    the existence hints (`access.hints`; never shown as records).
    """
    clients = Client.objects.all() if everywhere else policy.clients_visible_to(user)
    if not everywhere:
        if document_number:
            visible = policy.clients_visible_to(user, section="documents")
            clients = clients.filter(pk__in=visible)
        if phone:
            clients = clients.filter(pk__in=policy.clients_visible_to(user, section="contact"))
    clients = record_selectors.clients_matching(
        clients,
        birth_date=None if name else birth_date,
        document_number=document_number,
        azr_number=azr_number,
        phone=phone,
        reference_code=reference_code,
    )
    if not name:
        found = list(clients.order_by("search_name", "pk")[: SEARCH_LIMIT + 1])
        return SearchResults(
            [SearchResult(c) for c in found[:SEARCH_LIMIT]], len(found) > SEARCH_LIMIT
        )
    query = SearchQuery.parse(name, birth_date)
    if not query.words and not query.folded:
        return SearchResults([])
    admitted = None if everywhere else (lambda record: policy.visible_record(user, record))
    # The candidates passed `admitted` already: only other criteria need checking again.
    narrowed = any((document_number, azr_number, phone, reference_code))
    ids = record_selectors.name_candidates(query, clients if narrowed else None, admitted=admitted)
    scored = []
    for record in record_selectors.match_records_of(ids):
        match = score_search(query, record)
        if match is not None:
            scored.append((match, record))
    scored.sort(key=lambda item: (-item[0].score, _name_order(item[1]), item[1].id))
    ranked = [(record.id, match) for match, record in scored[:SEARCH_LIMIT]]
    return SearchResults(RankedResults(ranked), more=len(ids) > SEARCH_LIMIT)


def _name_order(record) -> tuple[str, str]:
    # Equal scores in the order of the list's names (FAMILY, Given), accents aside.
    return fold_accents(record.family_name), fold_accents(record.given_names)


def household_members(user, client: Client) -> QuerySet[Client]:
    """The other members of the client's household that the same user may see."""
    if client.household_id is None:
        return Client.objects.none()
    return (
        policy.clients_visible_to(user)
        .filter(household_id=client.household_id, merged_into__isnull=True)
        .exclude(pk=client.pk)
        .order_by("household_role", "pk")
    )


@dataclass
class HouseholdMembers:
    shown: list[Client]  # those the user's agency may see
    not_shared: list[Client]  # the others: for hints only, never shown as records


def household_members_split(user, client: Client) -> HouseholdMembers:
    """The other members of the client's household, those the user's agency may see and
    those it may not (registered elsewhere, not handed over), in one query: the record
    page says the others exist, so that nobody registers them again, and offers to ask
    for them."""
    if client.household_id is None:
        return HouseholdMembers([], [])
    members = (
        Client.objects.filter(household_id=client.household_id, merged_into__isnull=True)
        .exclude(pk=client.pk)
        .annotate(visible=policy.visible_record(user, OuterRef("pk")))
        .select_related("registered_by")
        .order_by("household_role", "pk")
    )
    split = HouseholdMembers([], [])
    for member in members:
        (split.shown if member.visible else split.not_shared).append(member)
    return split


def survivor_visible_to(user, pk: int) -> Client | None:
    """The record `pk` was merged into (following chains of merges), if the user's agency
    may see it; None for a record not merged, or a survivor the user may not see."""
    target = record_selectors.survivor_of(pk)
    if target is None:
        return None
    return policy.clients_visible_to(user).filter(pk=target).first()


def clients_visible_among(user, ids: Iterable[int]) -> dict[int, Client]:
    """Of the records `ids`, those whose identity the user's agency may see, by id, in one
    query: for pages that name records by ids kept elsewhere (the audit log), so that
    such a page names no record its reader may not open."""
    wanted = sorted({int(pk) for pk in ids})
    if not wanted:
        return {}
    visible = policy.clients_visible_to(user).filter(pk__in=wanted)
    return {client.pk: client for client in visible.only("pk", "family_name", "given_names")}


# Audit object types of grants and requests before they moved from `agencies` to
# `access`: events are append-only, so the old labels stay in the log for good.
_FORMER_LABELS = {
    "access.grant": "agencies.grant",
    "access.accessrequest": "agencies.accessrequest",
}


# The agencies that take part in a grant or an access request.
_PARTIES = {Grant: ("agency", "granted_by"), AccessRequest: ("requesting_agency", "holding_agency")}


def record_objects(client_id: int, *, taking_part: int | None = None) -> dict[str, list[int]]:
    """The objects an audit question about one record covers (`clients.selectors`), with
    the grants and access requests on it and on the records merged into it; with
    `taking_part`, only the grants and requests that agency took part in (see
    `policy.record_accesses_scope`)."""
    objects = record_selectors.record_objects(client_id)
    ids = objects["clients.client"]
    for model in (Grant, AccessRequest):
        rows = model.objects.filter(client_id__in=ids)
        if taking_part is not None:
            first, second = _PARTIES[model]
            rows = rows.filter(
                Q(**{f"{first}_id": taking_part}) | Q(**{f"{second}_id": taking_part})
            )
        pks = list(rows.values_list("pk", flat=True))
        label = model._meta.label_lower
        objects[label] = pks
        objects[_FORMER_LABELS[label]] = pks
    return objects
