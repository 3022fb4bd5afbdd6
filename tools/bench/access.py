"""Search, existence hints, the intake check and record access for an agency with
100,000 visible records out of a million: latency (p50/p95/max), SQL statements per
case, and the query plans of the slowest.

A benchmark, not a test: it prints figures for people to judge. It writes a million
rows, so it runs only on a PostgreSQL database whose name contains "bench":

    createdb portal_bench
    DATABASE_URL=postgres:///portal_bench manage.py migrate
    DATABASE_URL=postgres:///portal_bench manage.py benchmark_access [--candidates]
    DATABASE_URL=postgres:///portal_bench manage.py benchmark_access --teardown

Every case calls production code: the selectors and the policy as the pages call them,
the guard that audits a read, the intake check, and whole pages through the test client.
With --candidates the cases run again under candidate indexes (created with SQL in this
database and dropped afterwards, never by migration). The data: `tools.bench.access_data`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from access import guards, hints, policy
from access import selectors as access_selectors
from access.models import ClientGroupObjectPermission, Grant
from audit.services import audit_buffer
from clients import selectors as record_selectors
from clients.models import Client, ClientMatchKey, IdentityDocument
from core.dates import PartialDate
from core.sections import WHOLE_RECORD_PERM
from tools.bench import access_data
from tools.bench.access_data import Dataset
from tools.bench.harness import (
    Case,
    Measurement,
    Output,
    Variant,
    bench_database_required,
    http_client,
    http_result,
    http_settings,
    measure_all,
    print_comparison,
    print_plans,
    print_table,
    server_settings,
    slowest,
    table_sizes,
    variant_applied,
)
from workflows.intake.check import intake_check

PAGES = "pages (HTTP, whole request)"


def run(out: Output, options: dict[str, Any]) -> None:
    bench_database_required("a million rows", "portal_bench")
    if options["teardown"]:
        started = time.perf_counter()
        access_data.teardown(out)
        out.write(f"Synthetic data dropped in {time.perf_counter() - started:.1f} s.")
        return
    data = access_data.dataset(options, out)
    _print_setup(out, data)
    variants = [Variant("as migrated")]
    if options["candidates"]:
        variants += _candidate_variants()
    results: dict[str, list[Measurement]] = {}
    with http_settings():
        cases = _cases(data)
        for variant in variants:
            # Outside a transaction, so that pages pay for their COMMIT as in production.
            out.heading(f"\n== Variant: {variant.label} ==")
            with variant_applied(variant, out.write):
                measured = measure_all([c for c in cases if variant.concerns(c)], options["repeat"])
                print_table(out, measured)
                selected = [m for m in measured if m.group != PAGES]
                print_plans(out, slowest(selected, limit=6, min_ms=5), variant.label)
            results[variant.label] = measured
    if len(results) > 1:
        print_comparison(out, results)


def _cases(data: Dataset) -> list[Case]:
    user, picks = data.user, data.picks
    person, own_dated, elsewhere = picks["person"], picks["own_dated"], picks["elsewhere"]
    year = PartialDate(person.birth_year)
    cases: list[Case] = []

    def search(**criteria) -> Callable[[], str]:
        def fn() -> str:
            found = access_selectors.client_search(user, **criteria)
            return f"{len(found.results)} found" + (", more" if found.more else "")

        return fn

    group = "search: access.selectors.client_search"
    two_words = f"{person.given_names.split()[0]} {person.family_name}"
    names = frozenset({"names"})
    cases += [
        Case(group, f"name, common: {picks['common']}", search(name=picks["common"]), names),
        Case(group, f"name, given+family: {two_words}", search(name=two_words), names),
        Case(
            group,
            f"name+birth year: {picks['common']} {year.year}",
            search(name=picks["common"], birth_date=year),
            names,
        ),
        Case(group, f"name, rare: {picks['rare']}", search(name=picks["rare"]), names),
        Case(group, "name, no match: Zzyzx", search(name="Zzyzx"), names),
        Case(group, "AZR number", search(azr_number=picks["azr"])),
        Case(group, "phone", search(phone=picks["phone"]), frozenset({"rows"})),
        Case(group, "reference code", search(reference_code=picks["reference"])),
    ]
    if picks["document"] is not None:
        by_document = search(document_number=picks["document"].number)
        cases.append(Case(group, "document number", by_document, frozenset({"rows"})))

    def full(client: Client) -> dict[str, Any]:
        return {
            "name": f"{client.given_names} {client.family_name}",
            "birth_date": client.birth_date,
        }

    def hinted(criteria: dict[str, Any]) -> Callable[[], str]:
        def fn() -> str:
            with transaction.atomic():  # as in a request: the hint tokens are written
                return f"{len(hints.search_hints(user, criteria))} hints"

        return fn

    group = "existence hints: access.hints.search_hints"
    rows = frozenset({"rows", "names"})
    cases.append(Case(group, "full name + date, own record", hinted(full(own_dated)), rows))
    if elsewhere is not None:
        cases.append(
            Case(group, "full name + date, other agency's record", hinted(full(elsewhere)), rows)
        )
        number = elsewhere.documents.first().number
        cases.append(
            Case(group, "document of another agency's record", hinted({"document_number": number}))
        )

    request = RequestFactory().get("/")
    request.user = user

    def read(client: Client) -> Callable[[], str]:
        def fn() -> str:
            with transaction.atomic(), audit_buffer():
                try:
                    found = guards.get_client_for(request, client.pk)
                except Http404:
                    return "404"
            return f"{len(found.access.view)} sections"

        return fn

    group = "one record: access.guards.get_client_for (audited)"
    own = picks["documented"] or person
    cases.append(Case(group, "own record", read(own), rows))
    if picks["granted"] is not None:
        cases.append(Case(group, "section grant", read(picks["granted"]), rows))
    if picks["expired"] is not None:
        cases.append(Case(group, "expired grant", read(picks["expired"]), rows))

    def visible_count() -> str:
        return f"{policy.clients_visible_to(user).count():,} visible"

    group = "visibility: access.policy.clients_visible_to (the filter in every read)"
    cases.append(Case(group, "count", visible_count, rows))

    def check(client: Client) -> Callable[[], str]:
        # The person typed in again, as the intake form builds the record to check.
        (stored,) = record_selectors.match_records_of([client.pk])
        typed = dataclasses.replace(stored, id=None, other_names=())

        def fn() -> str:
            with transaction.atomic():
                matches = intake_check(user=user, record=typed)
            return f"{len(matches.visible)} shown, {len(matches.hidden)} hints"

        return fn

    group = "intake check: workflows.intake.check.intake_check"
    cases.append(Case(group, "own person typed again", check(own_dated), rows))
    if elsewhere is not None:
        cases.append(Case(group, "other agency's person typed again", check(elsewhere), rows))
    return cases + _page_cases(data)


def _page_cases(data: Dataset) -> list[Case]:
    """Whole requests through the test client: middleware, ATOMIC_REQUESTS, the rate
    limit counters, the template, the request's audit events appended to the chain."""
    user, picks = data.user, data.picks
    http = http_client(user)
    search_url = reverse("clients:client-search")

    def post(criteria: dict[str, str]) -> Callable[[], str]:
        return lambda: http_result(http.post(search_url, criteria))

    def get(client: Client) -> Callable[[], str]:
        url = reverse("clients:client-detail", args=[client.pk])
        return lambda: http_result(http.get(url))

    own_dated, elsewhere = picks["own_dated"], picks["elsewhere"]
    rows = frozenset({"rows", "names"})
    cases = [
        Case(PAGES, f"search: {picks['common']}", post({"name": picks["common"]}), rows),
        Case(PAGES, f"search: {picks['rare']}", post({"name": picks["rare"]}), rows),
        Case(
            PAGES,
            "search: full name + date (+hints)",
            post(
                {
                    "name": f"{own_dated.given_names} {own_dated.family_name}",
                    "birth_date": str(own_dated.birth_date),
                }
            ),
            rows,
        ),
    ]
    if elsewhere is not None:
        number = elsewhere.documents.first().number
        cases.append(
            Case(
                PAGES, "search: other agency's document (+hint)", post({"document_number": number})
            )
        )
    cases.append(
        Case(PAGES, "detail: own record", get(picks["documented"] or picks["person"]), rows)
    )
    if picks["granted"] is not None:
        cases.append(Case(PAGES, "detail: section grant", get(picks["granted"]), rows))
    return cases


def _candidate_variants() -> list[Variant]:
    """Indexes to try under the same code: the trigram index on search names dropped
    (or added where it is missing), and a covering index on the permission rows."""
    table = Client._meta.db_table
    perms = ClientGroupObjectPermission._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexdef LIKE '%%gin_trgm_ops%%' AND indexdef LIKE '%%search_name%%'",
            [table],
        )
        trigram = cursor.fetchall()
    names = frozenset({"names"})
    if trigram:
        name_variant = Variant(
            "no trigram index on search_name",
            tuple(f"DROP INDEX {name}" for name, _ddl in trigram),
            tuple(ddl for _name, ddl in trigram),
            names,
        )
    else:
        name_variant = Variant(
            "with trigram index on search_name",
            (
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                f"CREATE INDEX bench_search_name_trgm ON {table} "
                "USING gin (search_name gin_trgm_ops)",
            ),
            ("DROP INDEX bench_search_name_trgm",),
            names,
        )
    covering = Variant(
        "permission rows: (group, permission, record) INCLUDE (expires_on)",
        (
            f"CREATE INDEX bench_perm_covering ON {perms} "
            "(group_id, permission_id, content_object_id) INCLUDE (expires_on)",
            f"ANALYZE {perms}",
        ),
        ("DROP INDEX bench_perm_covering",),
        frozenset({"rows"}),
    )
    return [name_variant, covering]


def _print_setup(out: Output, data: Dataset) -> None:
    agency, picks = data.agency, data.picks
    today = timezone.localdate()
    rows = ClientGroupObjectPermission.objects.filter(group_id=agency.group_id)
    whole = rows.filter(permission__codename=WHOLE_RECORD_PERM)
    sections = rows.exclude(permission__codename=WHOLE_RECORD_PERM)
    server, version = server_settings()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s "
            "AND indexdef LIKE '%%gin_trgm_ops%%'",
            [Client._meta.db_table],
        )
        trigram = [name for (name,) in cursor.fetchall()]
    tables = [
        Client._meta.db_table,
        ClientGroupObjectPermission._meta.db_table,
        IdentityDocument._meta.db_table,
        Grant._meta.db_table,
        ClientMatchKey._meta.db_table,
    ]
    visible = policy.clients_visible_to(data.user).count()
    out.heading("\n== Data ==")
    if data.built_in_s is not None:
        out.write(f"built in {data.built_in_s:.0f} s")
    out.write(f"PostgreSQL {version}: {server}")
    for name, tuples, table, indexes in table_sizes(tables):
        out.write(f"  {name:<38} {tuples:>10,} rows  table {table:>8}  indexes {indexes:>8}")
    out.write(f"trigram index on search_name: {', '.join(trigram) or 'none'}")
    out.write(
        f"measured agency {agency.name} ({data.user.username}): {visible:,} records visible "
        f"of {Client.objects.count():,}; permission rows {rows.count():,} ({whole.count():,} "
        f"whole record, {sections.exclude(expires_on__lt=today).count():,} active section "
        f"rows, {rows.filter(expires_on__lt=today).count():,} expired)"
    )
    out.write(
        f"family names among its records: {picks['distinct_family_names']:,} distinct; "
        f"common {picks['common']} ({picks['common_count']:,}), "
        f"rare {picks['rare']} ({picks['rare_count']})"
    )
    for note in data.notes:
        out.write(note)
