"""Duplicate detection on the database: batch report run time and quality at 100k persons,
intake-check latency at a million records.

A benchmark, not a test: it prints numbers for people to judge. It writes a million rows,
so it runs only against a PostgreSQL database whose name contains "bench":

    createdb -h 127.0.0.1 -U postgres portal_bench_dup
    DATABASE_URL=postgres://postgres@127.0.0.1/portal_bench_dup manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1/portal_bench_dup manage.py benchmark_duplicates

1. Loads the synthetic evaluation set (tools.synthetic.matching, `--report-persons`
   people and their duplicate records) with COPY, blocking keys included, and runs the
   real `duplicate_report` command on it: wall time, and precision/recall/F1 of the pairs
   it wrote against the ground truth (the person id travels in `external_ref`).
2. Grows the table to `--clients` records with more synthetic people (other seed), then
   runs the intake check (clients.views.intake.intake_matches, audit included) for
   `--samples` held-back duplicate records whose original is in the table: p50/p95/max
   latency, candidates scored, and how often the original was proposed.
"""

from __future__ import annotations

import csv
import io
import tempfile
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.services import agency_create, membership_set
from clients.models import Client, fold
from clients.views.intake import intake_matches
from core.identity.score import DEFAULT_THRESHOLD, MatchRecord
from tools.bench.harness import bench_database_required, quantile
from tools.synthetic.matching import generate

AGENCY_SLUG = "bench-duplicates"


class Command(BaseCommand):
    help = "Benchmark the duplicate report (100k persons) and the intake check (1M records)."

    def add_arguments(self, parser):
        parser.add_argument("--report-persons", type=int, default=100_000)
        parser.add_argument("--clients", type=int, default=1_000_000)
        parser.add_argument("--samples", type=int, default=300)
        parser.add_argument("--seed", type=int, default=5)
        parser.add_argument(
            "--skip-report",
            action="store_true",
            help="Only the intake latency part (on the records an earlier run loaded).",
        )

    def handle(self, *args, report_persons, clients, samples, seed, skip_report, **options):
        bench_database_required("a million rows", "portal_bench_dup")
        agency, user = self._agency_and_user()
        out = self.stdout.write

        if not skip_report:
            self._wipe(agency)
            data = generate(report_persons, seed=seed)
            started = time.perf_counter()
            refs = [f"p{person}-{index}" for index, person in enumerate(data.person_of)]
            self._load(agency, data.records, refs)
            out(
                f"loaded {len(data.records):,} records of {report_persons:,} persons "
                f"in {time.perf_counter() - started:.0f} s (COPY, keys included)"
            )
            self._report(data)

        # Grow to a million with other people; hold back one duplicate per sampled person.
        # The batches are seeded, so a later run with --skip-report replays them to get the
        # same held-back queries without loading anything again.
        existing = Client.objects.filter(registered_by=agency).count()
        loaded = Client.objects.filter(registered_by=agency, external_ref__startswith="p").count()
        rng_seed, held_back = seed + 1000, []
        while loaded < clients:
            persons = max(1000, int((clients - loaded) / 1.35))
            data = generate(persons, seed=rng_seed)
            records, refs, seen = [], [], set()
            for record, person in zip(data.records, data.person_of, strict=True):
                if person in seen and len(held_back) < samples:
                    record.bench_person = f"s{rng_seed}p{person}"  # external_ref up to "-"
                    held_back.append(record)
                    continue
                seen.add(person)
                records.append(record)
                refs.append(f"s{rng_seed}p{person}-{len(refs)}")
            records, refs = records[: clients - loaded], refs[: clients - loaded]
            if loaded >= existing:
                started = time.perf_counter()
                self._load(agency, records, refs)
                seconds = time.perf_counter() - started
                out(f"loaded {len(records):,} more records in {seconds:.0f} s")
            loaded += len(records)
            rng_seed += 1
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after such a load
        self._intake_latency(user, held_back, loaded)

    # --- parts ---------------------------------------------------------------------------

    def _report(self, data) -> None:
        with tempfile.NamedTemporaryFile("r", suffix=".csv") as output:
            started = time.perf_counter()
            call_command("duplicate_report", output=output.name, stderr=io.StringIO())
            wall = time.perf_counter() - started
            rows = list(csv.DictReader(output))
        truth_people = {}
        for index, person in enumerate(data.person_of):
            truth_people.setdefault(person, []).append(index)
        true_pairs = sum(len(m) * (len(m) - 1) // 2 for m in truth_people.values())
        tp = sum(
            1 for row in rows if _person(row["external_ref_a"]) == _person(row["external_ref_b"])
        )
        precision = tp / len(rows) if rows else 1.0
        recall = tp / true_pairs if true_pairs else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        self.stdout.write(
            f"duplicate_report on {len(data.records):,} records: {wall:.1f} s wall, "
            f"{len(rows):,} pairs at >= {DEFAULT_THRESHOLD}; against ground truth "
            f"P {precision:.4f} R {recall:.4f} F1 {f1:.4f} ({true_pairs:,} true pairs)"
        )

    def _intake_latency(self, user: User, queries: list[MatchRecord], total: int) -> None:
        request = RequestFactory().post("/clients/new/duplicates/")
        request.user = user
        times, candidates, found = [], [], 0
        for record in queries:
            started = time.perf_counter()
            with transaction.atomic():
                matches = intake_matches(request, record)
            times.append(1000 * (time.perf_counter() - started))
            shown = matches.visible + [c for _h, c in matches.hidden]
            candidates.append(len(shown))
            if any(
                _person(c.client.external_ref) == record.bench_person and c.probable for c in shown
            ):
                found += 1
        self.stdout.write(
            f"intake check at {total:,} records, {len(queries)} held-back duplicates: "
            f"p50 {quantile(times, 0.5):.1f} ms, p95 {quantile(times, 0.95):.1f} ms, "
            f"max {max(times):.1f} ms; records shown p50 {quantile(candidates, 0.5):.0f} "
            f"max {max(candidates)}; original proposed as probable in {found}/{len(queries)}"
        )

    # --- data ----------------------------------------------------------------------------

    def _agency_and_user(self) -> tuple[Agency, User]:
        agency = Agency.objects.filter(slug=AGENCY_SLUG).first() or agency_create(
            slug=AGENCY_SLUG, name="Bench Duplicates", kind=Agency.Kind.REFUGEE_OFFICE
        )
        user, _created = User.objects.get_or_create(username="bench-duplicates")
        membership_set(user=user, agency=agency, role=Membership.Role.CASEWORKER)
        return agency, user

    def _wipe(self, agency: Agency) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE clients_clientmatchkey, clients_duplicatepair, clients_clientmerge, "
                "clients_identitydocument, clients_historicalidentitydocument, "
                "clients_clientgroupobjectpermission, clients_client CASCADE"
            )

    def _load(self, agency: Agency, records: list[MatchRecord], refs: list[str]) -> None:
        """COPY clients, their documents and blocking keys, as the services would write them."""
        now = timezone.now()
        fields = [f for f in Client._meta.concrete_fields if not f.primary_key]
        columns = [f.column for f in fields]
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(
                f"COPY clients_client ({', '.join(columns)}) FROM STDIN"
            ) as copy:
                for record, ref in zip(records, refs, strict=True):
                    values = {
                        "family_name": record.family_name[:150],
                        "given_names": record.given_names[:150],
                        "family_name_original": record.family_name_original[:150],
                        "given_names_original": record.given_names_original[:150],
                        "sex": record.sex if record.sex in "fmx" and record.sex else "u",
                        "birth_year": record.birth.year,
                        "birth_month": record.birth.month,
                        "birth_day": record.birth.day,
                        "nationalities": ",".join(record.nationalities),
                        "street": record.street[:200],
                        "postcode": record.postcode[:5],
                        "birth_name": record.birth_name[:150],
                        "former_names": record.former_names[:300],
                        "registered_by_id": agency.pk,
                        "external_ref": ref,
                        "created_at": now,
                        "updated_at": now,
                        "search_name": fold(f"{record.family_name} {record.given_names}"),
                        "languages": "[]",
                    }
                    copy.write_row(
                        [values[f.attname] if f.attname in values else _default(f) for f in fields]
                    )
            cursor.execute(
                "SELECT id, external_ref FROM clients_client WHERE registered_by_id = %s "
                "AND external_ref = ANY(%s)",
                [agency.pk, refs],
            )
            ids = dict((ref, pk) for pk, ref in cursor.fetchall())
            with cursor.cursor.copy(
                "COPY clients_identitydocument (client_id, doc_type, number, issuing_country, "
                "created_at) FROM STDIN"
            ) as copy:
                for record, ref in zip(records, refs, strict=True):
                    for number in record.documents:
                        copy.write_row([ids[ref], "passport", number, "UA", now])
            with cursor.cursor.copy(
                "COPY clients_clientmatchkey (client_id, key) FROM STDIN"
            ) as copy:
                for record, ref in zip(records, refs, strict=True):
                    for key in dict.fromkeys(k[:64] for k in record.blocking_keys()):
                        copy.write_row([ids[ref], key])
            cursor.execute(
                "INSERT INTO clients_clientgroupobjectpermission "
                "(content_object_id, group_id, permission_id) "
                "SELECT c.id, %s, p.id FROM clients_client c, auth_permission p "
                "WHERE c.external_ref = ANY(%s) AND c.registered_by_id = %s "
                "AND p.codename = 'view_client' AND p.content_type_id = "
                "(SELECT id FROM django_content_type WHERE app_label = 'clients' "
                "AND model = 'client')",
                [agency.group_id, refs, agency.pk],
            )


def _person(external_ref: str) -> str:
    """The synthetic person behind a benchmark record's external_ref ("p17-203" -> "p17")."""
    return external_ref.partition("-")[0]


def _default(field):
    value = field.get_default()
    if value is None and not field.null:
        return "" if field.empty_strings_allowed else None
    return value
