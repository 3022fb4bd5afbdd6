"""Reads of client records that know no user: the criteria of a search, the records that
may be the same person, the records merged into one, the objects an audit question
about a record covers.

These never filter by permission. The access layer (`access.selectors`) and the
workflows build on them; the pages may not import this module (`.importlinter`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import phonenumbers
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from clients.matchkeys import match_records
from clients.models import CaseNote, Client, ClientMatchKey, IdentityDocument
from core.dates import PartialDate
from core.identity.names import fold_accents
from core.identity.score import DEFAULT_THRESHOLD, Match, MatchRecord, score_pair
from core.identity.search import SearchQuery


def clients_matching(
    clients: QuerySet[Client],
    *,
    name: str = "",
    birth_date: PartialDate | None = None,
    document_number: str = "",
    azr_number: str = "",
    phone: str = "",
    reference_code: str = "",
) -> QuerySet[Client]:
    """Of `clients`, those matching every given criterion; merged records never match
    (they only redirect to their survivor).

    Names match case- and accent-insensitively, each word anywhere in any name field.
    A partial birth date matches records with the same known parts, and records whose
    date is less precise.
    """
    clients = clients.filter(merged_into__isnull=True)
    for word in fold_accents(name).split():
        clients = clients.filter(search_name__contains=word)
    if name:
        # Folded names start with the family name; ordering by them lets PostgreSQL stop
        # early instead of walking the name index (1.3 s -> ~0.3 s for a common name).
        clients = clients.order_by("search_name", "pk")
    if birth_date is not None and birth_date.year is not None:
        clients = clients.filter(_birth_date_q(birth_date))
    if document_number:
        numbered = IdentityDocument.objects.filter(client=OuterRef("pk"), number=document_number)
        clients = clients.filter(Exists(numbered))
    if azr_number:
        clients = clients.filter(azr_number=azr_number)
    if phone:
        clients = clients.filter(phone=_e164(phone))
    if reference_code:
        clients = clients.filter(reference_code=reference_code)
    return clients


# A name search scores at most this many records; a name that matches more (one common
# family name alone) is too vague to rank, and the page says so.
MAX_NAME_CANDIDATES = 500


def name_candidates(
    query: SearchQuery,
    clients: QuerySet[Client] | None,
    *,
    admitted: Callable[[OuterRef], Exists] | None = None,
    limit: int = MAX_NAME_CANDIDATES,
) -> list[int]:
    """Ids of `clients` that may answer a name search (at most `limit` + 1: one more
    says there were more): every query word has a search key in the record (any
    spelling, one typo), or, as the search always did, every folded word occurs in the
    record's names (the start of a name, a fragment: asked only when the keys find
    nothing). Unmerged only; with a birth date
    in the query, only records whose year is compatible (or unknown).

    The records are found from the key index (else the trigram index of `search_name`)
    with `admitted(record_id)` (the permission filter, `access.policy.visible_record`)
    applied per key row, so PostgreSQL never walks the client table; `clients` (the
    other criteria, None without any) then checks the few found, by primary key."""
    found = _ids_by_keys(query, admitted, limit)
    if not found:
        # Only then a fragment of a name as spelled (Shev, tschenko): whole words in any
        # spelling are the keys' work, and the fragment search costs a trigram scan.
        found = _ids_by_text(query, admitted, limit)
    if not found:
        return []
    if clients is None:
        return found
    kept = set(clients.filter(pk__in=found).order_by().values_list("pk", flat=True))
    return [pk for pk in found if pk in kept][: limit + 1]


def _record_filters(query: SearchQuery, admitted, record_id: OuterRef) -> list:
    """Per found row: the record is unmerged, of a compatible birth year, admitted."""
    records = Client.objects.filter(pk=record_id, merged_into__isnull=True)
    if query.birth:
        year = query.birth.year
        records = records.filter(
            Q(birth_year__isnull=True) | Q(birth_year__gte=year - 1, birth_year__lte=year + 1)
        )
    filters = [Exists(records)]
    if admitted is not None:
        filters.append(admitted(record_id))
    return filters


def _ids_by_keys(query: SearchQuery, admitted, limit: int) -> list[int]:
    word_keys = query.word_keys()
    if not word_keys:
        return []
    # Start from the word with the most consonants, the rarest in practice (a family
    # name); the others are checked per record on the (client, key) index.
    order = sorted(range(len(word_keys)), key=lambda i: -len(max(word_keys[i], key=len)))
    rows = ClientMatchKey.objects.filter(key__in=word_keys[order[0]])
    for index in order[1:]:
        others = ClientMatchKey.objects.filter(
            client_id=OuterRef("client_id"), key__in=word_keys[index]
        )
        rows = rows.filter(Exists(others))
    rows = rows.filter(*_record_filters(query, admitted, OuterRef("client_id")))
    found = rows.order_by().values_list("client_id", flat=True)[: (limit + 1) * 2]
    return list(dict.fromkeys(found))[: limit + 1]


def _ids_by_text(query: SearchQuery, admitted, limit: int) -> list[int]:
    if not query.folded:
        return []
    named = Client.objects.filter(*_record_filters(query, admitted, OuterRef("pk")))
    for word in query.folded:
        named = named.filter(search_name__contains=word)
    return list(named.order_by().values_list("pk", flat=True)[: limit + 1])


def _birth_date_q(birth_date: PartialDate) -> Q:
    """Match the known parts; a record with a less precise date may still be the person."""
    condition = Q(birth_year=birth_date.year)
    if birth_date.month is not None:
        condition &= Q(birth_month=birth_date.month) | Q(birth_month__isnull=True)
    if birth_date.day is not None:
        condition &= Q(birth_day=birth_date.day) | Q(birth_day__isnull=True)
    return condition


def _e164(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "DE")
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def survivor_of(pk: int) -> int | None:
    """The record `pk` was merged into, following chains of merges; None if not merged."""
    target = Client.objects.filter(pk=pk).values_list("merged_into_id", flat=True).first()
    seen = {pk}
    while target is not None and target not in seen:
        seen.add(target)
        following = Client.objects.filter(pk=target).values_list("merged_into_id", flat=True)
        following = following.first()
        if following is None:
            break
        target = following
    if target is None or target == pk:
        return None
    return target


def merged_ids(client_id: int) -> list[int]:
    """Ids of the records merged (and not unmerged) into `client_id`, transitively."""
    found: list[int] = []
    frontier = [client_id]
    while frontier:
        frontier = list(
            Client.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found += frontier
    return found


def record_objects(client_id: int) -> dict[str, list[int]]:
    """What an audit question about one record covers, by audit object type: the record
    and the records merged into it, their documents and case notes (the access layer adds
    grants and requests). The audit app knows ids only; this is where they come from."""
    ids = [client_id, *merged_ids(client_id)]
    return {
        "clients.client": ids,
        "clients.identitydocument": list(
            IdentityDocument.objects.filter(client_id__in=ids).values_list("pk", flat=True)
        ),
        "clients.casenote": list(
            CaseNote.objects.filter(client_id__in=ids).values_list("pk", flat=True)
        ),
    }


# Shown at intake from this score on ("possible"); DEFAULT_THRESHOLD and up is "probable".
INTAKE_THRESHOLD = 0.5
# The intake check scores the records sharing the most blocking keys with the typed one
# (a duplicate shares several: name + year, name + day/month, name + full date, ...),
# and shows the best few: bounded work even for the most common names.
MAX_CANDIDATES = 80
MAX_SHOWN = 8


@dataclass
class DuplicateCandidate:
    client: Client
    match: Match
    labels: list[str] = field(default_factory=list)  # reasons the reader may see, translated

    @property
    def probable(self) -> bool:
        return self.match.score >= DEFAULT_THRESHOLD


def duplicate_candidates(
    record: MatchRecord, *, exclude_ids: Iterable[int] = (), threshold: float = INTAKE_THRESHOLD
) -> list[DuplicateCandidate]:
    """Existing records that may be the same person as `record`, best first.

    Not filtered by permission: callers split the result with `access.policy.clients_hidden_from`
    and show hidden ones only as existence hints.
    """
    keys = list(dict.fromkeys(key[:64] for key in record.probe_keys()))
    if not keys:
        return []
    ranked = (
        ClientMatchKey.objects.filter(key__in=keys)
        .exclude(client_id__in=list(exclude_ids))
        .values("client_id")
        .annotate(shared=Count("*"))
        .order_by("-shared", "client_id")[:MAX_CANDIDATES]
    )
    candidates = match_records(
        client_model=Client,
        document_model=IdentityDocument,
        ids=[row["client_id"] for row in ranked],
    )
    scored = [(score_pair(record, other), other.id) for other in candidates]
    best = sorted(
        ((match, pk) for match, pk in scored if match.score >= threshold),
        key=lambda item: (-item[0].score, item[1]),
    )[:MAX_SHOWN]
    clients = Client.objects.select_related("registered_by").in_bulk([pk for _m, pk in best])
    return [DuplicateCandidate(clients[pk], match) for match, pk in best]


def match_records_of(ids: Iterable[int]) -> list[MatchRecord]:
    """The records `ids` as the matcher reads them (with the names merged into them)."""
    return match_records(client_model=Client, document_model=IdentityDocument, ids=list(ids))


def match_records_all() -> list[MatchRecord]:
    """Every record that can still be a duplicate (not merged), for the batch report."""
    return match_records(client_model=Client, document_model=IdentityDocument)
