"""THE policy: every question "may this user ...?" is answered here, and only here.

Pages, the admin (through `access.backends.PolicyBackend`), services and selectors ask;
nothing else decides. Two kinds of answer:

- **Records**: which agency may see which sections of which record. Access is held by
  agencies (their group), per record and per section, in the permission rows of
  `access.models.ClientGroupObjectPermission`: the registering agency has one row
  `view_client` (the whole record); a grant adds one row per section (`view_<section>`)
  with the grant's last valid day. `clients_visible_to` filters lists on them in one
  indexed SQL query; expiry is part of every query. Identity is part of every grant, so
  a record is visible when its identity is.
- **Roles**: caseworkers register people, change the sections their agency holds and hand
  them over; supervisors and agency admins read them, decide access requests, review
  duplicates and the audit log; agency admins import files. A merged record is read-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from access.models import AccessRequest, ClientGroupObjectPermission, Grant
from access.rows import permission_ids
from agencies.models import Agency, Membership
from agencies.selectors import membership_for
from audit.models import AuditEvent
from clients.models import Client
from core.sections import IDENTITY, SECTIONS, WHOLE_RECORD_PERM

CASEWORKER = Membership.Role.CASEWORKER
SUPERVISING_ROLES = frozenset({Membership.Role.SUPERVISOR, Membership.Role.AGENCY_ADMIN})
STAFF_ROLES = frozenset({CASEWORKER, *SUPERVISING_ROLES})


# --- Records: visibility in SQL ---------------------------------------------------------------


def _effective_rows(group_id: int, section: str) -> QuerySet[ClientGroupObjectPermission]:
    """The agency's permission rows that open `section`, valid today. Permissions are
    named by id, not joined by codename: the planner then estimates the rows right and
    uses the (group, permission) index (579 ms -> 117 ms for a common name at 300k)."""
    today = timezone.localdate()
    return ClientGroupObjectPermission.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        group_id=group_id,
        permission_id__in=permission_ids(WHOLE_RECORD_PERM, SECTIONS[section].view_perm),
    )


def clients_visible_to(user, *, section: str = IDENTITY) -> QuerySet[Client]:
    """The records whose `section` the user's agency may see, as one SQL filter."""
    membership = membership_for(user)
    if membership is None:
        return Client.objects.none()
    rows = _effective_rows(membership.agency.group_id, section)
    return Client.objects.filter(Exists(rows.filter(content_object=OuterRef("pk"))))


def visible_record(user, record_id: OuterRef, *, section: str = IDENTITY) -> Exists:
    """The same filter for a query over rows that point at a record (`record_id`, e.g.
    `OuterRef("client_id")` of the search keys): so that such a query need not join the
    client table to stay within what the user's agency may see."""
    membership = membership_for(user)
    if membership is None:
        return Exists(ClientGroupObjectPermission.objects.none())
    rows = _effective_rows(membership.agency.group_id, section)
    return Exists(rows.filter(content_object_id=record_id))


def clients_hidden_from(user, clients: QuerySet[Client]) -> QuerySet[Client]:
    """Of `clients`, those the user's agency may not see (NOT EXISTS: one anti-join;
    `exclude(pk__in=visible)` took 300 ms at 100k visible records, this 3-20 ms)."""
    membership = membership_for(user)
    if membership is None:
        return clients
    rows = _effective_rows(membership.agency.group_id, IDENTITY)
    return clients.filter(~Exists(rows.filter(content_object=OuterRef("pk"))))


@dataclass(frozen=True)
class ClientAccess:
    """What one user may do with one record, section by section."""

    view: frozenset[str]
    change: frozenset[str]

    def can_view(self, section: str) -> bool:
        return section in self.view

    def can_change(self, section: str) -> bool:
        return section in self.change


NO_ACCESS = ClientAccess(frozenset(), frozenset())


def access_for(user, client: Client) -> ClientAccess:
    return access_for_many(user, [client])[client.pk]


def access_for_many(user, clients: Iterable[Client]) -> dict[int, ClientAccess]:
    """`access_for` of several records, by id, in one query (a list of candidates must
    not cost a query per record)."""
    clients = list(clients)
    membership = membership_for(user)
    if membership is None or not clients:
        return {client.pk: NO_ACCESS for client in clients}
    today = timezone.localdate()
    codenames: dict[int, set[str]] = {client.pk: set() for client in clients}
    rows = ClientGroupObjectPermission.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        group_id=membership.agency.group_id,
        content_object__in=[client.pk for client in clients],
    ).values_list("content_object_id", "permission__codename")
    for pk, codename in rows:
        codenames[pk].add(codename)
    found = {}
    for client in clients:
        held = codenames[client.pk]
        whole = WHOLE_RECORD_PERM in held
        view = frozenset(s.slug for s in SECTIONS.values() if whole or s.view_perm in held)
        # A merged record is read-only: changes belong on its survivor.
        writable = membership.role == CASEWORKER and client.merged_into_id is None
        found[client.pk] = ClientAccess(view, view if writable else frozenset())
    return found


# --- Roles -------------------------------------------------------------------------------------


def _role(user) -> str | None:
    membership = membership_for(user)
    return membership.role if membership else None


def is_staff_member(user) -> bool:
    """Acting for an active agency: the precondition of every caseworker screen."""
    return membership_for(user) is not None


def is_supervising(user) -> bool:
    return _role(user) in SUPERVISING_ROLES


def may_register(user) -> bool:
    """Registering people (intake, household members) is casework: supervisors and
    agency admins oversee it and do not do it themselves."""
    return _role(user) == CASEWORKER


def may_import(user) -> bool:
    """Importing another system's file registers thousands of people at once: the
    agency's admins only."""
    return _role(user) == Membership.Role.AGENCY_ADMIN


def may_manage_api_clients(user) -> bool:
    """The credentials of agency systems (API clients and their keys) are managed by the
    agency's admins, for their own agency only; superusers for every agency."""
    if user.is_authenticated and user.is_superuser:
        return True
    return _role(user) == Membership.Role.AGENCY_ADMIN


def may_manage_every_agencys_api_clients(user) -> bool:
    """Superusers manage agency systems of every agency; an agency admin only their own."""
    return user.is_authenticated and user.is_superuser


def may_see_import(user, run) -> bool:
    membership = membership_for(user)
    return (
        membership is not None
        and membership.role == Membership.Role.AGENCY_ADMIN
        and membership.agency_id == run.agency_id
    )


def may_review_duplicates(user) -> bool:
    return is_supervising(user)


# --- Duplicates: who sees a pair, who merges it ------------------------------------------------
#
# A pair is reviewed by supervisors whose agency may see the identity of both records
# (e.g. through grants), and, when two different *public bodies* registered the two
# records, by supervisors of each of them: a probable duplicate is the reason (and the
# only one) for which one public body learns the identity (the AZR's core data, which
# public bodies share) of a record another public body registered. Nothing else of that
# record is shown before a merge. An NGO is not a public body: its records are shared
# with the person's consent only, and that a person sought an NGO's counselling is itself
# personal data, so no record crosses between an NGO and anybody else on this route
# (consent-based grants still open pairs the ordinary way).
#
# Merging: the agency that registered both records merges alone. Records two public
# bodies registered are merged when a supervisor of one proposes and a supervisor of the
# other approves; either of them may undo the merge alone (it only restores what both
# had before). Records involving an NGO's registration are not merged across agencies.


def _public_body(agency: Agency) -> bool:
    return agency.kind != Agency.Kind.NGO


def _is_cross_agency(a: Client, b: Client) -> bool:
    return a.registered_by_id != b.registered_by_id


def may_review_across_agencies(user, a: Client, b: Client) -> bool:
    """A supervising member of one of two public bodies that registered the two records:
    sees the pair, and of the other agency's record its identity."""
    membership = membership_for(user)
    return (
        membership is not None
        and membership.role in SUPERVISING_ROLES
        and _is_cross_agency(a, b)
        and membership.agency_id in (a.registered_by_id, b.registered_by_id)
        and _public_body(a.registered_by)
        and _public_body(b.registered_by)
    )


def duplicate_pairs_visible_to(user, pairs: QuerySet) -> QuerySet:
    """Of `pairs` (workflows.duplicates DuplicatePair rows, with `client_a`, `client_b`),
    those the user may review, in SQL: both records' identity visible to the agency, or,
    for a supervisor of a public body, pairs of a record it registered with a record
    another public body registered."""
    membership = membership_for(user)
    if membership is None or membership.role not in SUPERVISING_ROLES:
        return pairs.none()
    rows = _effective_rows(membership.agency.group_id, IDENTITY)
    both = Q(Exists(rows.filter(content_object=OuterRef("client_a")))) & Q(
        Exists(rows.filter(content_object=OuterRef("client_b")))
    )
    if not _public_body(membership.agency):
        return pairs.filter(both)
    own = membership.agency_id
    ngo = Agency.Kind.NGO
    across = (
        Q(client_a__registered_by_id=own)
        & ~Q(client_b__registered_by_id=own)
        & ~Q(client_b__registered_by__kind=ngo)
    ) | (
        Q(client_b__registered_by_id=own)
        & ~Q(client_a__registered_by_id=own)
        & ~Q(client_a__registered_by__kind=ngo)
    )
    return pairs.filter(both | across)


IDENTITY_ONLY = ClientAccess(frozenset({IDENTITY}), frozenset())


def duplicate_record_access(user, client: Client, other: Client) -> ClientAccess:
    """What the user may see of `client` on the page of its pair with `other`: what the
    agency holds; else, across public bodies, its identity only (read-only)."""
    access = access_for(user, client)
    if access.can_view(IDENTITY):
        return access
    if may_review_across_agencies(user, client, other):
        return IDENTITY_ONLY
    return NO_ACCESS


def may_merge_at_once(user, a: Client, b: Client) -> bool:
    """A supervising member of the agency that registered both records: then no agency
    gains or loses data by the merge (see workflows.duplicates.merge)."""
    membership = membership_for(user)
    return (
        membership is not None
        and membership.role in SUPERVISING_ROLES
        and a.registered_by_id == b.registered_by_id == membership.agency_id
    )


def may_merge(user, a: Client, b: Client) -> bool:
    """Taking part in merging the two records, and undoing their merge: a supervising
    member of the agency that registered both (it merges alone, `may_merge_at_once`), or,
    for records two public bodies registered, of either of them (one proposes, the other
    approves: `may_propose_merge`, `may_approve_merge`; either undoes)."""
    return may_merge_at_once(user, a, b) or may_review_across_agencies(user, a, b)


def may_propose_merge(user, a: Client, b: Client) -> bool:
    """Records registered by two public bodies: a supervisor of either proposes."""
    return may_review_across_agencies(user, a, b)


def may_approve_merge(user, a: Client, b: Client, *, proposing_agency_id: int) -> bool:
    """A supervisor of the *other* registering agency approves (or declines) a proposal."""
    membership = membership_for(user)
    return may_review_across_agencies(user, a, b) and membership.agency_id != proposing_agency_id


def may_withdraw_merge_proposal(user, a: Client, b: Client, *, proposing_agency_id: int) -> bool:
    """A supervisor of the proposing agency takes its proposal back."""
    membership = membership_for(user)
    return may_review_across_agencies(user, a, b) and membership.agency_id == proposing_agency_id


def may_read_pair_note(user, a: Client, b: Client, *, note_agency_id: int | None) -> bool:
    """The reason a caseworker gave for registering despite the match is free text of
    that caseworker's agency: its own staff read it, and an agency that registered one
    of the two records and sees both; never an agency the records were only handed to."""
    membership = membership_for(user)
    if membership is None:
        return False
    if membership.agency_id == note_agency_id:
        return True
    return (
        membership.agency_id in {a.registered_by_id, b.registered_by_id}
        and access_for(user, a).can_view(IDENTITY)
        and access_for(user, b).can_view(IDENTITY)
    )


def may_decide_not_same(user, a: Client, b: Client) -> bool:
    """ "Not the same person" takes the pair off every queue for good: only the agencies
    that registered one of the two records may say so, not one that merely holds grants."""
    membership = membership_for(user)
    return (
        membership is not None
        and membership.role in SUPERVISING_ROLES
        and membership.agency_id in (a.registered_by_id, b.registered_by_id)
    )


def may_read_audit(user) -> bool:
    """The audit log: supervisors and agency admins (their agency's staff), central admins
    (superusers: everyone's)."""
    return bool(user.is_authenticated and user.is_superuser) or is_supervising(user)


def audit_scope(user):
    """Whose events the user may read: None for everyone's (central admins), else the
    user's agency. Only meaningful where `may_read_audit` holds."""
    if user.is_superuser:
        return None
    membership = membership_for(user)
    return membership.agency if membership else None


def may_read_record_accesses(user) -> bool:
    """Who saw a record (GDPR Art. 15): supervisors and agency admins, for records whose
    identity their agency sees (checked by the caller through get_client_for)."""
    return is_supervising(user)


@dataclass(frozen=True)
class RecordAccessScope:
    """Whose audit events about one record "who saw this record" shows, and how much.

    `everyone`: every agency's events (and those of central admins and commands), whole.
    Otherwise the `in_full` agencies' events whole, and of the `by_name` agencies' events
    those with an action in `by_name_actions`, with the agency's name, time, action and
    outcome only (no user, role, sections or object). `taking_part` limits the grants and
    access requests asked about to those this agency took part in
    (`access.selectors.record_objects`).
    """

    everyone: bool = False
    in_full: frozenset[int] = frozenset()
    by_name: frozenset[int] = frozenset()
    by_name_actions: frozenset[str] = frozenset()
    taking_part: int | None = None

    @property
    def agency_ids(self) -> frozenset[int] | None:
        """The agencies whose events are shown whole; None for every agency's."""
        return None if self.everyone else self.in_full

    def shows_in_full(self, agency_id: int | None) -> bool:
        return self.everyone or agency_id in self.in_full


# What another agency may learn of the registering agency's events: that it read or
# changed the record, when. Handovers, requests and their decisions are left out: they
# would tell of offices the reader took no part in.
_READS_AND_CHANGES = frozenset(
    {
        AuditEvent.Action.VIEW,
        AuditEvent.Action.SEARCH,
        AuditEvent.Action.EXPORT,
        AuditEvent.Action.CREATE,
        AuditEvent.Action.UPDATE,
        AuditEvent.Action.DELETE,
        AuditEvent.Action.MERGE,
    }
)


def record_accesses_scope(user, client: Client) -> RecordAccessScope:
    """The journey's rule (`workflows.handover.selectors.journey`) for "who saw this
    record": the registering agency sees every agency's reads and changes; any other
    agency its own staff's in full and the registering agency's reads and changes by the
    agency's name only, never a third agency's (which offices a person visits is itself
    personal data). Only meaningful where `may_read_record_accesses` holds and the user's
    agency sees the record."""
    membership = membership_for(user)
    if membership is None:
        return RecordAccessScope()  # no agency: no agency's events
    if membership.agency_id == client.registered_by_id:
        return RecordAccessScope(everyone=True)
    return RecordAccessScope(
        in_full=frozenset({membership.agency_id}),
        by_name=frozenset({client.registered_by_id}),
        by_name_actions=_READS_AND_CHANGES,
        taking_part=membership.agency_id,
    )


def may_hand_over(user, client: Client) -> bool:
    """Caseworkers may pass on what their agency holds; identity at least."""
    return (
        _role(user) == CASEWORKER
        and client.merged_into_id is None
        and access_for(user, client).can_view(IDENTITY)
    )


def may_revoke(user, grant: Grant) -> bool:
    """The agency that granted, or the one that registered the person, may revoke; not
    the access a merge gave the agency whose record was merged away: that ends only
    with the merge's undo (which gives the agency its own record back)."""
    if grant.origin == Grant.Origin.MERGE:
        return False
    membership = membership_for(user)
    return membership is not None and membership.agency_id in (
        grant.granted_by_id,
        grant.client.registered_by_id,
    )


def may_request_access(user) -> bool:
    return _role(user) in STAFF_ROLES


def may_decide_requests(user) -> bool:
    """Deciding other agencies' requests for the agency's records: its supervisors and
    agency admins."""
    return is_supervising(user)


def may_decide_request(user, request: AccessRequest) -> bool:
    membership = membership_for(user)
    return may_decide_requests(user) and membership.agency_id == request.holding_agency_id


def may_accept_handover(user, grant: Grant) -> bool:
    """Any member of the receiving agency takes a handover into the agency's lists."""
    membership = membership_for(user)
    return membership is not None and membership.agency_id == grant.agency_id


# --- Case notes --------------------------------------------------------------------------------


def case_notes_visible_to(user, client: Client, notes: QuerySet) -> QuerySet:
    """Of `notes` (CaseNote rows), those of `client` the user may read. A note belongs to
    the agency that wrote it: the user reads their own agency's notes, and those of an
    agency that shared this record's case notes with theirs (an active grant naming the
    section, given by that agency), never a third agency's."""
    membership = membership_for(user)
    access = getattr(client, "access", None) or access_for(user, client)
    if membership is None or "case_notes" not in access.view:
        return notes.none()
    today = timezone.localdate()
    grants = Grant.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        client_id=client.pk,
        agency_id=membership.agency_id,
        status=Grant.Status.ACTIVE,
    ).values_list("granted_by_id", "sections")
    # Sections are a JSON list; a record has a handful of grants, read in Python (SQLite
    # has no JSON containment).
    sharing = {agency_id for agency_id, sections in grants if "case_notes" in sections}
    return notes.filter(client_id=client.pk, agency_id__in={membership.agency_id, *sharing})


# --- Import remarks ------------------------------------------------------------------------------


def import_remarks_visible_to(user, client: Client, remarks: QuerySet) -> QuerySet:
    """Of `remarks` (workflows.imports ImportRemark rows), those of `client` the user may
    read. They hold raw values from another system's file: only the agency that imported
    them reads them, and only in the sections of the record it sees."""
    membership = membership_for(user)
    if membership is None:
        return remarks.none()
    access = getattr(client, "access", None) or access_for(user, client)
    return remarks.filter(
        client_id=client.pk, agency_id=membership.agency_id, section__in=sorted(access.view)
    )


def may_resolve_import_remarks(user) -> bool:
    """Caseworkers correct the record, agency admins imported the file: both may mark a
    remark resolved. Supervisors read remarks."""
    return _role(user) in (CASEWORKER, Membership.Role.AGENCY_ADMIN)


def may_resolve_import_remark(user, client: Client, remark) -> bool:
    """A remark `import_remarks_visible_to` shows, on a record not merged away."""
    membership = membership_for(user)
    access = getattr(client, "access", None) or access_for(user, client)
    return (
        may_resolve_import_remarks(user)
        and membership.agency_id == remark.agency_id
        and remark.client_id == client.pk
        and remark.section in access.view
        and client.merged_into_id is None
    )
