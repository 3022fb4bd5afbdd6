"""`manage.py bench_profile`: the CPU budget of one request, page by page, in-process on
the bench database (`bench_fill`): N requests of each page through Django's test client,
each split into middleware and request handling outside the view, SQL (inside and
outside the view), template rendering, form validation and the rest of the view, in ms
(medians). With --cprofile, the functions that cost most per page (cumulative).

The split comes from timers around Django's own seams: the view callable (as
BaseHandler.make_view_atomic returns it), django.template.backends.django.Template.render,
BaseForm.full_clean and every SQL statement (connection.execute_wrapper); time spent in
SQL while rendering or validating is counted as SQL only.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.handlers.base import BaseHandler
from django.db import connection
from django.forms.forms import BaseForm
from django.template.backends.django import Template
from django.urls import reverse

from agencies.models import Membership, User
from clients.models import Client
from tools.bench.harness import Output, http_client, http_settings, quantile


@dataclass
class Split:
    total: float = 0.0
    view: float = 0.0
    sql_in_view: float = 0.0
    sql_outside: float = 0.0
    template: float = 0.0
    forms: float = 0.0
    queries: int = 0
    # Stack of open timers (view, template, form) and the SQL time seen while each ran.
    _sql_under: list[float] = field(default_factory=list)
    _nested: list[float] = field(default_factory=list)
    _open: set[str] = field(default_factory=set)
    statements: list[tuple[float, str]] = field(default_factory=list)
    _in_view: bool = False

    @property
    def middleware(self) -> float:
        return self.total - self.view - self.sql_outside

    @property
    def view_python(self) -> float:
        return self.view - self.sql_in_view - self.template - self.forms


_current: Split | None = None


def _timed_region(kind: str, fn: Callable, *args, **kwargs):
    """Run fn, adding its own time to the current split's `kind`: without the SQL inside
    it and without the regions nested in it (a form cleaned while a template renders);
    a region inside one of the same kind (an included template) is not timed again."""
    split = _current
    if split is None or kind in split._open:
        return fn(*args, **kwargs)
    split._open.add(kind)
    split._sql_under.append(0.0)
    split._nested.append(0.0)
    started = time.perf_counter()
    try:
        return fn(*args, **kwargs)
    finally:
        elapsed = (time.perf_counter() - started) * 1000
        sql = split._sql_under.pop()
        nested = split._nested.pop()
        split._open.discard(kind)
        if split._sql_under:
            split._sql_under[-1] += sql
            split._nested[-1] += elapsed - sql
        setattr(split, kind, getattr(split, kind) + elapsed - sql - nested)


def _sql_timer(execute, sql, params, many, context):
    split = _current
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        if split is not None:
            elapsed = (time.perf_counter() - started) * 1000
            split.queries += 1
            split.statements.append((elapsed, sql))
            if split._in_view:
                split.sql_in_view += elapsed
            else:
                split.sql_outside += elapsed
            if split._sql_under:
                split._sql_under[-1] += elapsed


@contextmanager
def _instrumented() -> Iterator[None]:
    make_view_atomic = BaseHandler.make_view_atomic
    render = Template.render
    full_clean = BaseForm.full_clean

    def view_wrapper(handler, view):
        wrapped = make_view_atomic(handler, view)

        def timed(*args, **kwargs):
            split = _current
            if split is None:
                return wrapped(*args, **kwargs)
            split._in_view = True
            started = time.perf_counter()
            try:
                return wrapped(*args, **kwargs)
            finally:
                split.view += (time.perf_counter() - started) * 1000
                split._in_view = False

        return timed

    BaseHandler.make_view_atomic = view_wrapper
    Template.render = lambda self, *a, **k: _timed_region("template", render, self, *a, **k)
    BaseForm.full_clean = lambda self: _timed_region("forms", full_clean, self)
    try:
        with connection.execute_wrapper(_sql_timer):
            yield
    finally:
        BaseHandler.make_view_atomic = make_view_atomic
        Template.render = render
        BaseForm.full_clean = full_clean


@dataclass(frozen=True)
class Page:
    label: str
    user: User
    request: Callable[[Any], Any]  # (http client) -> response


def pages(rng: random.Random) -> list[Page]:
    membership = (
        Membership.objects.filter(
            user__username__contains=".bench-", role=Membership.Role.CASEWORKER
        )
        .select_related("user", "agency")
        .order_by("agency_id", "user__username")
        .first()
    )
    if membership is None:
        raise SystemExit("No bench users here: run manage.py bench_fill first.")
    caseworker, agency = membership.user, membership.agency
    supervisor = (
        Membership.objects.filter(
            agency=agency, role=Membership.Role.SUPERVISOR, user__username__contains=".bench-"
        )
        .select_related("user")
        .first()
        .user
    )
    own = list(
        Client.objects.filter(registered_by=agency, household__isnull=False)
        .order_by("?")
        .values_list("pk", flat=True)[:200]
    )
    names = list(Client.objects.filter(pk__in=own[:50]).values_list("family_name", "given_names"))
    person = Client.objects.get(pk=own[0])

    def pick() -> int:
        return rng.choice(own)

    def name() -> str:
        return rng.choice(names)[0]

    dup = {
        "family_name": person.family_name,
        "given_names": person.given_names.split(" ")[0],
        "birth_date": str(person.birth_date),
    }
    return [
        Page("start page", caseworker, lambda c: c.get(reverse("home"))),
        Page(
            "record", caseworker, lambda c: c.get(reverse("clients:client-detail", args=[pick()]))
        ),
        Page(
            "search",
            caseworker,
            lambda c: c.post(reverse("clients:client-search"), {"name": name()}),
        ),
        Page(
            "duplicate check", caseworker, lambda c: c.post(reverse("clients:duplicate-check"), dup)
        ),
        Page(
            "edit form",
            caseworker,
            lambda c: c.get(reverse("clients:client-edit", args=[pick(), "contact"])),
        ),
        Page(
            "history", caseworker, lambda c: c.get(reverse("clients:client-history", args=[pick()]))
        ),
        Page("inbox", caseworker, lambda c: c.get(reverse("inbox:inbox"))),
        Page("audit log", supervisor, lambda c: c.get(reverse("audit:event-list"))),
        Page(
            "audit: record accesses",
            supervisor,
            lambda c: c.get(reverse("audit:record-accesses", args=[pick()])),
        ),
    ]


def _slowest_sql(out: Output, splits: list[Split], limit: int) -> None:
    """The page's statements by median time over the requests (same text, same slot)."""
    by_statement: dict[str, list[float]] = {}
    for split in splits:
        for elapsed, sql in split.statements:
            key = " ".join(sql.split())
            key = re.sub(r"\b\d+\b", "N", key)[:400]
            by_statement.setdefault(key, []).append(elapsed)
    ranked = sorted(by_statement.items(), key=lambda item: -statistics.median(item[1]))
    for key, times in ranked[:limit]:
        out.write(f"    {statistics.median(times):7.1f} ms  x{len(times) / len(splits):.0f}  {key}")


COLUMNS = ("total", "middleware", "sql_outside", "view_python", "sql_in_view", "template", "forms")


def run(options: dict[str, Any], out: Output) -> None:
    rng = random.Random(options["seed"])  # noqa: S311 - which records to open
    chosen = [p for p in pages(rng) if not options["pages"] or p.label in options["pages"]]
    out.heading(
        f"Per-request budget in ms (median of {options['requests']} requests each, "
        "in-process, no network)"
    )
    header = f"{'page':<24}" + "".join(f"{c:>12}" for c in COLUMNS) + f"{'p95 total':>11}{'SQL':>5}"
    out.write(header)
    out.write("-" * len(header))
    global _current
    profiles = {}
    with http_settings(), _instrumented():
        connection.ensure_connection()
        connection.close_at = None
        for page in chosen:
            http = http_client(page.user)
            page.request(http)  # warm: session, caches, plans
            splits = []
            profiler = cProfile.Profile() if options["cprofile"] else None
            for _ in range(options["requests"]):
                split = _current = Split()
                if profiler:
                    profiler.enable()
                started = time.perf_counter()
                response = page.request(http)
                split.total = (time.perf_counter() - started) * 1000
                if profiler:
                    profiler.disable()
                _current = None
                if response.status_code != 200:
                    raise SystemExit(f"{page.label} answered {response.status_code}")
                splits.append(split)
            medians = [statistics.median(getattr(s, c) for s in splits) for c in COLUMNS]
            p95 = quantile([s.total for s in splits], 0.95)
            queries = statistics.median(s.queries for s in splits)
            out.write(
                f"{page.label:<24}"
                + "".join(f"{m:>12.1f}" for m in medians)
                + f"{p95:>11.1f}{queries:>5.0f}"
            )
            if profiler:
                profiles[page.label] = profiler
            if options["sql"]:
                _slowest_sql(out, splits, options["sql"])
    out.write(
        "middleware: the handler and middleware outside the view (sessions, auth, CSP, "
        "audit buffer...); sql_outside: their SQL (the audit events are appended there); "
        "view_python: the view's own Python, SQL, templates and forms taken out."
    )
    for label, profiler in profiles.items():
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats(options["sort"]).print_stats(
            options["cprofile"]
        )
        out.heading(f"\ncProfile, {label} ({options['requests']} requests, {options['sort']})")
        out.write(buffer.getvalue())
