"""Duplicate detection on the database: the batch report's run time and quality at
100,000 persons, the intake check's latency at a million records.

A benchmark, not a test: it prints figures for people to judge. It writes a million
rows, so it runs only on a PostgreSQL database whose name contains "bench":

    createdb -h 127.0.0.1 -U postgres portal_bench_dup
    DATABASE_URL=postgres://postgres@127.0.0.1/portal_bench_dup manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1/portal_bench_dup manage.py benchmark_duplicates
    DATABASE_URL=... manage.py benchmark_duplicates --teardown

1. Loads the synthetic evaluation set (`tools.synthetic.matching`: `--report-persons`
   people and their duplicate records) with COPY, keys by the import's writer, and runs
   the real `duplicate_report` command on it: wall time, and precision/recall/F1 of the
   pairs it found against the ground truth (the person travels in `external_ref`).
2. Grows the table to `--clients` records with more synthetic people (other seeds), then
   runs the intake check (`workflows.intake.check.intake_check`, audit included) for
   `--samples` held-back duplicate records whose original is in the table: p50/p95/max
   latency, records shown, and how often the original was proposed as probable.
"""

from __future__ import annotations

import csv
import io
import tempfile
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from access.models import ClientGroupObjectPermission
from access.rows import permission_ids
from agencies.models import Agency, Membership, User
from agencies.services import agency_create, membership_set
from clients.models import Client, IdentityDocument
from core.identity.score import DEFAULT_THRESHOLD, MatchRecord
from core.sections import WHOLE_RECORD_PERM
from tools.bench.access_data import KEY_BATCH
from tools.bench.cleanup import synthetic_drop
from tools.bench.harness import Output, bench_database_required, quantile
from tools.synthetic.matching import generate
from workflows.imports.writing import match_keys_copy
from workflows.intake.check import intake_check

SLUG = "dupbench"  # the agency and its caseworker (not "bench-": the access benchmark's)
NAME_FIELDS = (
    "family_name",
    "given_names",
    "birth_name",
    "former_names",
    "family_name_original",
    "given_names_original",
)


def run(out: Output, options: dict[str, Any]) -> None:
    bench_database_required("a million rows", "portal_bench_dup")
    if options["teardown"]:
        started = time.perf_counter()
        teardown(out)
        out.write(f"Synthetic data dropped in {time.perf_counter() - started:.1f} s.")
        return
    seed, samples, clients = options["seed"], options["samples"], options["clients"]
    if not options["skip_report"]:
        others = Client.objects.exclude(registered_by__slug=SLUG).count()
        if others:
            raise CommandError(
                f"duplicate_report scores every record in the database, and {others:,} are "
                "not this benchmark's: drop them first (the other benchmarks' --teardown)."
            )
        teardown(out)
    agency, user = _agency_and_user()
    if not options["skip_report"]:
        data = generate(options["report_persons"], seed=seed)
        started = time.perf_counter()
        refs = [f"p{person}-{index}" for index, person in enumerate(data.person_of)]
        _load(agency, data.records, refs)
        out.write(
            f"loaded {len(data.records):,} records of {options['report_persons']:,} persons "
            f"in {time.perf_counter() - started:.0f} s (COPY, keys by match_keys_copy)"
        )
        _report(out, data)

    # Grow to `clients` with other people; hold back one duplicate per sampled person. The
    # batches are seeded, so a later run with --skip-report replays them to get the same
    # held-back records without loading anything again.
    existing = Client.objects.filter(registered_by=agency).count()
    loaded = Client.objects.filter(registered_by=agency, external_ref__startswith="p").count()
    rng_seed, held_back = seed + 1000, []
    while loaded < clients:
        persons = max(1000, int((clients - loaded) / 1.35))
        data = generate(persons, seed=rng_seed)
        records, refs, seen = [], [], set()
        for record, person in zip(data.records, data.person_of, strict=True):
            if person in seen and len(held_back) < samples:
                held_back.append((record, f"s{rng_seed}p{person}"))
                continue
            seen.add(person)
            records.append(record)
            refs.append(f"s{rng_seed}p{person}-{len(refs)}")
        records, refs = records[: clients - loaded], refs[: clients - loaded]
        if loaded >= existing:
            started = time.perf_counter()
            _load(agency, records, refs)
            out.write(
                f"loaded {len(records):,} more records in {time.perf_counter() - started:.0f} s"
            )
        loaded += len(records)
        rng_seed += 1
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after such a load
    _intake_latency(out, user, held_back, loaded)


def teardown(out: Output | None = None) -> None:
    synthetic_drop(
        agencies=list(Agency.objects.filter(slug=SLUG).values_list("pk", flat=True)),
        users=list(User.objects.filter(username=f"{SLUG}-caseworker").values_list("pk", flat=True)),
        # The report's own export event names no one (a command, not a user).
        events=Q(actor=None, action="export", fields=["duplicate_report"]),
        warn=out.write if out is not None else None,
    )


# --- parts -----------------------------------------------------------------------------------


def _report(out: Output, data) -> None:
    log = io.StringIO()
    with tempfile.NamedTemporaryFile("r", suffix=".csv") as output:
        started = time.perf_counter()
        call_command("duplicate_report", output=output.name, stderr=log)
        wall = time.perf_counter() - started
        rows = list(csv.DictReader(output))
    truth_people: dict[int, list[int]] = {}
    for index, person in enumerate(data.person_of):
        truth_people.setdefault(person, []).append(index)
    true_pairs = sum(len(m) * (len(m) - 1) // 2 for m in truth_people.values())
    tp = sum(1 for row in rows if _person(row["external_ref_a"]) == _person(row["external_ref_b"]))
    precision = tp / len(rows) if rows else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out.write(
        f"duplicate_report on {len(data.records):,} records: {wall:.1f} s wall, "
        f"{len(rows):,} pairs at >= {DEFAULT_THRESHOLD}; against ground truth "
        f"P {precision:.4f} R {recall:.4f} F1 {f1:.4f} ({true_pairs:,} true pairs)"
    )
    for line in log.getvalue().splitlines():
        out.write(f"  {line}")


def _intake_latency(
    out: Output, user: User, queries: list[tuple[MatchRecord, str]], total: int
) -> None:
    times, shown_counts, found = [], [], 0
    for record, person in queries:
        started = time.perf_counter()
        with transaction.atomic():
            matches = intake_check(user=user, record=record)
        times.append(1000 * (time.perf_counter() - started))
        shown = matches.visible + [c for _h, c in matches.hidden]
        shown_counts.append(len(shown))
        found += any(_person(c.client.external_ref) == person and c.probable for c in shown)
    if not times:
        out.write("intake check: no held-back duplicates (more --clients or --samples)")
        return
    out.write(
        f"intake check at {total:,} records, {len(queries)} held-back duplicates: "
        f"p50 {quantile(times, 0.5):.1f} ms, p95 {quantile(times, 0.95):.1f} ms, "
        f"max {max(times):.1f} ms; records shown p50 {quantile(shown_counts, 0.5):.0f} "
        f"max {max(shown_counts)}; original proposed as probable in {found}/{len(queries)}"
    )


# --- data ------------------------------------------------------------------------------------


def _agency_and_user() -> tuple[Agency, User]:
    agency = Agency.objects.filter(slug=SLUG).first() or agency_create(
        slug=SLUG, name="Bench Duplicates", kind=Agency.Kind.REFUGEE_OFFICE
    )
    user, _created = User.objects.get_or_create(username=f"{SLUG}-caseworker")
    membership_set(user=user, agency=agency, role=Membership.Role.CASEWORKER)
    return agency, user


def _load(agency: Agency, records: list[MatchRecord], refs: list[str]) -> None:
    """COPY the records and their documents; their keys and the registering agency's
    permission rows as the import writes them."""
    now = timezone.now()
    fields = [f for f in Client._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f.column for f in fields)
    folded = Client()  # the search name as the model derives it, one instance reused
    lengths = {name: Client._meta.get_field(name).max_length for name in NAME_FIELDS}
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {Client._meta.db_table} ({columns}) FROM STDIN") as copy:
            for record, ref in zip(records, refs, strict=True):
                values = {name: getattr(record, name)[: lengths[name]] for name in NAME_FIELDS}
                for name, value in values.items():
                    setattr(folded, name, value)
                folded.refresh_search_name()
                values |= {
                    "sex": record.sex if record.sex in ("f", "m", "x") else "u",
                    "birth_year": record.birth.year,
                    "birth_month": record.birth.month,
                    "birth_day": record.birth.day,
                    "nationalities": ",".join(record.nationalities),
                    "street": record.street[:200],
                    "postcode": record.postcode[:5],
                    "registered_by_id": agency.pk,
                    "external_ref": ref,
                    "created_at": now,
                    "updated_at": now,
                    "search_name": folded.search_name,
                    "languages": "[]",
                }
                copy.write_row(
                    [values[f.attname] if f.attname in values else _default(f) for f in fields]
                )
        cursor.execute(
            f"SELECT id, external_ref FROM {Client._meta.db_table} "  # noqa: S608
            "WHERE registered_by_id = %s AND external_ref = ANY(%s)",
            [agency.pk, refs],
        )
        ids = {ref: pk for pk, ref in cursor.fetchall()}
        sql = (
            f"COPY {IdentityDocument._meta.db_table} "
            "(client_id, doc_type, number, issuing_country, created_at) FROM STDIN"
        )
        with cursor.cursor.copy(sql) as copy:
            for record, ref in zip(records, refs, strict=True):
                for number in dict.fromkeys(record.documents):
                    copy.write_row([ids[ref], "passport", number, "UA", now])
        new = sorted(ids.values())
        for start in range(0, len(new), KEY_BATCH):
            match_keys_copy(new[start : start + KEY_BATCH])
        (whole,) = permission_ids(WHOLE_RECORD_PERM)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {ClientGroupObjectPermission._meta.db_table} "  # noqa: S608
                "(content_object_id, group_id, permission_id) "
                "SELECT id, %s, %s FROM unnest(%s::bigint[]) AS id",
                [agency.group_id, whole, new],
            )


def _person(external_ref: str) -> str:
    """The synthetic person behind a benchmark record's external_ref ("p17-203" -> "p17")."""
    return external_ref.partition("-")[0]


def _default(field):
    value = field.get_default()
    if value is None and not field.null:
        return "" if field.empty_strings_allowed else None
    return value
