"""`manage.py benchmark_api`: the API as an agency system uses it, whole requests through
Django's test client (key authentication, throttle, guard, audit, serializer, problem
details) on the bench database (`bench_fill`, and `benchmark_feed` for a filled change
log): one record (GET /api/v1/clients/<id>/) and a page of up to 100 changes (GET
/api/v1/feed/?cursor=...) for the agencies with the most and the fewest records.

Each agency gets a benchmark API client (caseworker role) and a key without a practical
rate limit; the record ids asked for are a random sample of the records shared with it.
Targets (issue 14): record p95 < 50 ms, feed page p95 < 100 ms at 1M records.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from django.db.models import Count
from django.test import Client as HttpClient
from django.urls import reverse

from access.models import ClientGroupObjectPermission
from access.policy import clients_visible_to
from agencies.models import Agency, Membership
from api.models import ApiClient
from api.services import api_client_create, api_key_issue
from clients.changes import feed_horizon
from tools.bench.harness import (
    HOST,
    Case,
    Output,
    bench_database_required,
    http_result,
    http_settings,
    measure_all,
    print_plans,
    print_table,
    slowest,
)

CLIENT_NAME = "bench api"


def run(out: Output, options: dict[str, Any]) -> None:
    bench_database_required("an API client and key per agency", "portal_bench")
    agencies = _agencies()
    if not agencies:
        out.write("No permission rows in this database: fill it first (bench_fill).")
        return
    horizon = feed_horizon()
    out.heading("== API: one record, and a page of up to 100 changes (whole requests) ==")
    out.write(f"change log horizon (largest cursor): {horizon:,}")
    cases = []
    with http_settings():
        for label, (agency, rows) in agencies.items():
            http, user = _client_for(agency)
            ids = _sample(user, options["sample"])
            group = f"{label}: {agency.slug}, {rows:,} permission rows"
            cases.append(Case(group, f"record (random of {len(ids)})", _record(http, ids)))
            for start, cursor in (
                ("feed from the start", 0),
                ("feed from the middle", horizon // 2),
                ("feed caught up", horizon),
            ):
                cases.append(Case(group, f"{start}, cursor {cursor:,}", _feed(http, cursor)))
        measured = measure_all(cases, options["repeat"])
    print_table(out, measured)
    print_plans(out, slowest(measured, limit=3, min_ms=20), "slowest API requests")


def _agencies() -> dict[str, tuple[Agency, int]]:
    sizes = (
        ClientGroupObjectPermission.objects.values("group_id")
        .annotate(rows=Count("id"))
        .order_by("rows")
    )
    ranked = [
        (agency, row["rows"])
        for row in sizes
        for agency in Agency.objects.filter(group_id=row["group_id"], is_active=True)[:1]
    ]
    if not ranked:
        return {}
    return {"most records": ranked[-1], "fewest records": ranked[0]}


def _client_for(agency: Agency) -> tuple[HttpClient, Any]:
    api_client = ApiClient.objects.filter(agency=agency, name=CLIENT_NAME).first()
    if api_client is None:
        api_client = api_client_create(
            agency=agency, name=CLIENT_NAME, role=Membership.Role.CASEWORKER, actor=None
        )
    _, key = api_key_issue(api_client=api_client, actor=None, rate_per_minute=1_000_000)
    return HttpClient(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {key}"), api_client.user


def _sample(user, size: int) -> list[int]:
    # Through the policy: a permission row of an ended grant would answer 404.
    ids = list(clients_visible_to(user).values_list("pk", flat=True)[:50_000])
    return random.Random(5).sample(ids, min(size, len(ids)))


def _record(http: HttpClient, ids: list[int]):
    cycle = itertools.cycle(ids)

    def fn() -> str:
        return http_result(http.get(reverse("api:client-detail", args=[next(cycle)])))

    return fn


def _feed(http: HttpClient, cursor: int):
    def fn() -> str:
        return http_result(http.get(reverse("api:feed"), {"cursor": cursor}))

    return fn
