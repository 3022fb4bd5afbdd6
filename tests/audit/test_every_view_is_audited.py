"""Every screen that shows a person's data leaves an audit event naming that person
(issue 4, "Tests that must exist"): a view added later without auditing fails here.

The URL patterns come from the resolver, walked recursively through every include,
admin/ too. Each pattern is one test case: it is requested by someone who may see the
data (LAF's caseworker; LAF's supervisor for the supervisors' screens; a superuser in
the admin), with its parameters filled in from a small world of real records: a client
with a document, a case note and a household member, a grant, a handover, an access
request and a signed hint token.

Every response body is searched, case-insensitively, for distinctive values of each
person (family name, street, AZR number, sensitive note, document number, case note).
For every value found, the request must have written an audit event of a read (view,
search, export) by the visitor, naming that person's record with its object type:
`object_id == pk`, or the pk in `object_ids`. For a document number or a case note,
an event naming the document or the note counts too. A server error fails the case, and
so does any value of a record that LAF may not see in a response to LAF's staff.

Patterns with parameters must be listed in VISITS_WITH_PARAMETERS (how to fill them
in), apart from the admin internals documented in ADMIN_INTERNALS: a pattern added
later without an entry fails `test_every_url_pattern_with_parameters_is_mapped`.
Patterns without parameters are requested as they are, plus EXTRA_VISITS (the search
sends its criteria by POST; the admin changelists are also searched).

Denied attempts: another agency's record answers 404 on every screen that takes a
record id, and the attempt is in the log with outcome 'denied'; so are attempts on
another agency's grant, handover, access request, hint token and document.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils.html import escape

from access import hints
from access.models import AccessRequest, Grant
from agencies.models import Agency, LegalBasis, User
from audit.models import AuditEvent
from clients import services as client_services
from clients.models import CaseNote, Client, IdentityDocument
from core.dates import PartialDate
from core.sections import FORM_SECTIONS
from tests.factories import AgencyFactory, ClientFactory, DocumentFactory, UserFactory
from workflows.duplicates.models import DuplicatePair
from workflows.handover import services as handover_services
from workflows.imports.models import ClientImport, ImportRemark
from workflows.intake import services as intake_services

pytestmark = pytest.mark.django_db

READS = {AuditEvent.Action.VIEW, AuditEvent.Action.SEARCH, AuditEvent.Action.EXPORT}

# ---------------------------------------------------------------------------------------
# The URL patterns, from the resolver


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name"; the route itself for an unnamed pattern
    route: str
    parameters: tuple[str, ...]  # named groups; "#1", "#2" for positional ones

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def url_patterns(urlconf: str | list | None = None) -> list[Pattern]:
    """Every pattern reachable from a URLconf (default: the project's), through includes."""
    found: list[Pattern] = []

    def walk(entries: Iterable, prefix: str, namespace: str) -> None:
        for entry in entries:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                regex = entry.pattern.regex
                named = tuple(regex.groupindex)
                positional = tuple(f"#{i}" for i in range(1, regex.groups - len(named) + 1))
                if entry.name:
                    key = f"{namespace}:{entry.name}" if namespace else entry.name
                else:
                    key = route
                found.append(Pattern(key, route, named + positional))

    entries = urlconf if isinstance(urlconf, list) else get_resolver(urlconf).url_patterns
    walk(entries, "", "")
    return found


# ---------------------------------------------------------------------------------------
# The world the walk runs in


@dataclass(frozen=True)
class Marker:
    """A distinctive value of one person, and the records an event may name for it."""

    text: str
    person: str
    records: frozenset[tuple[str, str]]  # (object_type, pk)


@dataclass
class World:
    users: dict[str, User]
    oksana: Client  # registered at LAF, handed over to the Sozialamt (accepted)
    taras: Client  # her son, in her household; the Sozialamt asks for his record
    nadiya: Client  # registered at the Sozialamt, handed over to LAF, not yet accepted
    bohdana: Client  # the Sozialamt's; LAF must never see anything of her
    document: IdentityDocument  # Oksana's passport
    note: CaseNote  # on Oksana's record
    grant: Grant  # Oksana, LAF -> Sozialamt, active
    handover_to_laf: uuid.UUID  # Nadiya, Sozialamt -> LAF, pending
    access_request: AccessRequest  # the Sozialamt asks LAF for Taras, pending
    # Between the Sozialamt and the Jobcenter, nothing of LAF's business:
    foreign_grant: Grant  # Bohdana, Sozialamt -> Jobcenter, pending
    foreign_request: AccessRequest  # the Jobcenter asks the Sozialamt for Bohdana
    foreign_token: str  # a hint to Bohdana, issued to the Jobcenter
    markers: list[Marker] = field(default_factory=list)

    def private_markers(self) -> list[Marker]:
        return [m for m in self.markers if m.person == "bohdana"]


def build_world() -> World:
    laf = AgencyFactory(
        name="Landesamt für Flüchtlingsangelegenheiten", slug="laf", kind=Agency.Kind.REFUGEE_OFFICE
    )
    sozialamt = AgencyFactory(
        name="Sozialamt Marzahn-Hellersdorf",
        slug="sozialamt-mh",
        kind=Agency.Kind.SOCIAL_WELFARE_OFFICE,
    )
    jobcenter = AgencyFactory(
        name="Jobcenter Marzahn-Hellersdorf", slug="jobcenter-mh", kind=Agency.Kind.JOBCENTER
    )
    consent = LegalBasis.objects.get_or_create(
        code="consent",
        defaults={"title": "Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)", "is_consent": True},
    )[0]
    users = {
        "caseworker": UserFactory(username="laf.caseworker", agency=laf, agency__role="caseworker"),
        "supervisor": UserFactory(username="laf.supervisor", agency=laf, agency__role="supervisor"),
        "sozialamt": UserFactory(
            username="sozialamt.caseworker", agency=sozialamt, agency__role="caseworker"
        ),
        "jobcenter": UserFactory(
            username="jobcenter.caseworker", agency=jobcenter, agency__role="caseworker"
        ),
        "admin": UserFactory(username="central.admin", is_staff=True, is_superuser=True),
    }
    laf_cw, soz_cw, job_cw = users["caseworker"], users["sozialamt"], users["jobcenter"]

    oksana = ClientFactory(
        agency=laf,
        actor=laf_cw,
        family_name="Marchenkova",
        given_names="Oksana",
        birth_date=PartialDate(1987, 4, 9),
        street="Kiefholzstraße 412",
        postcode="12435",
        district="treptow-koepenick",
        azr_number="418273645091",
        special_protection_needs=True,
        sensitive_notes="Hörsturz nach Beschuss in Tschernihiw",
    )
    document = DocumentFactory(client=oksana, actor=laf_cw, number="KQ739264")
    note = client_services.case_note_add(
        client=oksana, agency=laf, actor=laf_cw, text="Besichtigung Quastenweg vereinbart"
    )
    taras = intake_services.household_member_add(
        anchor=oksana,
        agency=laf,
        actor=laf_cw,
        role="child",
        fields={"family_name": "Dovzhenko", "given_names": "Taras", "sex": "m"},
    )
    oksana.refresh_from_db()
    # A change, so that the history has an old value to show.
    client_services.client_update(
        client=oksana,
        actor=laf_cw,
        fields={"postcode": "12437"},
        seen_version=client_services.IGNORE_VERSION,
    )

    grant = handover_services.handover_create(
        actor=laf_cw,
        clients=[oksana],
        agency=sozialamt,
        sections=["contact"],
        legal_basis=consent,
        purpose="Leistungen nach dem AsylbLG",
    )[0]
    handover_services.handover_decide(actor=soz_cw, handover_id=grant.handover_id, accept=True)

    nadiya = ClientFactory(
        agency=sozialamt,
        actor=soz_cw,
        family_name="Hrytsenko",
        given_names="Nadiya",
        street="Lion-Feuchtwanger-Straße 9",
    )
    handover_to_laf = handover_services.handover_create(
        actor=soz_cw,
        clients=[nadiya],
        agency=laf,
        sections=["contact"],
        legal_basis=consent,
        purpose="Unterbringung",
    )[0].handover_id

    bohdana = ClientFactory(
        agency=sozialamt,
        actor=soz_cw,
        family_name="Yaremchuk",
        given_names="Bohdana",
        street="Cecilienstraße 207",
        azr_number="905172638401",
    )
    bohdana_document = DocumentFactory(client=bohdana, actor=soz_cw, number="MN482913")
    bohdana_note = client_services.case_note_add(
        client=bohdana, agency=sozialamt, actor=soz_cw, text="Rückruf Wohngeldstelle Hellersdorf"
    )
    foreign_grant = handover_services.handover_create(
        actor=soz_cw,
        clients=[bohdana],
        agency=jobcenter,
        sections=["contact"],
        legal_basis=consent,
        purpose="Bürgergeld",
    )[0]
    foreign_request = handover_services.access_request_create(
        actor=job_cw, client=bohdana, sections=["residence"], legal_basis=consent, purpose="SGB II"
    )

    world = World(
        users=users,
        oksana=oksana,
        taras=taras,
        nadiya=nadiya,
        bohdana=bohdana,
        document=document,
        note=note,
        grant=Grant.objects.get(pk=grant.pk),
        handover_to_laf=handover_to_laf,
        access_request=handover_services.access_request_create(
            actor=soz_cw, client=taras, sections=["contact"], legal_basis=consent, purpose="Schule"
        ),
        foreign_grant=foreign_grant,
        foreign_request=foreign_request,
        foreign_token=hints.hint_for(job_cw, bohdana),
    )
    for person, client, values in [
        ("oksana", oksana, ["Marchenkova", "Kiefholzstraße 412", "418273645091", "Tschernihiw"]),
        ("taras", taras, ["Dovzhenko"]),
        ("nadiya", nadiya, ["Hrytsenko", "Lion-Feuchtwanger-Straße 9"]),
        ("bohdana", bohdana, ["Yaremchuk", "Cecilienstraße 207", "905172638401"]),
    ]:
        for text in values:
            world.markers.append(Marker(text, person, frozenset({_named(client)})))
    for person, client, obj, text in [
        ("oksana", oksana, document, "KQ739264"),
        ("oksana", oksana, note, "Quastenweg"),
        ("bohdana", bohdana, bohdana_document, "MN482913"),
        ("bohdana", bohdana, bohdana_note, "Wohngeldstelle"),
    ]:
        world.markers.append(Marker(text, person, frozenset({_named(client), _named(obj)})))
    return world


def _named(obj) -> tuple[str, str]:
    return (obj._meta.label_lower, str(obj.pk))


# ---------------------------------------------------------------------------------------
# Visits: who requests what, and how


@dataclass(frozen=True)
class Visit:
    user: str  # key of World.users
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    method: str = "get"
    data: dict | None = None
    # Meant to show a person's data: if the walk finds none there, the fixture or the
    # detector has gone blind, and that must not pass silently.
    shows_data: bool = False


Builder = Callable[[World, Client], list[Visit]]


def on_record(*visits: Visit, more: Callable[[Client], dict] | None = None) -> Builder:
    """A screen of one client record (`pk`); the denied walk reuses it with the record of
    another agency in place of Oksana's."""

    def build(world: World, person: Client) -> list[Visit]:
        extra = more(person) if more else {}
        return [replace(v, kwargs={"pk": person.pk, **extra, **v.kwargs}) for v in visits]

    build.record_screen = True
    return build


def for_admin(model: str) -> dict[str, Builder]:
    """The admin screens with parameters of one model that holds client data."""
    app, name = model.split(".")

    def obj(world: World):
        return {
            "clients.client": world.oksana,
            "clients.identitydocument": world.document,
            "clients.household": world.oksana.household,
            "clients.casenote": world.note,
            "access.grant": world.grant,
            "access.accessrequest": world.access_request,
        }[model]

    shows = model in ("clients.client", "clients.identitydocument", "clients.casenote")

    def one(shows_data: bool = False) -> Builder:
        return lambda w, _p: [
            Visit("admin", kwargs={"object_id": obj(w).pk}, shows_data=shows_data)
        ]

    builders = {
        f"admin:{app}_{name}_change": one(shows),
        f"admin:{app}_{name}_history": one(),
        f"admin:{app}_{name}_delete": one(),
    }
    if model in ("clients.client", "clients.identitydocument", "clients.household"):
        # django-simple-history: one version of the record, with the values it had then.
        builders[f"admin:{app}_{name}_simple_history"] = lambda w, _p: [
            Visit(
                "admin",
                args=(obj(w).pk, obj(w).history.order_by("history_id").first().history_id),
                shows_data=shows,
            )
        ]
    return builders


# The mapping: every URL pattern with parameters -> the visits that fill them in.
VISITS_WITH_PARAMETERS: dict[str, Builder] = {
    "clients:client-detail": on_record(
        Visit("caseworker", shows_data=True), Visit("supervisor", shows_data=True)
    ),
    "clients:client-edit": on_record(
        *[Visit("caseworker", kwargs={"section": slug}, shows_data=True) for slug in FORM_SECTIONS]
    ),
    "clients:client-history": on_record(
        Visit("caseworker", shows_data=True), Visit("supervisor", shows_data=True)
    ),
    "clients:household-member-add": on_record(Visit("caseworker", shows_data=True)),
    "clients:document-create": on_record(Visit("caseworker", shows_data=True)),
    "clients:document-edit": on_record(
        Visit("caseworker", shows_data=True),
        more=lambda person: {"document_pk": person.documents.order_by("pk").first().pk},
    ),
    # POST-only: an empty note is refused and redirects, after the record was read.
    "clients:case-note-add": on_record(Visit("caseworker", method="post", data={"text": ""})),
    "clients:client-handover": on_record(Visit("caseworker", shows_data=True)),
    "clients:handover-sheet": on_record(Visit("caseworker", shows_data=True)),
    "clients:client-print": on_record(
        Visit("caseworker", shows_data=True), Visit("supervisor", shows_data=True)
    ),
    "clients:client-azr-export": on_record(
        Visit("caseworker", shows_data=True),
        Visit("caseworker", data={"format": "xml"}, shows_data=True),
        Visit("supervisor", shows_data=True),
    ),
    "audit:record-accesses": on_record(
        Visit("supervisor", shows_data=True),
        Visit("supervisor", data={"days": "365"}, shows_data=True),
        Visit("supervisor", data={"format": "csv"}),
    ),
    "clients:grant-revoke": lambda w, _p: [  # POST-only: GET answers 405
        Visit("caseworker", kwargs={"grant_pk": w.grant.pk}),
        Visit("caseworker", kwargs={"grant_pk": w.grant.pk}, method="post"),
    ],
    "inbox:handover-decide": lambda w, _p: [  # POST-only
        Visit("caseworker", kwargs={"handover_id": w.handover_to_laf}),
        Visit(
            "caseworker",
            kwargs={"handover_id": w.handover_to_laf},
            method="post",
            data={"decision": "accept"},
        ),
    ],
    # LAF's search showed a hint to Bohdana's record at the Sozialamt: initial and year.
    "inbox:request-create": lambda w, _p: [
        Visit(
            "caseworker",
            kwargs={"token": hints.hint_for(w.users["caseworker"], w.bohdana)},
        )
    ],
    "inbox:request-decide": lambda w, _p: [
        Visit("supervisor", kwargs={"pk": w.access_request.pk}, shows_data=True)
    ],
    "admin:app_list": lambda w, _p: [Visit("admin", kwargs={"app_label": "clients"})],
    # Oksana and her son, both LAF's, proposed as duplicates: shown side by side.
    "clients:duplicate-pair": lambda w, _p: [
        Visit("supervisor", kwargs={"pk": _review_pair(w).pk}, shows_data=True)
    ],
    # Import runs hold row numbers and reasons, no personal data; none in this world: 404
    # (the result page is tested in tests/clients/test_import.py).
    "clients:client-import-detail": lambda w, _p: [
        Visit("supervisor", kwargs={"pk": 2_000_000_000}),
    ],
    # POST-only: LAF's caseworker dismisses a remark of an import into the record's agency
    # (the denied walk: a remark on the Sozialamt's record, 404 and logged).
    "clients:import-remark-resolve": on_record(
        Visit("caseworker", method="post", data={"resolution": "dismissed"}),
        more=lambda person: {"remark_pk": _import_remark(person).pk},
    ),
    "clients:merge-undo": lambda w, _p: [  # POST-only; no merge in this world: 404
        Visit("supervisor", kwargs={"pk": 2_000_000_000}),
        Visit("supervisor", kwargs={"pk": 2_000_000_000}, method="post"),
    ],
}
for _model in (
    "clients.client",
    "clients.identitydocument",
    "clients.household",
    "clients.casenote",
    "access.grant",
    "access.accessrequest",
):
    VISITS_WITH_PARAMETERS |= for_admin(_model)


def _import_remark(person: Client) -> ImportRemark:
    run = ClientImport.objects.create(agency_id=person.registered_by_id, file_name="alt.csv")
    return ImportRemark.objects.create(
        run=run,
        client=person,
        agency_id=person.registered_by_id,
        row=2,
        column="phone",
        section="contact",
        reason=ImportRemark.Reason.PHONE_INVALID,
        value="0151 ?",
    )


def _review_pair(world: World) -> DuplicatePair:
    pair, _created = DuplicatePair.objects.get_or_create(
        client_a_id=min(world.oksana.pk, world.taras.pk),
        client_b_id=max(world.oksana.pk, world.taras.pk),
        defaults={"score": 0.91, "reasons": ["name_similar"], "source": "report"},
    )
    return pair


def _queue_visits(world: World) -> list[Visit]:
    _review_pair(world)
    return [Visit("caseworker"), Visit("supervisor", shows_data=True)]  # caseworker: 403


def _admin_internals() -> dict[str, str]:
    """Admin patterns with parameters that are not walked, and why."""
    internals = {
        "admin:view_on_site": "redirects to a model's get_absolute_url; no model here has one",
        "admin/(?P<url>.*)$": "the admin's catch-all: redirects or answers 404",
        "admin:auth_user_password_change": "sets a staff member's password; no client data",
    }
    # Staff, agencies, legal bases and the audit log itself: no data of a client.
    for model in (
        "auth.group",
        "audit.auditevent",
        "agencies.user",
        "agencies.agency",
        "agencies.membership",
        "agencies.legalbasis",
        "agencies.purposeprofile",
        "axes.accessattempt",  # failed sign-ins: account (or fingerprint), address
        "jobs.jobrun",  # background job outcomes: ids and counts
        "procrastinate.procrastinatejob",  # queued jobs: task names, ids as arguments
        "api.apiclient",  # agency systems' credentials: name, agency, role
        "api.apikey",  # key prefix, dates, rate (the secret is never stored)
        "api.webhookendpoint",  # an agency system's URL
        "api.webhookdelivery",  # deliveries of change notices: ids and statuses
    ):
        app, name = model.split(".")
        for view in ("change", "history", "delete"):
            internals[f"admin:{app}_{name}_{view}"] = f"{model} holds no client data"
    return internals


ADMIN_INTERNALS = _admin_internals()


def is_admin_internal(pattern: Pattern) -> bool:
    # Every admin model also has an unnamed '<path:object_id>/' that only redirects to
    # its change page (walked above for the models with client data).
    redirect = pattern.key == pattern.route and pattern.route.endswith("/<path:object_id>/")
    return pattern.is_admin and (pattern.key in ADMIN_INTERNALS or redirect)


def is_api(pattern: Pattern) -> bool:
    """The REST API answers agency systems with keys, not signed-in staff: its reads are
    walked by its own tests (tests/api/test_conventions.py audits every read,
    tests/api/test_permission_matrix.py maps every pattern)."""
    return pattern.route.startswith("api/")


# Patterns without parameters are requested with a GET by their default user, or so:
EXTRA_VISITS: dict[str, Builder] = {
    "clients:client-search": lambda w, _p: [
        Visit("caseworker"),
        Visit("caseworker", method="post", data={"name": "Marchenkova"}, shows_data=True),
        Visit("caseworker", method="post", data={"name": "Dovzhenko"}, shows_data=True),
        # Specific enough for hints: a record of that name exists at the Sozialamt.
        Visit("caseworker", method="post", data={"name": "Yaremchuk", "birth_date": "1985"}),
    ],
    "clients:duplicate-check": lambda w, _p: [
        # Oksana as the Sozialamt might type her: shown to LAF with her name.
        Visit(
            "caseworker",
            method="post",
            data={
                "family_name": "Martschenkowa",
                "given_names": "Oksana",
                "birth_date": "09.04.1987",
            },
            shows_data=True,
        ),
        # Bohdana is the Sozialamt's: LAF gets only a hint, which is audited too.
        Visit(
            "caseworker",
            method="post",
            data={"family_name": "Jaremtschuk", "given_names": "Bohdana", "doc-number": "MN482913"},
        ),
    ],
    # The start page: the agency's registrations today (the world's records are new).
    "home": lambda w, _p: [
        Visit("caseworker", shows_data=True),
        Visit("supervisor", shows_data=True),
    ],
    "inbox:inbox": lambda w, _p: [
        Visit("caseworker", shows_data=True),  # Nadiya's handover
        Visit("supervisor", shows_data=True),  # and the Sozialamt's request for Taras
    ],
    "clients:duplicate-queue": lambda w, _p: _queue_visits(w),
    "audit:event-list": lambda w, _p: [
        Visit("supervisor"),
        Visit("supervisor", data={"client": w.oksana.pk, "action": "view"}),
    ],
    "admin:clients_client_changelist": lambda w, _p: [
        Visit("admin", shows_data=True),
        Visit("admin", data={"q": "Marchenkova"}, shows_data=True),
    ],
    "admin:clients_identitydocument_changelist": lambda w, _p: [
        Visit("admin"),
        Visit("admin", data={"q": "KQ739264"}),
    ],
}


def default_user(pattern: Pattern) -> str:
    if pattern.is_admin:
        return "admin"
    if pattern.key.startswith("audit:"):
        return "supervisor"
    return "caseworker"


def visits_for(pattern: Pattern, world: World) -> list[Visit]:
    builder = VISITS_WITH_PARAMETERS.get(pattern.key) or EXTRA_VISITS.get(pattern.key)
    if builder is not None:
        return builder(world, world.oksana)
    assert not pattern.parameters, f"{pattern.key} takes parameters but is not mapped"
    return [Visit(default_user(pattern))]


def unmapped(patterns: list[Pattern]) -> set[str]:
    with_parameters = {
        p.key for p in patterns if p.parameters and not is_admin_internal(p) and not is_api(p)
    }
    return with_parameters - set(VISITS_WITH_PARAMETERS)


PATTERNS = url_patterns()
WALKED = [p for p in PATTERNS if not is_admin_internal(p) and not is_api(p)]


# ---------------------------------------------------------------------------------------
# One request, and what is wrong with it


@dataclass
class Outcome:
    where: str
    status: int
    body: str
    events: list[AuditEvent]
    error: str = ""


def perform(world: World, pattern_key: str, visit: Visit) -> Outcome:
    url = reverse(pattern_key, args=visit.args or None, kwargs=visit.kwargs or None)
    where = f"{visit.method.upper()} {url} {visit.data or ''} as {visit.user}"
    browser = HttpClient()
    browser.force_login(world.users[visit.user])
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        response = getattr(browser, visit.method)(url, visit.data or {})
    except Exception as error:  # the test client re-raises what a view raised
        return Outcome(where, 500, "", [], error=f"{type(error).__name__}: {error}")
    body = b"".join(response) if response.streaming else response.content
    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))
    return Outcome(where, response.status_code, body.decode("utf-8", "replace"), events)


def names(event: AuditEvent, object_type: str, pk: str) -> bool:
    return event.object_type == object_type and (
        event.object_id == pk or pk in {str(i) for i in event.object_ids}
    )


def describe(events: list[AuditEvent]) -> list[str]:
    return [f"{e.action}/{e.outcome} {e.object_type}:{e.object_id} {e.object_ids}" for e in events]


def problems_of(world: World, pattern_key: str, visit: Visit) -> list[str]:
    outcome = perform(world, pattern_key, visit)
    where = outcome.where
    if outcome.status >= 500:
        return [f"{where}: server error {outcome.status} {outcome.error}"]
    body = outcome.body
    for typed in (visit.data or {}).values():
        # What the visitor typed comes back in the search form: not the record's data.
        body = body.replace(f'value="{escape(str(typed))}"', "")
    body = body.casefold()
    found = [m for m in world.markers if m.text.casefold() in body]
    user = world.users[visit.user]
    problems = []
    for marker in found:
        if visit.user != "admin" and marker.person == "bohdana":
            problems.append(
                f"{where}: answered {outcome.status} with {marker.text!r}, data of a record "
                "LAF may not see (leak)"
            )
        elif not any(
            event.actor_id == user.pk
            and event.action in READS
            and event.outcome == AuditEvent.Outcome.ALLOWED
            and names(event, object_type, pk)
            for event in outcome.events
            for object_type, pk in marker.records
        ):
            problems.append(
                f"{where}: answered {outcome.status} showing {marker.text!r} of {marker.person} "
                f"but wrote no read event naming {sorted(marker.records)}; "
                f"events written: {describe(outcome.events)}"
            )
    if visit.shows_data and outcome.status == 200 and not found:
        problems.append(f"{where}: meant to show a person's data, but the walk finds none")
    return problems


# ---------------------------------------------------------------------------------------
# Fixtures: one world per module, each test in a savepoint of its own


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once (about 0.3 s) and rolled back after the module; every test runs in a
    savepoint inside it (pytest-django's `db`), so POSTs that revoke or accept undo."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db) -> World:
    return shared_world


# ---------------------------------------------------------------------------------------
# The tests


def test_every_url_pattern_with_parameters_is_mapped():
    assert unmapped(PATTERNS) == set(), (
        "URL patterns with parameters that the audit walk cannot fill in: add them to "
        "VISITS_WITH_PARAMETERS (or, for an admin internal without client data, to "
        "ADMIN_INTERNALS with the reason)"
    )
    with_parameters = {p.key for p in PATTERNS if p.parameters}
    assert set(VISITS_WITH_PARAMETERS) <= with_parameters, "mapped, but gone or without parameters"
    assert set(EXTRA_VISITS) <= {p.key for p in PATTERNS if not p.parameters}
    assert set(ADMIN_INTERNALS) <= with_parameters, "documented admin internals that are gone"


def test_a_new_pattern_with_parameters_fails_until_it_is_mapped():
    from registration_portal import urls

    def letter(request, pk):  # pragma: no cover - never requested
        raise AssertionError

    extended = [*urls.urlpatterns, path("clients/<int:pk>/letter/", letter, name="client-letter")]
    assert unmapped(url_patterns(extended)) == {"client-letter"}


def test_the_walk_reaches_portal_and_admin():
    keys = {p.key for p in WALKED}
    assert {
        "clients:client-detail",
        "clients:client-search",
        "inbox:inbox",
        "audit:record-accesses",
        "admin:clients_client_change",
        "admin:clients_client_simple_history",
        "admin:access_grant_changelist",
        "admin:access_accessrequest_change",
    } <= keys
    skipped = [p for p in PATTERNS if is_admin_internal(p) or is_api(p)]
    assert len(WALKED) == len(PATTERNS) - len(skipped)


@pytest.mark.parametrize("pattern", WALKED, ids=[p.key for p in WALKED])
def test_every_view_that_shows_a_person_writes_an_audit_event(world, pattern):
    problems = [
        problem
        for visit in visits_for(pattern, world)
        for problem in problems_of(world, pattern.key, visit)
    ]
    assert not problems, "\n".join(problems)


RECORD_SCREENS = [
    key for key, build in VISITS_WITH_PARAMETERS.items() if getattr(build, "record_screen", False)
]


@pytest.mark.parametrize("key", RECORD_SCREENS)
def test_another_agencys_record_is_404_and_the_attempt_is_logged_as_denied(world, key):
    """Bohdana's record is the Sozialamt's alone; LAF's staff ask for it by its id."""
    for visit in VISITS_WITH_PARAMETERS[key](world, world.bohdana):
        outcome = perform(world, key, visit)
        assert outcome.status == 404, f"{outcome.where}: {outcome.status} {outcome.error}"
        for marker in world.private_markers():
            assert marker.text.casefold() not in outcome.body.casefold(), outcome.where
        assert any(
            event.actor_id == world.users[visit.user].pk
            and event.outcome == AuditEvent.Outcome.DENIED
            and names(event, "clients.client", str(world.bohdana.pk))
            for event in outcome.events
        ), f"{outcome.where}: no denied event naming the record: {describe(outcome.events)}"


FOREIGN_OBJECTS: dict[str, Callable[[World], Visit]] = {
    # Revoke the Sozialamt's handover to the Jobcenter.
    "clients:grant-revoke": lambda w: Visit(
        "caseworker", kwargs={"grant_pk": w.foreign_grant.pk}, method="post"
    ),
    # Accept a handover meant for the Jobcenter.
    "inbox:handover-decide": lambda w: Visit(
        "caseworker",
        kwargs={"handover_id": w.foreign_grant.handover_id},
        method="post",
        data={"decision": "accept"},
    ),
    # Open the Jobcenter's request to the Sozialamt, as LAF's supervisor.
    "inbox:request-decide": lambda w: Visit("supervisor", kwargs={"pk": w.foreign_request.pk}),
    # Replay a hint token issued to the Jobcenter.
    "inbox:request-create": lambda w: Visit("caseworker", kwargs={"token": w.foreign_token}),
    # Bohdana's passport, under Oksana's record.
    "clients:document-edit": lambda w: Visit(
        "caseworker",
        kwargs={"pk": w.oksana.pk, "document_pk": w.bohdana.documents.get().pk},
    ),
}


@pytest.mark.parametrize("key", FOREIGN_OBJECTS)
def test_an_attempt_on_another_agencys_grant_request_or_document_is_logged_as_denied(world, key):
    """Issue 4: 'Denied attempts are logged too.' The answer is 404; the log must show
    the attempt (repeated ones are an anomaly a supervisor wants flagged)."""
    visit = FOREIGN_OBJECTS[key](world)
    outcome = perform(world, key, visit)
    assert outcome.status == 404, f"{outcome.where}: {outcome.status} {outcome.error}"
    for marker in world.private_markers():
        assert marker.text.casefold() not in outcome.body.casefold(), outcome.where
    assert any(
        event.actor_id == world.users[visit.user].pk and event.outcome == AuditEvent.Outcome.DENIED
        for event in outcome.events
    ), f"{outcome.where}: answered 404, but no denied event; written: {describe(outcome.events)}"


def test_the_walk_fails_a_view_that_shows_a_person_without_an_audit_event(world, settings):
    """The detector itself, on tests/audit/urls_unaudited.py."""
    settings.ROOT_URLCONF = "tests.audit.urls_unaudited"
    oksana, bohdana = world.oksana.pk, world.bohdana.pk
    problems = problems_of(world, "unaudited-client", Visit("caseworker", kwargs={"pk": oksana}))
    assert len(problems) == 1
    assert "showing 'Marchenkova' of oksana but wrote no read event" in problems[0]
    assert problems_of(world, "audited-client", Visit("caseworker", kwargs={"pk": oksana})) == []
    leak = problems_of(world, "unaudited-client", Visit("caseworker", kwargs={"pk": bohdana}))
    assert leak and all("(leak)" in problem for problem in leak)
