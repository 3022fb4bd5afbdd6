"""The duplicate check at intake: while the caseworker types, and again on saving.

Records the caseworker's agency may see are listed with score and reasons; records it
may not see appear only as "a probable match exists at agency X" with a Request access
link (`access.hints`), never with their data. Every check is audited as a search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from access import policy
from access.hints import HINT_LIMIT, ExistenceHint, hint_of
from audit.services import audit_record, search_fingerprint
from clients import selectors
from clients.models import Client
from core.identity.score import MatchRecord, reason_labels


@dataclass
class IntakeMatches:
    visible: list[selectors.DuplicateCandidate] = field(default_factory=list)
    hidden: list[tuple[ExistenceHint, selectors.DuplicateCandidate]] = field(default_factory=list)

    @property
    def probable(self) -> list[selectors.DuplicateCandidate]:
        """Strong matches, seen or not: saving past these needs a confirmation."""
        return [c for c in self.visible if c.probable] + [c for _h, c in self.hidden if c.probable]

    def __bool__(self) -> bool:
        return bool(self.visible or self.hidden)


def intake_check(*, user, record: MatchRecord) -> IntakeMatches:
    """Candidates for `record`, split by what the user's agency may see, and audited."""
    candidates = selectors.duplicate_candidates(record)
    if not candidates:
        return IntakeMatches()
    hidden_ids = set(
        policy.clients_hidden_from(
            user, Client.objects.filter(pk__in=[c.client.pk for c in candidates])
        ).values_list("pk", flat=True)
    )
    matches = IntakeMatches()
    # Records of other agencies are named only when they probably are this person, and
    # only when few are: the check must not become a way to trawl who is registered where.
    hidden = [c for c in candidates if c.client.pk in hidden_ids and c.probable]
    if len(hidden) > HINT_LIMIT:
        hidden = []
    shown = policy.access_for_many(
        user, [c.client for c in candidates if c.client.pk not in hidden_ids]
    )
    for candidate in candidates:
        client = candidate.client
        if client.pk in hidden_ids:
            if candidate in hidden:
                matches.hidden.append((hint_of(user, client), candidate))
        else:
            sections = shown[client.pk].view
            candidate.labels = reason_labels(candidate.match.reasons, sections=sections)
            matches.visible.append(candidate)
    fingerprint = search_fingerprint(f"{record.family_name} {record.given_names}")
    if matches.visible:
        audit_record(
            actor=user,
            action="search",
            objects=[c.client for c in matches.visible],
            object_type="clients.client",
            fields=["duplicate_check"],
            query_hash=fingerprint,
        )
    if matches.hidden:
        audit_record(
            actor=user,
            action="search",
            object_type="clients.client",
            fields=["duplicate_check", "existence_hint"],
            object_ids=[hint.client_id for hint, _c in matches.hidden],
            query_hash=fingerprint,
        )
    return matches
