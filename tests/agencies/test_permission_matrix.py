"""The permission matrix: viewing agency x role x granted section x grant state, against
the URL patterns of the project that take an id, plus search, the inbox and the audit log.

The expected access is decided here, independently of agencies.access: the holding
agency (LAF, which registered the person) sees every section; the other agency
(Sozialamt) sees identity plus the granted section while its grant is effective, and
nothing otherwise. Caseworkers change what their agency sees; supervisors and agency
admins only read.

The URLs come from the resolver. Every pattern that takes parameters must be listed in
ROUTES (how to fill in its ids, what each viewer must get); every other pattern in
LIST_PAGES or PAGES_WITHOUT_RECORDS. A view added later fails
`test_every_url_pattern_is_in_the_matrix` until someone has thought about it.

Every URL is walked by every agency and role in every grant state, with search, the
inbox and the audit log; the other agency walks them in every section of an effective
grant (see `walks_every_url`). In all other combinations the detail page is checked,
and the other agency's searches.

Without access the answer is 404, so that another agency does not learn that a record
exists. Exceptions, by design:
- clients:client-handover answers 403 to supervisors and agency admins, who may see
  the record but not hand it over;
- clients:household-member-add (and the intake, clients:client-create) answer 403 to
  supervisors and agency admins, whatever the id: only caseworkers register people;
- audit:record-accesses (who saw the record, also as CSV) and the audit log answer 403
  to caseworkers, whatever the id: a role check before any record is looked up;
- inbox:request-create answers 200 to the agency the signed token was issued to
  (in every state); the page shows the holder, the family name's initial and the
  birth year, and no value of any section;
- the inbox names the person and the household member of a pending handover, and so
  does the confirmation page of its decline (the empty POST of handover-decide);
- the POST-only views (case-note-add, grant-revoke, handover-decide, merge-undo) answer
  405 to GET, after the role check (403 to a refused role).

Every response body is searched (case-insensitively) for distinctive values of each
section: a value of a section the viewer may not see must never appear.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import formats, timezone, translation

from access import hints
from access.models import AccessRequest, ClientGroupObjectPermission, Grant
from access.rows import access_rebuild
from agencies import services as agency_services
from agencies.models import Agency, LegalBasis, Membership, User
from clients import services as client_services
from clients.models import CaseNote, Client, IdentityDocument
from core.dates import PartialDate
from core.sections import FORM_SECTIONS, IDENTITY, SECTIONS
from workflows.handover import services as handover_services
from workflows.intake import services as intake_services

pytestmark = pytest.mark.django_db

# --- The person, with values no template, label or random token contains ----------------

FAMILY_NAME = "Zzyxkowa"
GIVEN_NAMES = "Quirinella"
FORMER_NAMES = "Vrotzlavska"
STREET_BEFORE = "Quellwurzgasse 3"
STREET = "Xylographenweg 77"
PHONE = "+49 30 98765432"
PHONE_DIGITS = "98765432"
EMAIL = "lumbrikus@example.org"
ARRIVAL_BEFORE = dt.date(1999, 12, 17)
ARRIVAL = dt.date(2000, 11, 29)
DOCUMENT_NUMBER_BEFORE = "ZQ918273"
DOCUMENT_NUMBER = "ZQ640517"
MEMBER_FAMILY_NAME = "Pfefferkornova"
CASE_NOTE = "Mirabellenkompott"
SENSITIVE_BEFORE = "Glimmerquarz"
SENSITIVE = "Schattenmorelle"
BIRTH_DATE = PartialDate(1985, 7, 3)


def _date_markers(day: dt.date) -> tuple[str, ...]:
    """A date as the German and English pages and the date inputs write it."""
    return (day.strftime("%d.%m.%Y"), day.isoformat(), day.strftime("%m/%d/%Y"))


# Every value the record holds in each section (also former values, which the history
# shows). The household's value is the name of the other member of the household.
MARKERS: dict[str, tuple[str, ...]] = {
    "identity": (FAMILY_NAME, GIVEN_NAMES, FORMER_NAMES),
    "contact": (STREET_BEFORE, STREET, PHONE_DIGITS, EMAIL),
    "residence": (*_date_markers(ARRIVAL_BEFORE), *_date_markers(ARRIVAL)),
    "documents": (DOCUMENT_NUMBER_BEFORE, DOCUMENT_NUMBER),
    "household": (MEMBER_FAMILY_NAME,),
    "case_notes": (CASE_NOTE,),
    "sensitive": (SENSITIVE_BEFORE, SENSITIVE),
}
# What the detail page must show of each section it shows (the current values).
ON_DETAIL: dict[str, tuple[str, ...]] = {
    "identity": (FAMILY_NAME, GIVEN_NAMES, FORMER_NAMES),
    "contact": (STREET, PHONE_DIGITS, EMAIL),
    "residence": (ARRIVAL.strftime("%d.%m.%Y"),),
    "documents": (DOCUMENT_NUMBER,),
    "household": (),  # the member, when the viewer may see them: see _must_show
    "case_notes": (CASE_NOTE,),
    "sensitive": (SENSITIVE,),
}
# What the history must show of each section (the changes made after registration).
IN_HISTORY: dict[str, tuple[str, ...]] = {
    "identity": (FORMER_NAMES,),
    "contact": (STREET_BEFORE, STREET),
    "residence": (ARRIVAL_BEFORE.strftime("%d.%m.%Y"), ARRIVAL.strftime("%d.%m.%Y")),
    "documents": (DOCUMENT_NUMBER_BEFORE, DOCUMENT_NUMBER),
    "household": (),
    "case_notes": (),
    "sensitive": (SENSITIVE_BEFORE, SENSITIVE),
}

# --- The matrix's axes ---------------------------------------------------------------

HOLDER, OTHER = "laf", "sozialamt"
AGENCY_KEYS = (HOLDER, OTHER)
ROLES = tuple(Membership.Role.values)
CASEWORKER = Membership.Role.CASEWORKER
SUPERVISING = {Membership.Role.SUPERVISOR, Membership.Role.AGENCY_ADMIN}

STATES = (
    "none",
    "active",  # handed over (with the household) and accepted
    "approved_request",  # asked for, approved by LAF's supervisor
    "expired",  # the grant's end date moved into the past, rows rebuilt
    "expired_row_only",  # only the permission rows carry a past end date
    "revoked",  # accepted, then revoked by LAF
    "pending_handover",
    "declined_handover",
    "pending_request",
)
# Further states, checked by test_further_grant_states (detail page and search).
FURTHER_STATES = ("active_until_today", "revoked_before_acceptance", "declined_request")
EFFECTIVE_STATES = {"active", "active_until_today", "approved_request"}
# States in which the household member was handed over (and accepted) with the person.
MEMBER_SHARED_STATES = {"active", "active_until_today"}

# Which combinations walk every URL: every agency, role and grant state does, in one
# section per state (the sections take turns); and the other agency does in every
# section of an effective grant, where what it sees depends on the section.
# Elsewhere the section makes no difference by design (the holder sees everything, the
# other agency nothing): the detail page must say so, and the other agency's searches.
WALKED_SECTION = {state: list(SECTIONS)[i % len(SECTIONS)] for i, state in enumerate(STATES)}


def walks_every_url(agency_key: str, section: str, state: str) -> bool:
    if section == WALKED_SECTION[state]:
        return True
    return agency_key == OTHER and state in EFFECTIVE_STATES


VIEWERS = tuple((agency_key, role) for agency_key in AGENCY_KEYS for role in ROLES)
COMBINATIONS = [(section, state) for section in SECTIONS for state in STATES]
MATRIX_SIZE = len(VIEWERS) * len(COMBINATIONS)

MISSING_ID = 2_000_000_000

assert set(MARKERS) == set(SECTIONS) == set(ON_DETAIL) == set(IN_HISTORY), (
    "a new section needs distinctive values in this matrix"
)


# --- The world of one combination ------------------------------------------------------


@dataclass
class World:
    section: str
    state: str
    agencies: dict[str, Agency]
    users: dict[tuple[str, str], User]
    client: Client
    member: Client
    document: IdentityDocument
    # One logged-in test client per viewer; their sessions belong to the module's record.
    browsers: dict[tuple[str, str], HttpClient]
    grant: Grant | None = None
    access_request: AccessRequest | None = None


@dataclass(frozen=True)
class Viewer:
    agency_key: str
    role: str
    user: User
    view: frozenset[str]  # the sections the matrix expects this viewer to see
    sees_member: bool
    http: HttpClient

    @property
    def is_holder(self) -> bool:
        return self.agency_key == HOLDER

    def can_change(self, section: str) -> bool:
        return self.role == CASEWORKER and section in self.view

    def __str__(self) -> str:
        return f"{self.agency_key}/{self.role}"


def viewer_for(world: World, agency_key: str, role: str) -> Viewer:
    if agency_key == HOLDER:
        view, sees_member = frozenset(SECTIONS), True
    elif world.state in EFFECTIVE_STATES:
        view = frozenset({IDENTITY, world.section})
        sees_member = world.state in MEMBER_SHARED_STATES
    else:
        view, sees_member = frozenset(), False
    key = (agency_key, role)
    return Viewer(agency_key, role, world.users[key], view, sees_member, world.browsers[key])


def build_record() -> World:
    """LAF registers the person, with a change history, a document, a household member
    and a case note; staff of every role at LAF and at the Sozialamt; no grant yet."""
    agencies = {
        HOLDER: agency_services.agency_create(
            name="Landesamt für Flüchtlingsangelegenheiten",
            slug="laf",
            kind=Agency.Kind.REFUGEE_OFFICE,
        ),
        OTHER: agency_services.agency_create(
            name="Sozialamt Marzahn-Hellersdorf",
            slug="sozialamt-mh",
            kind=Agency.Kind.SOCIAL_WELFARE_OFFICE,
        ),
    }
    users = {}
    for agency_key, role in VIEWERS:
        user = User.objects.create(username=f"{agency_key}.{role}")
        agency_services.membership_set(user=user, agency=agencies[agency_key], role=role)
        users[agency_key, role] = user
    laf_caseworker = users[HOLDER, CASEWORKER]

    client = intake_services.client_register(
        agency=agencies[HOLDER],
        actor=laf_caseworker,
        fields={
            "family_name": FAMILY_NAME,
            "given_names": GIVEN_NAMES,
            "sex": "f",
            "birth_date": BIRTH_DATE,
            "nationalities": ["UA"],
            "phone": PHONE,
            "email": EMAIL,
            "street": STREET_BEFORE,
            "postcode": "10243",
            "arrival_date": ARRIVAL_BEFORE,
            "residence_status": "temporary_protection",
            "special_protection_needs": True,
            "sensitive_notes": SENSITIVE_BEFORE,
        },
    )
    client = client_services.client_update(
        client=client,
        actor=laf_caseworker,
        fields={
            "former_names": FORMER_NAMES,
            "street": STREET,
            "arrival_date": ARRIVAL,
            "sensitive_notes": SENSITIVE,
        },
        seen_version=client_services.IGNORE_VERSION,
    )
    document = client_services.document_add(
        client=client,
        actor=laf_caseworker,
        fields={"doc_type": "passport", "number": DOCUMENT_NUMBER_BEFORE, "issuing_country": "UA"},
    )
    document = client_services.document_update(
        document=document,
        actor=laf_caseworker,
        fields={"number": DOCUMENT_NUMBER},
        seen_version=client_services.IGNORE_VERSION,
    )
    member = intake_services.household_member_add(
        anchor=client,
        agency=agencies[HOLDER],
        actor=laf_caseworker,
        role="child",
        fields={"family_name": MEMBER_FAMILY_NAME, "given_names": "Taras", "sex": "m"},
    )
    client_services.case_note_add(
        client=client, agency=agencies[HOLDER], actor=laf_caseworker, text=CASE_NOTE
    )
    client.refresh_from_db()
    browsers = {}
    for key, user in users.items():
        browsers[key] = HttpClient()
        browsers[key].force_login(user)
    return World("", "none", agencies, users, client, member, document, browsers)


def world_in(record: World, section: str, state: str) -> World:
    """The record with the grant of `section` to the Sozialamt put into `state`, through
    the services (inside the test's transaction)."""
    world = replace(record, section=section, state=state, grant=None, access_request=None)
    _put_grant_into_state(world)
    if world.grant is not None:
        world.grant.refresh_from_db()
    return world


@pytest.fixture(autouse=True)
def _quiet_refusals(caplog):
    # Thousands of expected 403/404/405 warnings would bury the problems in the report;
    # a 500 is still logged (at ERROR) and counted as a problem.
    caplog.set_level(logging.ERROR, logger="django.request")


@pytest.fixture(scope="module")
def record(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once for the module, in a transaction rolled back at its end; every test
    runs in a savepoint inside it (pytest-django supports such outer transactions)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_record()
        transaction.set_rollback(True)


def _put_grant_into_state(world: World) -> None:
    state, other = world.state, world.agencies[OTHER]
    laf_caseworker = world.users[HOLDER, CASEWORKER]
    basis, _created = LegalBasis.objects.get_or_create(
        code="consent", defaults={"title": "Einwilligung", "is_consent": True}
    )
    today = timezone.localdate()
    if state == "none":
        return
    if state in ("pending_request", "declined_request", "approved_request"):
        world.access_request = handover_services.access_request_create(
            actor=world.users[OTHER, CASEWORKER],
            client=world.client,
            sections=[world.section],
            legal_basis=basis,
            purpose="Leistungen nach dem AsylbLG",
        )
        if state != "pending_request":
            world.access_request = handover_services.access_request_decide(
                actor=world.users[HOLDER, Membership.Role.SUPERVISOR],
                request=world.access_request,
                approve=state == "approved_request",
            )
            world.grant = world.access_request.grant
        return

    grants = handover_services.handover_create(
        actor=laf_caseworker,
        clients=[world.client, world.member],
        agency=other,
        sections=[world.section],
        legal_basis=basis,
        purpose="Leistungen nach dem AsylbLG",
        expires_on=today if state == "active_until_today" else None,
    )
    world.grant = grants[0]
    if state == "pending_handover":
        return
    if state == "revoked_before_acceptance":
        for grant in grants:
            handover_services.grant_revoke(actor=laf_caseworker, grant=grant)
        return
    handover_services.handover_decide(
        actor=world.users[OTHER, CASEWORKER],
        handover_id=world.grant.handover_id,
        accept=state != "declined_handover",
    )
    yesterday = today - dt.timedelta(days=1)
    if state == "revoked":
        for grant in grants:
            handover_services.grant_revoke(actor=laf_caseworker, grant=grant)
    elif state == "expired":
        Grant.objects.filter(pk__in=[g.pk for g in grants]).update(expires_on=yesterday)
        for client in (world.client, world.member):
            access_rebuild(client=client, agency=other)
    elif state == "expired_row_only":
        # No rebuild: the rows alone must stop the access (no cron needed to be correct).
        ClientGroupObjectPermission.objects.filter(group_id=other.group_id).update(
            expires_on=yesterday
        )


# --- URL patterns, from the resolver ------------------------------------------------------

# The API has its own matrix (tests/api/matrix.py, tests/api/test_permission_matrix.py).
SKIPPED_PREFIXES = ("admin/", "api/")


@dataclass(frozen=True)
class UrlPattern:
    name: str
    route: str
    params: frozenset[str]


def project_url_patterns(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = "", params=()
) -> Iterator[UrlPattern]:
    """Every URL pattern of the project (outside the Django admin), with its parameters
    collected through the includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        found = frozenset(params) | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            if route.startswith(SKIPPED_PREFIXES):
                continue
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from project_url_patterns(entry, route, inner, found)
        else:
            assert isinstance(entry, URLPattern)
            name = entry.name or route  # unnamed: cannot be reversed, will not be mapped
            yield UrlPattern(f"{namespace}:{name}" if namespace else name, route, found)


# --- What each URL must answer -------------------------------------------------------------

Expect = Callable[[Viewer, World], int]


@dataclass(frozen=True)
class Probe:
    kwargs: dict
    expect: Expect
    query: str = ""  # e.g. "format=csv" for an export


Probes = Callable[[World, Viewer], list[Probe]]


def _no_probes(world: World, viewer: Viewer) -> list[Probe]:
    return []


@dataclass(frozen=True)
class Route:
    params: frozenset[str]
    # What depends on the grant: walked in every combination of the matrix.
    probes: Probes
    post_only: bool = False
    # What does not depend on the grant (wrong ids, wrong tokens): walked once per viewer.
    edge_probes: Probes = _no_probes


def _sees(section: str) -> Expect:
    return lambda viewer, world: 200 if section in viewer.view else 404


def _changes(section: str) -> Expect:
    return lambda viewer, world: 200 if viewer.can_change(section) else 404


def _registers(section: str) -> Expect:
    # Refused by role before the record is looked up: only caseworkers register people.
    def expect(viewer: Viewer, world: World) -> int:
        if viewer.role in SUPERVISING:
            return 403
        return 200 if viewer.can_change(section) else 404

    return expect


def _posts(section: str) -> Expect:
    # An empty POST: the view redirects back (with a message), or 404 without the right.
    return lambda viewer, world: 302 if viewer.can_change(section) else 404


def _record(expect: Expect) -> Callable[[World, Viewer], list[Probe]]:
    return lambda world, viewer: [Probe({"pk": world.client.pk}, expect)]


def _edit_probes(world: World, viewer: Viewer) -> list[Probe]:
    return [
        Probe({"pk": world.client.pk, "section": slug}, _changes(slug)) for slug in FORM_SECTIONS
    ]


def _edit_edge_probes(world: World, viewer: Viewer) -> list[Probe]:
    """Sections without a form of their own, and no section at all: 404 for everyone."""
    return [
        Probe({"pk": world.client.pk, "section": slug}, lambda v, w: 404)
        for slug in [*(slug for slug in SECTIONS if slug not in FORM_SECTIONS), "unknown"]
    ]


def _handover_expect(viewer: Viewer, world: World) -> int:
    # The one screen that knows the viewer may see the record but not do the action.
    if IDENTITY not in viewer.view:
        return 404
    return 200 if viewer.role == CASEWORKER else 403


def _revoke_probes(world: World, viewer: Viewer) -> list[Probe]:
    if world.grant is None:
        return [Probe({"grant_pk": MISSING_ID}, lambda v, w: 404)]
    # LAF granted and registered: any of its roles may revoke, after a confirmation page
    # (the empty POST of the button on the record); an ended grant only gets a message
    # once confirmed. The receiving agency may not revoke.
    return [Probe({"grant_pk": world.grant.pk}, lambda v, w: 200 if v.is_holder else 404)]


def _handover_decide_probes(world: World, viewer: Viewer) -> list[Probe]:
    if world.grant is None or world.grant.origin != Grant.Origin.HANDOVER:
        return [Probe({"handover_id": uuid.uuid4()}, lambda v, w: 404)]

    def expect(v: Viewer, w: World) -> int:
        # An empty POST asks to confirm a decline (and its reason); any member of the
        # receiving agency may decide.
        pending = w.grant.status == Grant.Status.PENDING
        return 200 if pending and not v.is_holder else 404

    return [Probe({"handover_id": world.grant.handover_id}, expect)]


def _request_create_probes(world: World, viewer: Viewer) -> list[Probe]:
    # The page shows the holder, the initial and the birth year to whoever holds the token.
    return [Probe({"token": hints.hint_for(viewer.user, world.client)}, lambda v, w: 200)]


def _request_create_edge_probes(world: World, viewer: Viewer) -> list[Probe]:
    """A search hands out signed tokens; only the agency it was issued to may use one."""
    other_key = OTHER if viewer.is_holder else HOLDER
    other_user = world.users[other_key, CASEWORKER]
    return [
        Probe({"token": hints.hint_for(other_user, world.client)}, lambda v, w: 404),
        Probe({"token": "not-a-token"}, lambda v, w: 404),
    ]


def _request_decide_probes(world: World, viewer: Viewer) -> list[Probe]:
    if world.access_request is None:
        return [Probe({"pk": MISSING_ID}, lambda v, w: 404)]

    def expect(v: Viewer, w: World) -> int:
        pending = w.access_request.status == AccessRequest.Status.PENDING
        return 200 if pending and v.is_holder and v.role in SUPERVISING else 404

    return [Probe({"pk": world.access_request.pk}, expect)]


def _supervising_sees(section: str) -> Expect:
    # Refused by role before the record is looked up: the same 403 for every id.
    def expect(viewer: Viewer, world: World) -> int:
        if viewer.role not in SUPERVISING:
            return 403
        return 200 if section in viewer.view else 404

    return expect


def _record_accesses_probes(world: World, viewer: Viewer) -> list[Probe]:
    expect = _supervising_sees(IDENTITY)
    return [
        Probe({"pk": world.client.pk}, expect),
        Probe({"pk": world.client.pk}, expect, query="format=csv"),
    ]


def _review_probes(world: World, viewer: Viewer) -> list[Probe]:
    """The duplicate review (pair page, undo of a merge) is refused by role first; the
    pairs and merges themselves are checked in tests/clients/test_review_queue.py and
    test_merge.py (the matrix's world has none)."""
    return [Probe({"pk": MISSING_ID}, lambda v, w: 404 if v.role in SUPERVISING else 403)]


def _remark_expect(viewer: Viewer, world: World) -> int:
    return 403 if viewer.role == Membership.Role.SUPERVISOR else 404


ROUTES: dict[str, Route] = {
    "clients:client-detail": Route(frozenset({"pk"}), _record(_sees(IDENTITY))),
    "clients:client-history": Route(frozenset({"pk"}), _record(_sees(IDENTITY))),
    "clients:handover-sheet": Route(frozenset({"pk"}), _record(_sees(IDENTITY))),
    "clients:client-print": Route(frozenset({"pk"}), _record(_sees(IDENTITY))),
    "clients:client-azr-export": Route(frozenset({"pk"}), _record(_sees(IDENTITY))),
    "clients:client-edit": Route(
        frozenset({"pk", "section"}), _edit_probes, edge_probes=_edit_edge_probes
    ),
    "clients:household-member-add": Route(frozenset({"pk"}), _record(_registers("household"))),
    "clients:document-create": Route(frozenset({"pk"}), _record(_changes("documents"))),
    "clients:document-edit": Route(
        frozenset({"pk", "document_pk"}),
        lambda world, viewer: [
            Probe({"pk": world.client.pk, "document_pk": world.document.pk}, _changes("documents"))
        ],
    ),
    "clients:case-note-add": Route(
        frozenset({"pk"}), _record(_posts("case_notes")), post_only=True
    ),
    "clients:client-handover": Route(frozenset({"pk"}), _record(_handover_expect)),
    "clients:grant-revoke": Route(frozenset({"grant_pk"}), _revoke_probes, post_only=True),
    "inbox:handover-decide": Route(
        frozenset({"handover_id"}), _handover_decide_probes, post_only=True
    ),
    "inbox:request-create": Route(
        frozenset({"token"}), _request_create_probes, edge_probes=_request_create_edge_probes
    ),
    "inbox:request-decide": Route(frozenset({"pk"}), _request_decide_probes),
    "audit:record-accesses": Route(frozenset({"pk"}), _record_accesses_probes),
    "clients:duplicate-pair": Route(frozenset({"pk"}), _review_probes),
    "clients:merge-undo": Route(frozenset({"pk"}), _review_probes, post_only=True),
    # Resolving an import remark: refused to supervisors by role; the matrix's world has
    # no remark, so 404 for everyone else (remarks: tests/imports/test_remarks.py).
    "clients:import-remark-resolve": Route(
        frozenset({"pk", "remark_pk"}),
        lambda world, viewer: [
            Probe({"pk": world.client.pk, "remark_pk": MISSING_ID}, _remark_expect)
        ],
        post_only=True,
    ),
    # Import runs are the agency admins' (404 to everyone else); the matrix's world has
    # none: checked in tests/clients/test_import.py.
    "clients:client-import-detail": Route(
        frozenset({"pk"}), lambda w, v: [Probe({"pk": MISSING_ID}, lambda v, w: 404)]
    ),
}
# Refused by role (403) before any id is looked up: the roles refused.
REFUSED_BY_ROLE = {
    "audit:record-accesses": {CASEWORKER},
    "clients:duplicate-pair": {CASEWORKER},
    "clients:merge-undo": {CASEWORKER},
    "clients:household-member-add": SUPERVISING,
    "clients:import-remark-resolve": {Membership.Role.SUPERVISOR},
}
# Pages without ids that list records: checked with their own assertions below.
# (The duplicate queue: checked in tests/clients/test_review_queue.py.)
LIST_PAGES = {
    "home",
    "clients:client-search",
    "inbox:inbox",
    "audit:event-list",
    "clients:duplicate-queue",
}
# Pages without ids that show no record (checked once per viewer for leaks and 500s).
# (The import page answers 403 to all but agency admins and lists only import runs.)
PAGES_WITHOUT_RECORDS = {
    "login",
    "login-verify",
    "logout",
    "language-set",
    "account:security",
    "account:two-factor-setup",
    "account:backup-codes",
    "account:password-change",
    "account:session-list",
    "account:session-end",
    "account:sessions-end-others",
    "clients:client-create",
    "clients:client-import",
    # The load balancer's probes: public, JSON without any record (tests/test_health.py).
    "healthz",
    "readyz",
}
# POST-only pages without ids that list records, checked in their own test files:
# the intake duplicate check (tests/clients/test_intake_duplicates.py), the intake
# pre-filled from an AZR file, which runs it too (tests/azr/test_pages.py).
CHECKED_ELSEWHERE = {"clients:duplicate-check", "clients:client-prefill-azr"}


def url_name(url: str) -> str:
    match = resolve(url)
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


# --- Running requests and judging bodies ------------------------------------------------------


@dataclass
class Checker:
    """Collects every problem of one world, so a failure lists all of them at once."""

    problems: list[str] = field(default_factory=list)
    requests: int = 0

    def request(self, who: Viewer, http: HttpClient, method: str, url: str, data=None):
        """One request; a POST runs in a savepoint that is rolled back, so every request
        sees the world as built, even an empty POST that declines or revokes."""
        self.requests += 1
        try:
            if method == "GET":
                return http.get(url)
            with transaction.atomic():
                response = http.post(url, data or {})
                transaction.set_rollback(True)
        except Exception as error:  # a view that raises is a 500 for the user
            self.problems.append(f"{who} {method} {url}: 500 ({error!r})")
            return None
        return response

    def assert_no_problems(self, title: str = "") -> None:
        if self.problems:
            pytest.fail(
                "\n".join([title, *self.problems] if title else self.problems), pytrace=False
            )

    def expect_status(self, who: Viewer, method: str, url: str, response, expected: int) -> None:
        if response is not None and response.status_code != expected:
            self.problems.append(
                f"{who} {method} {url}: {response.status_code}, expected {expected}"
            )

    def expect_hidden(
        self, who: Viewer, what: str, body: str, allowed: frozenset[str], echoed=()
    ) -> None:
        text = body.casefold()
        for section, markers in MARKERS.items():
            if section in allowed:
                continue
            for marker in markers:
                if marker not in echoed and marker.casefold() in text:
                    self.problems.append(
                        f"{who} {what}: shows {marker!r} of section {section!r}, "
                        f"may see {sorted(allowed)}"
                    )

    def expect_shown(self, who: Viewer, what: str, body: str, markers) -> None:
        text = body.casefold()
        for marker in markers:
            if marker.casefold() not in text:
                self.problems.append(f"{who} {what}: does not show {marker!r}")


def _must_show(viewer: Viewer, table: dict[str, tuple[str, ...]]) -> list[str]:
    markers = [marker for slug in viewer.view for marker in table[slug]]
    if table is ON_DETAIL and "household" in viewer.view and viewer.sees_member:
        markers.append(MEMBER_FAMILY_NAME)
    return markers


def walk_record_urls(
    check: Checker, http: HttpClient, viewer: Viewer, world: World, only=None
) -> None:
    for pattern in project_url_patterns():
        if not pattern.params or (only is not None and pattern.name not in only):
            continue
        route = ROUTES.get(pattern.name)
        if route is None:
            check.problems.append(f"{pattern.route} ({pattern.name}) takes ids: add it to ROUTES")
            continue
        for probe in route.probes(world, viewer):
            url = reverse(pattern.name, kwargs=probe.kwargs)
            url += f"?{probe.query}" if probe.query else ""
            expected = probe.expect(viewer, world)
            method = "POST" if route.post_only else "GET"
            response = check.request(viewer, http, method, url)
            if response is None:
                continue
            check.expect_status(viewer, method, url, response, expected)
            body = response.content.decode()
            allowed = viewer.view
            if pattern.name == "inbox:handover-decide" and response.status_code == 200:
                # The decline's confirmation page names whom a pending handover offers
                # (name, birth date), as the inbox does.
                allowed = allowed | {IDENTITY, "household"}
            check.expect_hidden(viewer, f"{method} {pattern.name}", body, allowed)
            if response.status_code != 200:
                continue
            if pattern.name in ("clients:client-detail", "clients:client-print"):
                # The printed record shows what the detail page shows, section by section.
                what = "detail" if pattern.name == "clients:client-detail" else "print"
                check.expect_shown(viewer, what, body, _must_show(viewer, ON_DETAIL))
                for slug in SECTIONS:
                    shown = f'id="{slug}"' in body
                    if shown != (slug in viewer.view):
                        check.problems.append(f"{viewer} {what}: section {slug!r} shown={shown}")
            elif pattern.name == "clients:client-history":
                check.expect_shown(viewer, "history", body, _must_show(viewer, IN_HISTORY))


REFERENCE_CODE = object()  # stands for the record's code, which is random
# Searched in every grant state only once per agency and role (see below).
BY_REFERENCE_CODE = (({"reference_code": REFERENCE_CODE}, IDENTITY, ()),)
SEARCHES = (
    # criteria, the section the match needs, the marker the form echoes back
    # A full name with a full birth date: the search that may earn a hint.
    (
        {"name": f"{FAMILY_NAME} {GIVEN_NAMES}", "birth_date": str(BIRTH_DATE)},
        IDENTITY,
        (FAMILY_NAME, GIVEN_NAMES),
    ),
    ({"document_number": DOCUMENT_NUMBER}, "documents", (DOCUMENT_NUMBER,)),
    ({"phone": "030 98765432"}, "contact", (PHONE_DIGITS,)),
)


def _searches(viewer: Viewer):
    # Without access to the record every search finds nothing: the name stands for all.
    return SEARCHES if viewer.view else SEARCHES[:1]


def check_search(
    check: Checker, http: HttpClient, viewer: Viewer, world: World, searches=SEARCHES
) -> None:
    """The record is a result only when the criterion's section is visible; otherwise
    a hint ("a record exists at LAF") appears only for records not visible at all."""
    url = reverse("clients:client-search")
    for criteria, needs, echoed in searches:
        data = {
            key: world.client.reference_code if value == REFERENCE_CODE else value
            for key, value in criteria.items()
        }
        response = check.request(viewer, http, "POST", url, data)
        if response is None:
            continue
        check.expect_status(viewer, f"search {sorted(data)}", url, response, 200)
        found = [result.client.pk for result in response.context["page"].object_list]
        should_find = needs in viewer.view
        if found != ([world.client.pk] if should_find else []):
            check.problems.append(
                f"{viewer} search by {sorted(data)}: found {found}, expected "
                f"{'the record' if should_find else 'nothing'}"
            )
        hinted = bool(response.context["hints"])
        if hinted != (IDENTITY not in viewer.view):
            check.problems.append(f"{viewer} search by {sorted(data)}: hint shown={hinted}")
        body = response.content.decode()
        check.expect_hidden(viewer, f"search by {sorted(data)}", body, viewer.view, echoed=echoed)


def check_detail_and_search(check: Checker, viewer: Viewer, world: World) -> None:
    """Where the section makes no difference by design: the holder's detail page shows
    every section; the other agency's detail page and searches show what it may see."""
    walk_record_urls(check, viewer.http, viewer, world, only={"clients:client-detail"})
    if not viewer.is_holder:
        check_search(check, viewer.http, viewer, world, searches=_searches(viewer))


def check_inbox(check: Checker, http: HttpClient, viewer: Viewer, world: World) -> None:
    url = reverse("inbox:inbox")
    response = check.request(viewer, http, "GET", url)
    if response is None:
        return
    check.expect_status(viewer, "GET", url, response, 200)
    allowed = viewer.view
    if world.state == "pending_handover" and not viewer.is_holder:
        # An offered handover names whom it offers (name, birth date), and no more:
        # the person and the household member handed over together.
        allowed = allowed | {IDENTITY, "household"}
    check.expect_hidden(viewer, "inbox", response.content.decode(), allowed)


def check_start_page(check: Checker, http: HttpClient, viewer: Viewer, world: World) -> None:
    """The start page lists records the viewer opened (the walk opened the person's) and
    the agency's registrations today (LAF registered the person and the household
    member): names and birth dates of records the viewer's agency may see, no more."""
    url = reverse("home")
    response = check.request(viewer, http, "GET", url)
    if response is None:
        return
    check.expect_status(viewer, "GET", url, response, 200)
    body = response.content.decode()
    check.expect_hidden(viewer, "start page", body, viewer.view)
    if IDENTITY in viewer.view:
        check.expect_shown(viewer, "start page", body, [FAMILY_NAME])


def check_audit_log(check: Checker, http: HttpClient, viewer: Viewer, world: World) -> None:
    """The supervisors' audit log shows their own staff's events: ids and section names,
    never values."""
    url = f"{reverse('audit:event-list')}?client={world.client.pk}"
    response = check.request(viewer, http, "GET", url)
    if response is not None:
        check.expect_status(viewer, "GET", url, response, 403 if viewer.role == CASEWORKER else 200)
        check.expect_hidden(viewer, "audit log", response.content.decode(), viewer.view)


# --- Counting, for the report ------------------------------------------------------------------

TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_matrix_size(request):
    started = time.monotonic()
    yield
    if not TALLY["combinations"]:
        return
    line = (
        f"permission matrix: {TALLY['combinations']} combinations (agency x role x section x "
        f"grant state): {TALLY['full_walks']} walked all {len(ROUTES)} URL patterns with ids "
        f"+ search + inbox, {TALLY['detail_and_search']} the detail page (and the other "
        f"agency's searches); {TALLY['requests']} requests; module ran "
        f"{time.monotonic() - started:.1f} s"
    )
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


# --- The tests -----------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_matrix():
    patterns = list(project_url_patterns())
    names = [pattern.name for pattern in patterns]
    with_ids = {p.name: p.params for p in patterns if p.params}
    without_ids = {p.name for p in patterns if not p.params}

    assert sorted(set(with_ids) - set(ROUTES)) == [], (
        "URL patterns taking ids that the permission matrix does not know: add them to ROUTES"
    )
    assert sorted(without_ids - LIST_PAGES - PAGES_WITHOUT_RECORDS - CHECKED_ELSEWHERE) == [], (
        "New pages without ids: list them in LIST_PAGES (and check them) or PAGES_WITHOUT_RECORDS"
    )
    assert {name: with_ids[name] for name in ROUTES if name in with_ids} == {
        name: route.params for name, route in ROUTES.items()
    }, "stale or changed entries in ROUTES"
    assert len(names) == len(set(names)), "every pattern needs its own name"
    assert "admin:index" not in names


@pytest.mark.parametrize("size", [MATRIX_SIZE], ids=[f"{MATRIX_SIZE}-combinations"])
def test_every_agency_role_and_state_walks_every_url(size):
    assert size == len(AGENCY_KEYS) * len(ROLES) * len(SECTIONS) * len(STATES)
    walked = {
        (agency_key, role, section, state)
        for agency_key, role in VIEWERS
        for section, state in COMBINATIONS
        if walks_every_url(agency_key, section, state)
    }
    assert {(a, r, st) for a, r, _se, st in walked} == {
        (a, r, st) for a, r in VIEWERS for st in STATES
    }
    assert {(a, r, se) for a, r, se, st in walked} == {
        (a, r, se) for a, r in VIEWERS for se in SECTIONS
    }
    for role in ROLES:
        for section in SECTIONS:
            for state in EFFECTIVE_STATES & set(STATES):
                assert (OTHER, role, section, state) in walked


@pytest.mark.parametrize(
    ("section", "state"), COMBINATIONS, ids=[f"{sec}-{state}" for sec, state in COMBINATIONS]
)
def test_matrix(record, section, state):
    world = world_in(record, section, state)
    check = Checker()
    for agency_key, role in VIEWERS:
        viewer = viewer_for(world, agency_key, role)
        http = viewer.http
        if walks_every_url(agency_key, section, state):
            walk_record_urls(check, http, viewer, world)
            check_search(check, http, viewer, world, searches=_searches(viewer))
            if section == WALKED_SECTION[state]:
                check_search(check, http, viewer, world, searches=BY_REFERENCE_CODE)
            check_inbox(check, http, viewer, world)
            check_start_page(check, http, viewer, world)
            check_audit_log(check, http, viewer, world)
            TALLY["full_walks"] += 1
        else:
            check_detail_and_search(check, viewer, world)
            TALLY["detail_and_search"] += 1
    TALLY["combinations"] += len(VIEWERS)
    TALLY["requests"] += check.requests
    check.assert_no_problems(f"{section} / {state}")


@pytest.mark.parametrize("state", FURTHER_STATES)
def test_further_grant_states(record, state):
    """A grant's last day still counts; a handover revoked before it was accepted and
    a declined request give nothing. The other agency, every role and section."""
    check = Checker()
    for section in SECTIONS:
        # Each section's grant in a savepoint of its own, so the next starts from none.
        with transaction.atomic():
            world = world_in(record, section, state)
            for role in ROLES:
                check_detail_and_search(check, viewer_for(world, OTHER, role), world)
            transaction.set_rollback(True)
    check.assert_no_problems(state)


# --- Changes: only caseworkers, only granted sections ------------------------------------------

EDITS: dict[str, tuple[dict, str, object]] = {
    # section: (form data, field to check, value after the change)
    "identity": (
        {
            "family_name": FAMILY_NAME,
            "given_names": GIVEN_NAMES,
            "former_names": "Geaendert",
            "sex": "f",
            "birth_date": str(BIRTH_DATE),
            "nationalities": ["UA"],
        },
        "former_names",
        "Geaendert",
    ),
    "contact": (
        {"phone": PHONE, "email": EMAIL, "street": "Neue Strasse 1", "postcode": "10243"},
        "street",
        "Neue Strasse 1",
    ),
    "residence": (
        {"arrival_date": ARRIVAL.isoformat(), "residence_status": "recognised"},
        "residence_status",
        "recognised",
    ),
    "sensitive": (
        {"special_protection_needs": "on", "sensitive_notes": "Geaendert"},
        "sensitive_notes",
        "Geaendert",
    ),
}
assert set(EDITS) == set(FORM_SECTIONS), "a new form section needs an edit in this matrix"


def _handover_status(viewer: Viewer) -> int:
    if IDENTITY not in viewer.view:
        return 404
    return 302 if viewer.role == CASEWORKER else 403


@pytest.mark.parametrize("section", list(SECTIONS))
def test_only_caseworkers_change_and_only_granted_sections(record, section):
    """With the handover of `section` accepted, the Sozialamt's staff (and LAF's, once)
    POST a valid change to every form: it is saved for caseworkers in sections their
    agency holds, and refused (404; 403 for handing over and for registering a
    household member, by role) with nothing saved for everyone else."""
    world = world_in(record, section, "active")
    check = Checker()
    client_pk = world.client.pk
    basis = LegalBasis.objects.get(code="consent")
    for agency_key, role in VIEWERS:
        if agency_key == HOLDER and section != IDENTITY:
            continue  # what LAF may change does not depend on what it granted
        viewer = viewer_for(world, agency_key, role)
        http = viewer.http
        receiver = world.agencies[OTHER if viewer.is_holder else HOLDER]
        for slug, (data, field_name, value) in EDITS.items():
            url = reverse("clients:client-edit", args=[client_pk, slug])
            # The version the form would carry: the matrix is about access, not conflicts.
            seen = Client.objects.get(pk=client_pk).version
            with transaction.atomic():
                response = http.post(url, {**data, "seen_version": seen})
                changed = getattr(Client.objects.get(pk=client_pk), field_name) == value
                transaction.set_rollback(True)
            allowed = viewer.can_change(slug)
            check.expect_status(viewer, "POST", url, response, 302 if allowed else 404)
            if changed != allowed:
                check.problems.append(f"{viewer} edit {slug}: changed={changed}")

        posts = [
            (
                "documents",
                reverse("clients:document-create", args=[client_pk]),
                {"doc_type": "passport", "number": "ZQ111222", "issuing_country": "UA"},
                lambda: IdentityDocument.objects.filter(number="ZQ111222").exists(),
            ),
            (
                "documents",
                reverse("clients:document-edit", args=[client_pk, world.document.pk]),
                {
                    "doc_type": "passport",
                    "number": "ZQ333444",
                    "issuing_country": "UA",
                    "seen_version": IdentityDocument.objects.get(pk=world.document.pk).version,
                },
                lambda: IdentityDocument.objects.filter(number="ZQ333444").exists(),
            ),
            (
                "case_notes",
                reverse("clients:case-note-add", args=[client_pk]),
                {"text": "Neue Notiz"},
                lambda: CaseNote.objects.filter(text="Neue Notiz").exists(),
            ),
            (
                "household",
                reverse("clients:household-member-add", args=[client_pk]),
                {
                    "household_role": "child",
                    "family_name": "Neugeborene",
                    "sex": "u",
                    "residence_status": "unknown",
                    "intake_token": str(uuid.uuid4()),
                },
                lambda: Client.objects.filter(family_name="Neugeborene").exists(),
            ),
        ]
        for slug, url, data, happened in posts:
            with transaction.atomic():
                response = http.post(url, data)
                changed = happened()
                transaction.set_rollback(True)
            allowed = viewer.can_change(slug)
            refused = 403 if role in REFUSED_BY_ROLE.get(url_name(url), ()) else 404
            check.expect_status(viewer, "POST", url, response, 302 if allowed else refused)
            if changed != allowed:
                check.problems.append(f"{viewer} POST {url}: changed={changed}")

        url = reverse("clients:client-handover", args=[client_pk])
        data = {
            "agency": receiver.pk,
            "sections": [IDENTITY],
            "legal_basis": basis.pk,
            "purpose": "Weiterleitung",
        }
        with transaction.atomic():
            response = http.post(url, data)
            handed_over = Grant.objects.filter(agency=receiver, purpose="Weiterleitung").exists()
            transaction.set_rollback(True)
        expected = _handover_status(viewer)
        check.expect_status(viewer, "POST", url, response, expected)
        if handed_over != (expected == 302):
            check.problems.append(f"{viewer} POST {url}: handed over={handed_over}")
    check.assert_no_problems(section)


# --- Around the matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize("agency_key", AGENCY_KEYS)
def test_pages_without_ids_show_no_record_data(record, agency_key):
    world = world_in(record, "sensitive", "active")
    check = Checker()
    for role in ROLES:
        viewer = viewer_for(world, agency_key, role)
        http = viewer.http
        for pattern in project_url_patterns():
            if pattern.name not in PAGES_WITHOUT_RECORDS:
                continue
            url = reverse(pattern.name)
            response = check.request(viewer, http, "GET", url)
            if response is None:
                continue
            if response.status_code >= 500:
                check.problems.append(f"{viewer} GET {url}: {response.status_code}")
            if pattern.name == "clients:client-create":
                # Only caseworkers register people; the others are refused by role.
                expected = 200 if role == CASEWORKER else 403
                check.expect_status(viewer, "GET", url, response, expected)
            check.expect_hidden(viewer, f"GET {url}", response.content.decode(), frozenset())
    check.assert_no_problems()


@pytest.mark.parametrize(("agency_key", "role"), VIEWERS, ids=[f"{a}-{r}" for a, r in VIEWERS])
def test_wrong_ids_tokens_and_methods_are_refused(record, agency_key, role):
    """What does not depend on the grant, once per viewer: ids of nothing, sections
    without a form, tokens of another agency, GET on POST-only views."""
    world = world_in(record, "contact", "active")
    viewer = viewer_for(world, agency_key, role)
    http = viewer.http
    check = Checker()
    unknown = {
        "pk": MISSING_ID,
        "document_pk": MISSING_ID,
        "grant_pk": MISSING_ID,
        "handover_id": uuid.uuid4(),
        "token": "not-a-token",
        "section": "identity",
        "remark_pk": MISSING_ID,
    }
    for pattern in project_url_patterns():
        if not pattern.params:
            continue
        route = ROUTES[pattern.name]
        method = "POST" if route.post_only else "GET"
        url = reverse(pattern.name, kwargs={name: unknown[name] for name in pattern.params})
        refused = 403 if role in REFUSED_BY_ROLE.get(pattern.name, ()) else 404
        check.expect_status(viewer, method, url, check.request(viewer, http, method, url), refused)
        for probe in route.edge_probes(world, viewer):
            url = reverse(pattern.name, kwargs=probe.kwargs)
            response = check.request(viewer, http, method, url)
            check.expect_status(viewer, method, url, response, probe.expect(viewer, world))
            if response is not None:
                check.expect_hidden(viewer, url, response.content.decode(), frozenset())
        if route.post_only:
            # The role is checked before the method: a refused role gets 403 either way.
            wrong_method = 403 if role in REFUSED_BY_ROLE.get(pattern.name, ()) else 405
            for probe in route.probes(world, viewer):
                url = reverse(pattern.name, kwargs=probe.kwargs)
                check.expect_status(
                    viewer, "GET", url, check.request(viewer, http, "GET", url), wrong_method
                )
    check.assert_no_problems()


def test_the_markers_do_not_occur_in_an_empty_page(record):
    """The leak checks rely on values no page contains by itself."""
    world = world_in(record, "identity", "none")
    http = world.browsers[OTHER, CASEWORKER]
    body = http.get(reverse("clients:client-create")).content.decode().casefold()
    with translation.override("de"):
        german_date = formats.date_format(ARRIVAL, "SHORT_DATE_FORMAT")
    assert german_date == ARRIVAL.strftime("%d.%m.%Y")
    for markers in MARKERS.values():
        for marker in markers:
            assert marker.casefold() not in body
