"""The API's permission matrix, as data: one Row per URL name and method, run by
tests/api/test_permission_matrix.py for every agency state × role (+ without a key).

The world: Olena, registered by LAF (with a passport and a son in her household), shared
with the Sozialamt (identity, contact, documents; accepted), once shared with the
Jobcenter (contact, documents, household; ended yesterday), never with the LEA.

To add an endpoint: append Rows to ROWS (docs/api.md "For endpoint authors"). The
default expectation (`Row.expected`) encodes the policy: a role predicate refuses with
403 first; a record endpoint answers 404 unless the agency holds the section (and, for
a change, the role may change it); otherwise `ok`. Give `expect` for anything else.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from rest_framework.test import APIClient

from access.hints import hint_for
from access.models import AccessRequest, ClientGroupObjectPermission, Grant
from clients.models import Client, IdentityDocument
from core.sections import SECTIONS
from tests.api.conftest import client_with_key, make_system
from tests.factories import AgencyFactory, ClientFactory, DocumentFactory, UserFactory
from workflows.handover.services import access_request_create, handover_create, handover_decide
from workflows.intake.services import household_member_add

STATES = ("owner", "granted", "expired", "none")
ROLES = ("caseworker", "supervisor", "agency_admin")
HELD = {
    "owner": frozenset(SECTIONS),
    "granted": frozenset({"identity", "contact", "documents"}),
    "expired": frozenset(),
    "none": frozenset(),
}


@dataclass(frozen=True)
class Case:
    state: str  # the caller's agency's relation to the record
    role: str

    @property
    def held(self) -> frozenset[str]:
        return HELD[self.state]

    def __str__(self) -> str:
        return f"{self.state}/{self.role}"


NO_KEY = Case("no-key", "")


@dataclass
class World:
    agencies: dict  # state -> Agency
    olena: Client
    son: Client
    passport: IdentityDocument
    caseworkers: dict  # state -> User (a person of that agency, for setting things up)
    apis: dict = field(default_factory=dict)  # Case -> APIClient
    extra: dict = field(default_factory=dict)  # for rows that need more things

    def api(self, case: Case):
        return self.apis[case]


def caseworker_only(role: str) -> bool:
    return role == "caseworker"


_counter = itertools.count(1)


def fresh_passport_number() -> str:
    return f"FM{next(_counter) % 1_000_000:06d}"


@dataclass(frozen=True)
class Row:
    name: str  # URL name in the api namespace
    method: str
    url: Callable[[World, Case], str]
    body: Callable[[World, Case], dict] | None = None
    headers: Callable[[World, Case], dict] | None = None
    record: bool = False  # a record endpoint: 404 unless visible (and `section` held)
    section: str | None = None
    change: bool = False  # changes the record: caseworkers of a holding agency only
    may: Callable[[str], bool] | None = None  # role predicate: 403 before the record
    ok: int = 200
    public: bool = False  # needs no key (schema, docs)
    expect: Callable[[Case], int] | None = None

    def expected(self, case: Case) -> int:
        if self.expect is not None:
            return self.expect(case)
        if case is NO_KEY:
            return self.ok if self.public else 401
        if self.may is not None and not self.may(case.role):
            return 403
        if self.record:
            if "identity" not in case.held:
                return 404
            if self.section is not None and self.section not in case.held:
                return 404
            if self.change and case.role != "caseworker":
                return 404
        return self.ok

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


def _if_match_client(w: World, c: Case) -> dict:
    w.olena.refresh_from_db()
    return {"HTTP_IF_MATCH": f'"{w.olena.version}"'}


def _if_match_passport(w: World, c: Case) -> dict:
    w.passport.refresh_from_db()
    return {"HTTP_IF_MATCH": f'"{w.passport.version}"'}


def _idempotency(w: World, c: Case) -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def _client(w: World, c: Case) -> str:
    return f"/api/v1/clients/{w.olena.pk}/"


ROWS: list[Row] = [
    Row("client-detail", "get", _client, record=True),
    Row(
        "client-detail",
        "patch",
        _client,
        body=lambda w, c: {"street": w.olena.street},
        headers=_if_match_client,
        record=True,
        section="contact",
        change=True,
    ),
    Row(
        "client-household",
        "get",
        lambda w, c: f"/api/v1/clients/{w.olena.pk}/household/",
        record=True,
        section="household",
    ),
    Row(
        "client-documents",
        "get",
        lambda w, c: f"/api/v1/clients/{w.olena.pk}/documents/",
        record=True,
        section="documents",
    ),
    Row(
        "client-documents",
        "post",
        lambda w, c: f"/api/v1/clients/{w.olena.pk}/documents/",
        body=lambda w, c: {
            "doc_type": "passport",
            "number": fresh_passport_number(),
            "issuing_country": "UA",
        },
        record=True,
        section="documents",
        change=True,
        ok=201,
    ),
    Row(
        "client-document-detail",
        "get",
        lambda w, c: f"/api/v1/clients/{w.olena.pk}/documents/{w.passport.pk}/",
        record=True,
        section="documents",
    ),
    Row(
        "client-document-detail",
        "patch",
        lambda w, c: f"/api/v1/clients/{w.olena.pk}/documents/{w.passport.pk}/",
        body=lambda w, c: {"number": w.passport.number},
        headers=_if_match_passport,
        record=True,
        section="documents",
        change=True,
    ),
    Row(
        "client-search",
        "post",
        lambda w, c: "/api/v1/clients/search/",
        body=lambda w, c: {"reference_code": w.olena.reference_code},
    ),
    Row(
        "intake-duplicate-check",
        "post",
        lambda w, c: "/api/v1/intake/duplicate-check/",
        body=lambda w, c: {"family_name": "Shevchenko", "given_names": "Olena"},
        may=caseworker_only,
    ),
    Row(
        "client-register",
        "post",
        lambda w, c: "/api/v1/clients/",
        body=lambda w, c: {
            "family_name": "Matrixtest",
            "given_names": f"{c.state.capitalize()} {c.role.replace('_', ' ')}",
            "duplicate_reason": "permission matrix",
        },
        headers=_idempotency,
        may=caseworker_only,
        ok=201,
    ),
    # AZR / XAusländer alignment (api.views.azr, docs/azr-mapping.md)
    Row("client-azr", "get", lambda w, c: f"/api/v1/clients/{w.olena.pk}/azr/", record=True),
    Row(
        "intake-azr-prefill",
        "post",
        lambda w, c: "/api/v1/intake/azr-prefill/",
        body=lambda w, c: {
            "version": "1.0",
            "abschnitte": ["identity"],
            "person": {"grundpersonalien": {"familienname": "Shevchenko", "vornamen": "Olena"}},
        },
        may=caseworker_only,
    ),
    Row("schema", "get", lambda w, c: "/api/schema/", public=True),
    Row("docs", "get", lambda w, c: "/api/docs/", public=True),
    Row(
        "not-found",
        "get",
        lambda w, c: "/api/v1/no-such-thing/",
        public=True,
        expect=lambda c: 404,
    ),
]


# --- change feed, grants, handovers, inbox, access requests (api.views.feed, .handover) ----


def _caller(w: World, c: Case):
    """A person of the caller's agency (for setting things up in its name)."""
    return w.caseworkers.get(c.state, w.caseworkers["owner"])


def _pending_grant(w: World, c: Case) -> Grant:
    """A fresh handover of Olena from LAF to the Sozialamt, waiting for acceptance."""
    (grant,) = handover_create(
        actor=w.caseworkers["owner"],
        clients=[w.olena],
        agency=w.agencies["granted"],
        sections=["contact"],
        legal_basis=w.extra["sgb_ii"],
        purpose="Matrix",
    )
    return grant


def _pending_request(w: World, c: Case) -> AccessRequest:
    """The LEA's open request for Olena to LAF (asked once, until decided)."""
    pending = AccessRequest.objects.filter(
        client=w.olena, requesting_agency=w.agencies["none"], status=AccessRequest.Status.PENDING
    ).first()
    return pending or access_request_create(
        actor=w.caseworkers["none"],
        client=w.olena,
        sections=["contact"],
        legal_basis=w.extra["sgb_ii"],
        purpose="Matrix",
    )


def _request_body(w: World, c: Case) -> dict:
    # One open request per agency and record: the previous case's is withdrawn first.
    AccessRequest.objects.filter(status=AccessRequest.Status.PENDING).delete()
    return {
        "hint_token": hint_for(_caller(w, c), w.olena),
        "sections": ["contact"],
        "legal_basis": "sgb-ii-50",
        "purpose": "Matrix",
    }


def _handover_expected(c: Case) -> int:
    if c is NO_KEY:
        return 401
    if "identity" not in c.held:
        return 404  # the record first, as the pages ask
    return 201 if c.role == "caseworker" else 403


def _accept_expected(c: Case) -> int:
    if c is NO_KEY:
        return 401
    return 200 if c.state == "granted" else 404  # any member of the receiving agency


def _revoke_expected(c: Case) -> int:
    if c is NO_KEY:
        return 401
    return 200 if c.state == "owner" else 404  # the granting (= registering) agency


def _decide_request_expected(c: Case) -> int:
    if c is NO_KEY:
        return 401
    if c.role == "caseworker":
        return 403
    return 200 if c.state == "owner" else 404  # the agency asked


def _request_expected(c: Case) -> int:
    if c is NO_KEY:
        return 401
    return 400 if c.state == "owner" else 201  # LAF holds the record already


def _supervising(role: str) -> bool:
    return role in ("supervisor", "agency_admin")


ROWS += [
    Row("feed", "get", lambda w, c: "/api/v1/feed/"),
    Row(
        "client-grants",
        "get",
        lambda w, c: f"/api/v1/clients/{w.olena.pk}/grants/",
        record=True,
    ),
    Row(
        "client-handover",
        "post",
        lambda w, c: f"/api/v1/clients/{w.olena.pk}/handover/",
        body=lambda w, c: {
            "agency": "lea",
            "sections": ["contact"],
            "legal_basis": "sgb-ii-50",
            "purpose": "Matrix",
        },
        record=True,
        expect=_handover_expected,
    ),
    Row(
        "grant-revoke",
        "post",
        lambda w, c: f"/api/v1/grants/{_pending_grant(w, c).pk}/revoke/",
        expect=_revoke_expected,
    ),
    Row("inbox-handovers", "get", lambda w, c: "/api/v1/inbox/handovers/"),
    Row(
        "handover-accept",
        "post",
        lambda w, c: f"/api/v1/inbox/handovers/{_pending_grant(w, c).handover_id}/accept/",
        expect=_accept_expected,
    ),
    Row(
        "handover-decline",
        "post",
        lambda w, c: f"/api/v1/inbox/handovers/{_pending_grant(w, c).handover_id}/decline/",
        body=lambda w, c: {"reason": "Matrix"},
        expect=_accept_expected,
    ),
    Row(
        "inbox-access-requests",
        "get",
        lambda w, c: "/api/v1/inbox/access-requests/",
        may=_supervising,
    ),
    Row(
        "access-request-approve",
        "post",
        lambda w, c: f"/api/v1/inbox/access-requests/{_pending_request(w, c).pk}/approve/",
        body=lambda w, c: {},
        expect=_decide_request_expected,
    ),
    Row(
        "access-request-decline",
        "post",
        lambda w, c: f"/api/v1/inbox/access-requests/{_pending_request(w, c).pk}/decline/",
        body=lambda w, c: {"note": "Matrix"},
        expect=_decide_request_expected,
    ),
    Row("access-requests", "get", lambda w, c: "/api/v1/access-requests/"),
    Row(
        "access-requests",
        "post",
        lambda w, c: "/api/v1/access-requests/",
        body=_request_body,
        expect=_request_expected,
        ok=201,
    ),
]


def build_world(sgb_ii) -> World:
    laf = AgencyFactory(name="LAF", slug="laf", kind="refugee_office")
    sozialamt = AgencyFactory(name="Sozialamt", slug="sozialamt", kind="social_welfare_office")
    jobcenter = AgencyFactory(name="Jobcenter", slug="jobcenter", kind="jobcenter")
    lea = AgencyFactory(name="LEA", slug="lea", kind="immigration_office")
    agencies = {"owner": laf, "granted": sozialamt, "expired": jobcenter, "none": lea}
    caseworkers = {
        state: UserFactory(username=f"{state}.person", agency=agency, agency__role="caseworker")
        for state, agency in agencies.items()
    }
    laf_person = caseworkers["owner"]
    olena = ClientFactory(
        agency=laf,
        actor=laf_person,
        family_name="Shevchenko",
        given_names="Olena",
        street="Kopernikusstraße 5",
        postcode="10243",
    )
    son = household_member_add(
        anchor=olena,
        agency=laf,
        actor=laf_person,
        role="child",
        fields={"family_name": "Shevchenko", "given_names": "Taras"},
    )
    olena.refresh_from_db()
    passport = DocumentFactory(client=olena, actor=laf_person, number="FA123456")
    for state, sections in (
        ("granted", ["contact", "documents"]),
        ("expired", ["contact", "documents", "household"]),
    ):
        (grant,) = handover_create(
            actor=laf_person,
            clients=[olena],
            agency=agencies[state],
            sections=sections,
            legal_basis=sgb_ii,
            purpose="Matrix",
        )
        handover_decide(actor=caseworkers[state], handover_id=grant.handover_id, accept=True)
    # The Jobcenter's grant ended yesterday (its rows carry the last valid day).
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Grant.objects.filter(agency=jobcenter).update(expires_on=yesterday)
    ClientGroupObjectPermission.objects.filter(group=jobcenter.group).update(expires_on=yesterday)
    world = World(agencies, olena, son, passport, caseworkers)
    world.extra["sgb_ii"] = sgb_ii
    for state, role in itertools.product(STATES, ROLES):
        _system, _key, secret = make_system(agencies[state], role)
        world.apis[Case(state, role)] = client_with_key(secret)
    world.apis[NO_KEY] = APIClient()
    return world


def call(world: World, row: Row, case: Case):
    api = world.api(case)
    kwargs = {"format": "json"}
    if row.body is not None:
        kwargs["data"] = row.body(world, case)
    if row.headers is not None:
        kwargs.update(row.headers(world, case))
    return getattr(api, row.method)(row.url(world, case), **kwargs)


CASES = [Case(state, role) for state, role in itertools.product(STATES, ROLES)] + [NO_KEY]
