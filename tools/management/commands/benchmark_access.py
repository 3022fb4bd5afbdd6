"""Measure list, search and record access for an agency with 100,000 visible clients out of
a million: latency (p50/p95/max) and SQL queries per page, plus the query plans.

A benchmark, not a test: it prints numbers for people to judge. It writes a million rows,
so it runs only against a PostgreSQL database whose name contains "bench":

    createdb portal_bench
    DATABASE_URL=postgres:///portal_bench manage.py migrate
    DATABASE_URL=postgres:///portal_bench manage.py benchmark_access [--candidates]
    DATABASE_URL=postgres:///portal_bench manage.py benchmark_access --teardown

With --candidates it measures again with candidate indexes (created or dropped with SQL
in this database and undone afterwards, never by migration) and with a candidate access
filter installed in this process only; app files are not changed.

The synthetic data is built with set-based SQL (COPY and INSERT ... SELECT), shaped like
what the portal writes itself: agencies with their groups, clients with folded search
names, grants and the permission rows `agencies.access.access_rebuild` derives from them
(whole record for the registering agency, one row per granted section with its expiry).
It is kept between runs and reused when it has the requested size.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from agencies import access
from agencies import selectors as agency_selectors
from agencies.models import AccessRequest, Agency, Grant, LegalBasis, Membership, User
from agencies.services import agency_create, membership_set
from audit.models import AuditEvent
from clients import selectors
from clients.choices import Accommodation, District, ResidenceStatus
from clients.models import (
    Client,
    ClientGroupObjectPermission,
    ClientMatchKey,
    ClientMerge,
    DuplicatePair,
    IdentityDocument,
    fold,
)
from clients.reference import ALPHABET, LENGTH
from core.dates import PartialDate
from core.sections import IDENTITY, SECTIONS, WHOLE_RECORD_PERM
from tools.bench.harness import (
    bench_database_required,
    execute_timed,
    quantile,
    server_settings,
    stepper,
)

PREFIX = "bench-"  # agency slugs and user names of the synthetic data
PAGE_SIZE = 25  # as clients.views
CAPPED_COUNT = 1000  # a paginator that says "more than 1,000" instead of counting all
HOST = "127.0.0.1"
# Not counted as queries (Django logs them too): BEGIN/COMMIT of ATOMIC_REQUESTS.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
AGENCY_KINDS = (
    Agency.Kind.REFUGEE_OFFICE,
    Agency.Kind.IMMIGRATION_OFFICE,
    Agency.Kind.SOCIAL_WELFARE_OFFICE,
    Agency.Kind.JOBCENTER,
    Agency.Kind.NGO,
)
GRANT_SECTIONS = (
    ["identity", "contact"],
    ["identity", "contact", "residence"],
    ["identity", "contact", "residence", "documents", "household"],
)


# --- synthetic names ---------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """A naming tradition: real common names first, then generated ones of the same shape."""

    weight: int
    countries: tuple[str, ...]
    languages: tuple[str, ...]
    places: tuple[str, ...]
    family_head: tuple[str, ...]
    female_head: tuple[str, ...]
    male_head: tuple[str, ...]
    onsets: tuple[str, ...]
    vowels: tuple[str, ...]
    family_endings: tuple[str, ...]
    female_endings: tuple[str, ...]
    male_endings: tuple[str, ...]
    family_count: int
    given_count: int
    family_prefixes: tuple[str, ...] = ("",)


def _t(text: str) -> tuple[str, ...]:
    return tuple(text.split())


STYLES = (
    Style(
        70,
        ("UA",) * 9 + ("MD",),
        ("uk", "ru"),
        _t("Kyiv Kharkiv Mariupol Zaporizhzhia Odesa Dnipro Mykolaiv Kherson Lviv Poltava Sumy"),
        _t(
            "Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Oliinyk Kovalchuk Melnyk "
            "Boiko Savchenko Lysenko Marchenko Petrenko Moroz Polishchuk Hnatiuk Zhuk Rudenko"
        ),
        _t(
            "Olena Iryna Nataliia Oksana Tetiana Yuliia Svitlana Kateryna Anastasiia Mariia "
            "Viktoriia Halyna Anna Sofiia Daryna Polina Liudmyla Valentyna"
        ),
        _t(
            "Oleksandr Mykola Oleksii Andrii Serhii Dmytro Volodymyr Ivan Yurii Vasyl Maksym "
            "Artem Bohdan Taras Denys Mykhailo Petro Matvii"
        ),
        _t("b v h d z k l m n p r s t f kh ts ch sh zh hr kr pr tr st sk br dr hl pl"),
        _t("a o e i y u"),
        _t("enko chuk iuk nyk ko ets ak ovych ar ych"),
        _t("a ia ina ana yna"),
        ("", "o", "ii", "an", "ko"),
        1500,
        450,
    ),
    Style(
        12,
        ("SY", "SY", "IQ"),
        ("ar",),
        _t("Aleppo Damascus Homs Idlib Raqqa Deir-ez-Zor Mosul Baghdad"),
        _t("Al-Ahmad Al-Hussein Al-Ali Hassan Ibrahim Khalil Haddad Mansour Nasser Saleh"),
        _t("Fatima Aisha Mariam Rania Noor Layla Huda Amal Zainab Sara"),
        _t("Mohammad Ahmad Yusuf Khalil Omar Ali Hassan Mahmoud Abdullah Karim"),
        _t("h kh m s sh r z n q d b j f t y k l"),
        ("a", "i", "u", "aa", "ou"),
        ("", "i", "an", "ad"),
        ("a", "ah", "ia"),
        ("", "ad", "ir"),
        600,
        250,
        ("Al-", ""),
    ),
    Style(
        8,
        ("AF",),
        ("fa", "prs", "ps"),
        _t("Kabul Herat Kandahar Mazar-i-Sharif Jalalabad Kunduz Ghazni"),
        _t("Ahmadi Hussaini Rahimi Karimi Mohammadi Sultani Noori Hakimi Stanikzai Popal"),
        _t("Zahra Maryam Fatima Parwana Shabnam Nargis Farzana Sima"),
        _t("Mohammad Ahmad Ali Reza Hamid Farid Jawad Naveed"),
        _t("h kh m s sh r z n q d b j f t y k g w"),
        ("a", "i", "o", "aa", "u"),
        _t("i zai yar zada khel"),
        ("a", "ah", "ana"),
        ("", "ullah", "ad"),
        400,
        180,
    ),
    Style(
        6,
        ("TR",),
        ("tr", "ku"),
        _t("Diyarbakir Istanbul Ankara Izmir Van Mardin"),
        _t("Yilmaz Kaya Demir Sahin Celik Aydin Ozturk Arslan"),
        _t("Ayse Fatma Zeynep Elif Emine Hatice"),
        _t("Mehmet Mustafa Ahmet Ali Huseyin Hasan"),
        _t("b c d g h k m n r s t y z ch sh"),
        ("a", "e", "i", "o", "u"),
        _t("oglu er can tas kaya"),
        ("e", "a", "ay"),
        ("", "an", "et"),
        300,
        120,
    ),
    Style(
        4,
        ("ER",),
        ("ti",),
        _t("Asmara Keren Massawa Mendefera"),
        _t("Tesfay Gebremedhin Haile Berhane Kidane Tekle Woldu Mebrahtu"),
        _t("Senait Helen Selam Yordanos Luwam Semhar"),
        _t("Yonas Dawit Samuel Filmon Tesfalem Robel"),
        _t("b d g h k l m n r s t w y z f"),
        ("a", "e", "i", "o", "u"),
        ("om", "ay", "et", "u", "e"),
        ("a", "et", "it"),
        ("", "om", "el"),
        200,
        100,
    ),
)


@dataclass
class Names:
    family: list[str]
    female: list[str]
    male: list[str]


def _name_lists(rng: random.Random) -> list[Names]:
    """Per style: names ranked by popularity, real ones first, a few thousand in all."""

    def words(style: Style, head, endings, prefixes, count: int) -> list[str]:
        found = list(head)
        seen = set(found)
        while len(found) < count:
            root = (
                rng.choice(style.onsets)
                + rng.choice(style.vowels)
                + rng.choice(style.onsets)
                + rng.choice(style.vowels)
            )
            word = rng.choice(prefixes) + (root + rng.choice(endings)).capitalize()
            if word not in seen:
                seen.add(word)
                found.append(word)
        return found

    return [
        Names(
            words(s, s.family_head, s.family_endings, s.family_prefixes, s.family_count),
            words(s, s.female_head, s.female_endings, ("",), s.given_count),
            words(s, s.male_head, s.male_endings, ("",), s.given_count),
        )
        for s in STYLES
    ]


def _popular(rng: random.Random, ranked: list[str]) -> str:
    """Rank r with probability falling like 1/sqrt(r): the top name ~1-2 %, a long tail."""
    return ranked[int(len(ranked) * rng.random() ** 2)]


_GERMAN_SPELLING = (("shch", "schtsch"), ("sh", "sch"), ("kh", "ch"), ("ch", "tsch"), ("v", "w"))


def _german_spelling(name: str) -> str:
    """How the name was written on an older German document (Shevchenko -> Schewtschenko)."""
    text = name.lower()
    for old, new in _GERMAN_SPELLING:
        text = text.replace(old, new)
    return text.capitalize()


def _reference_code(rng: random.Random) -> str:
    body = "".join(ALPHABET[rng.getrandbits(5)] for _ in range(LENGTH))
    return body + luhn.calc_check_digit(body, alphabet=ALPHABET)


# --- measurements --------------------------------------------------------------------------


@dataclass
class Measurement:
    group: str
    label: str
    times_ms: list[float]
    queries: int
    result: str
    sql: list[str]

    def quantile(self, q: float) -> float:
        return quantile(self.times_ms, q)

    @property
    def p50(self) -> float:
        return self.quantile(0.5)

    @property
    def p95(self) -> float:
        return self.quantile(0.95)

    @property
    def max(self) -> float:
        return max(self.times_ms)


@dataclass(frozen=True)
class Variant:
    """A schema or query shape to try: DDL applied and undone around the measurements,
    and optionally a candidate installed in-process only (no app file changes)."""

    label: str
    apply: tuple[str, ...] = ()
    undo: tuple[str, ...] = ()
    patch: Callable[[], Any] | None = None


@contextmanager
def _access_by_permission_id():
    """Candidate for agencies.access.clients_visible_to: the same rows, filtered on the
    permission ids instead of a join to auth_permission on the codename. The join hides
    the permission_id statistics from the planner (it then expects 1/100 of the rows)."""
    ids = dict(
        Permission.objects.filter(
            content_type__app_label="clients", content_type__model="client"
        ).values_list("codename", "pk")
    )
    original = access.clients_visible_to

    def clients_visible_to(user, *, section: str = IDENTITY):
        agency = access.agency_for(user)
        if agency is None:
            return Client.objects.none()
        wanted = [ids[WHOLE_RECORD_PERM], ids[SECTIONS[section].view_perm]]
        rows = access._effective_rows(agency).filter(
            content_object=OuterRef("pk"), permission_id__in=wanted
        )
        return Client.objects.filter(Exists(rows))

    access.clients_visible_to = clients_visible_to
    try:
        yield
    finally:
        access.clients_visible_to = original


@dataclass
class Dataset:
    agencies: list[Agency]
    user: User
    picks: dict[str, Any]
    built_in_s: float | None


class Command(BaseCommand):
    help = (
        "Benchmark access filtering, search and record pages with 1M synthetic clients "
        "(only on a PostgreSQL database whose name contains 'bench')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=1_000_000, help="clients in all")
        parser.add_argument(
            "--visible",
            type=int,
            default=100_000,
            help="clients registered by the measured agency (its whole-record rows)",
        )
        parser.add_argument("--agencies", type=int, default=10)
        parser.add_argument(
            "--grant-share",
            type=float,
            default=0.1,
            help="share of records handed over to one other agency (section grants)",
        )
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per case")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--rebuild", action="store_true", help="drop and build the data")
        parser.add_argument(
            "--candidates",
            action="store_true",
            help="also measure candidate indexes (undone afterwards) and a candidate access "
            "filter (installed in this process only)",
        )
        parser.add_argument("--teardown", action="store_true", help="drop the synthetic data")

    def handle(self, *args, **options) -> None:
        self.verbosity = options["verbosity"]
        bench_database_required("a million rows", "portal_bench")
        if options["teardown"]:
            started = time.perf_counter()
            self._teardown()
            self.stdout.write(f"Synthetic data dropped in {time.perf_counter() - started:.1f} s.")
            return
        if not 0 < options["visible"] < options["clients"] or options["agencies"] < 2:
            raise CommandError("Need 0 < --visible < --clients and at least 2 agencies.")
        dataset = self._dataset(options)
        self._print_setup(dataset)

        variants = [Variant("as migrated")]
        if options["candidates"]:
            variants += self._candidate_variants()
        results: dict[str, list[Measurement]] = {}
        for variant in variants:
            # Outside a transaction, so that pages pay for their COMMIT as in production;
            # a tried schema change is undone right after its measurements.
            self.stdout.write(self.style.MIGRATE_HEADING(f"\n== Variant: {variant.label} =="))
            try:
                execute_timed(variant.apply, self.stdout.write)
                with variant.patch() if variant.patch else nullcontext():
                    results[variant.label] = self._suite(dataset, options["repeat"])
                    self._print_table(results[variant.label])
                    self._print_plans(results[variant.label])
            finally:
                execute_timed(variant.undo, self.stdout.write)
        if len(results) > 1:
            self._print_comparison(results)

    # --- data ---------------------------------------------------------------------------

    def _dataset(self, options: dict[str, Any]) -> Dataset:
        agencies = list(Agency.objects.filter(slug__startswith=PREFIX).order_by("slug"))
        built_in = None
        if options["rebuild"] or not self._has_size(agencies, options):
            if agencies:
                self.stdout.write("Synthetic data of another size found; dropping it.")
                self._teardown()
            started = time.perf_counter()
            self._build(options)
            built_in = time.perf_counter() - started
            agencies = list(Agency.objects.filter(slug__startswith=PREFIX).order_by("slug"))
        else:
            self.stdout.write("Reusing the synthetic data already in this database.")
        user = User.objects.get(username=f"{agencies[0].slug}-caseworker")
        return Dataset(agencies, user, self._picks(agencies[0]), built_in)

    def _has_size(self, agencies: list[Agency], options: dict[str, Any]) -> bool:
        if len(agencies) != options["agencies"]:
            return False
        total = Client.objects.filter(registered_by__in=agencies).count()
        own = Client.objects.filter(registered_by=agencies[0]).count()
        return total == options["clients"] and own == options["visible"]

    def _build(self, options: dict[str, Any]) -> None:
        rng = random.Random(options["seed"])  # noqa: S311 - reproducible synthetic data
        log = stepper("Building", self.stdout.write, width=45)
        with transaction.atomic():
            agencies, users = self._agencies_and_users(options["agencies"])
            log("agencies, groups and staff")
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cursor.execute("SELECT setseed(%s)", [(options["seed"] % 1000) / 1000])
                tables = [
                    Client._meta.db_table,
                    ClientGroupObjectPermission._meta.db_table,
                    IdentityDocument._meta.db_table,
                    Grant._meta.db_table,
                ]
                indexes = self._drop_secondary_indexes(cursor, tables)
                log(f"dropped {len(indexes)} secondary indexes for the load")
                self._copy_clients(cursor, rng, agencies, options)
                log(f"{options['clients']:,} clients (COPY)")
                self._insert_documents(cursor, agencies)
                log("identity documents")
                self._insert_grants(cursor, agencies, users, options["grant_share"])
                log("grants")
                self._insert_permission_rows(cursor, agencies)
                log("permission rows")
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred FK checks
                log("foreign key checks")
                for _name, definition in indexes:
                    cursor.execute(definition)
                log(f"recreated {len(indexes)} indexes")
        with connection.cursor() as cursor:
            for table in [*tables, Agency._meta.db_table, User._meta.db_table]:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        log("VACUUM ANALYZE")

    def _agencies_and_users(self, count: int) -> tuple[list[Agency], list[User]]:
        agencies, users = [], []
        for i in range(count):
            kind = AGENCY_KINDS[i % len(AGENCY_KINDS)]
            slug = f"{PREFIX}{i:02d}"
            agency = agency_create(name=f"Benchmark agency {i:02d}", slug=slug, kind=kind)
            user = User.objects.create(username=f"{slug}-caseworker", email="")
            user.set_unusable_password()
            user.save(update_fields=["password"])
            membership_set(user=user, agency=agency, role=Membership.Role.CASEWORKER)
            agencies.append(agency)
            users.append(user)
        return agencies, users

    def _drop_secondary_indexes(self, cursor, tables: list[str]) -> list[tuple[str, str]]:
        """Indexes not backing a constraint: dropped for the load, rebuilt from their DDL."""
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        return indexes

    def _copy_clients(self, cursor, rng: random.Random, agencies, options) -> None:
        columns = (
            "family_name given_names birth_name former_names family_name_original "
            "given_names_original sex birth_year birth_month birth_day place_of_birth "
            "country_of_birth nationalities azr_number languages interpreter_needed phone "
            "email street postcode district accommodation arrival_date residence_status "
            "special_protection_needs sensitive_notes household_role reference_code "
            "created_at updated_at search_name registered_by_id external_ref"
        ).split()
        sql = f"COPY {Client._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in self._client_rows(rng, agencies, options):
                copy.write_row(row)

    def _client_rows(self, rng: random.Random, agencies, options) -> Iterator[tuple]:
        total, visible = options["clients"], options["visible"]
        # The measured agency (the first) registers exactly `visible` records, spread
        # evenly through the table; the others share the rest at random.
        owners = [agencies[0].pk] * visible + [
            agencies[1 + rng.randrange(len(agencies) - 1)].pk for _ in range(total - visible)
        ]
        rng.shuffle(owners)
        names = _name_lists(rng)
        weights = [style.weight for style in STYLES]
        districts = [choice.value for choice in District]
        accommodations = [choice.value for choice in Accommodation]
        statuses = [choice.value for choice in ResidenceStatus]
        today = timezone.localdate()
        war = dt.date(2022, 2, 24)
        arrival_days = (today - war).days
        codes: set[str] = set()
        for number, owner in enumerate(owners, start=1):
            index = rng.choices(range(len(STYLES)), weights)[0]
            style, ranked = STYLES[index], names[index]
            female = rng.random() < 0.52
            given_ranked = ranked.female if female else ranked.male
            family = _popular(rng, ranked.family)
            given = _popular(rng, given_ranked)
            if rng.random() < 0.15:
                given += " " + _popular(rng, given_ranked)
            former = _german_spelling(family) if index == 0 and rng.random() < 0.1 else ""
            birth_name = _popular(rng, ranked.family) if female and rng.random() < 0.05 else ""
            age = rng.random()
            age = (
                rng.randrange(0, 18)
                if age < 0.33
                else (rng.randrange(18, 65) if age < 0.93 else rng.randrange(65, 95))
            )
            month = rng.randrange(1, 13) if rng.random() < 0.92 else None
            day = rng.randrange(1, 29) if month and rng.random() < 0.85 else None
            country = rng.choice(style.countries)
            arrival = war + dt.timedelta(days=int(arrival_days * rng.random() ** 0.7))
            created = timezone.make_aware(
                dt.datetime.combine(
                    min(arrival + dt.timedelta(days=rng.randrange(30)), today), dt.time(9)
                )
            ) + dt.timedelta(seconds=rng.randrange(8 * 3600))
            code = _reference_code(rng)
            while code in codes:
                code = _reference_code(rng)
            codes.add(code)
            has_phone = rng.random() < 0.6
            yield (
                family,
                given,
                birth_name,
                former,
                "",
                "",
                "f" if female else "m",
                today.year - age,
                month,
                day,
                rng.choice(style.places),
                country,
                country,
                # Unique by construction: an affine map is a bijection modulo 10**12.
                f"{(number * 982451653 + 123456789012) % 10**12:012d}"
                if rng.random() < 0.7
                else "",
                json.dumps(list(style.languages[: rng.randrange(1, len(style.languages) + 1)])),
                rng.random() < 0.6,
                f"+49151{(number * 7919 + 1234567) % 10**8:08d}" if has_phone else "",
                "",
                f"{rng.choice(('Haupt', 'Linden', 'Berliner', 'Park', 'Schul'))}str. "
                f"{rng.randrange(1, 200)}",
                f"{rng.randrange(10115, 14200)}",
                rng.choice(districts),
                rng.choice(accommodations),
                arrival,
                rng.choice(statuses),
                rng.random() < 0.05,
                "",
                "",
                code,
                created,
                created,
                fold(" ".join([family, given, birth_name, former])),
                owner,
                "",
            )

    def _insert_documents(self, cursor, agencies) -> None:
        """A passport for half the records; numbers unique (bijection of the client id)."""
        cursor.execute(
            f"""
            INSERT INTO {IdentityDocument._meta.db_table}
                (doc_type, number, issuing_country, issued_on, expires_on, created_at, client_id)
            SELECT 'passport',
                   chr(65 + (k / 26000000)::int) || chr(65 + ((k / 1000000) %% 26)::int)
                       || lpad((k %% 1000000)::text, 6, '0'),
                   split_part(c.nationalities, ',', 1),
                   c.arrival_date - 400 - (random() * 3000)::int,
                   c.arrival_date - 400 - (random() * 3000)::int + 3652,
                   c.created_at,
                   c.id
            FROM (SELECT *, (id * 982451653) %% 676000000 AS k
                  FROM {Client._meta.db_table} WHERE registered_by_id = ANY(%s)) c
            WHERE random() < 0.5
            """,  # noqa: S608 - table names from model meta, values as parameters
            [[a.pk for a in agencies]],
        )

    def _insert_grants(self, cursor, agencies, users, share: float) -> None:
        """Handovers to one other agency: mostly active, some expired, revoked or pending."""
        today = timezone.localdate()
        basis = LegalBasis.objects.order_by("pk").first()
        if basis is None:
            basis = LegalBasis.objects.create(code="bench", title="Benchmark")
        cursor.execute(
            f"""
            INSERT INTO {Grant._meta.db_table}
                (sections, legal_basis_note, purpose, expires_on, status, origin, handover_id,
                 created_at, decided_at, revoked_at, agency_id, client_id, created_by_id,
                 decided_by_id, granted_by_id, revoked_by_id, legal_basis_id)
            SELECT (%(sections)s::jsonb[])[1 + floor(r3 * 3)::int],
                   '', 'Benefits and counselling',
                   CASE WHEN r1 < 0.15 THEN %(today)s::date - 1 - (r2 * 365)::int
                        WHEN r1 < 0.35 THEN %(today)s::date + 30 + (r2 * 700)::int END,
                   CASE WHEN r4 < 0.05 THEN 'revoked' WHEN r4 < 0.08 THEN 'pending'
                        ELSE 'active' END,
                   'handover', gen_random_uuid(),
                   least(created_at + interval '10 days', now() - interval '2 days'),
                   CASE WHEN r4 >= 0.05 AND r4 < 0.08 THEN NULL
                        ELSE least(created_at + interval '11 days', now() - interval '1 day')
                   END,
                   CASE WHEN r4 < 0.05 THEN created_at + interval '40 days' END,
                   (%(agencies)s::bigint[])[1 + receiver], id,
                   (%(users)s::bigint[])[1 + owner],
                   CASE WHEN r4 >= 0.05 AND r4 < 0.08 THEN NULL
                        ELSE (%(users)s::bigint[])[1 + receiver] END,
                   registered_by_id,
                   CASE WHEN r4 < 0.05 THEN (%(users)s::bigint[])[1 + owner] END,
                   %(basis)s
            FROM (
                SELECT c.id, c.created_at, c.registered_by_id, o.owner,
                       (o.owner + 1 + floor(random() * (%(n)s - 1))::int) %% %(n)s
                           AS receiver,
                       random() AS r1, random() AS r2, random() AS r3, random() AS r4
                FROM {Client._meta.db_table} c
                CROSS JOIN LATERAL (
                    SELECT array_position(%(agencies)s::bigint[], c.registered_by_id) - 1 AS owner
                ) o
                WHERE c.registered_by_id = ANY(%(agencies)s) AND random() < %(share)s
            ) s
            """,  # noqa: S608 - table names from model meta, values as parameters
            {
                "sections": [json.dumps(s) for s in GRANT_SECTIONS],
                "today": today,
                "agencies": [a.pk for a in agencies],
                "users": [u.pk for u in users],
                "n": len(agencies),
                "basis": basis.pk,
                "share": share,
            },
        )

    def _insert_permission_rows(self, cursor, agencies) -> None:
        """The rows access_rebuild derives: the whole record for the registering agency, and
        per active grant one row for identity and each granted section, with the expiry."""
        table = ClientGroupObjectPermission._meta.db_table
        client_perms = Permission.objects.filter(
            content_type__app_label="clients", content_type__model="client"
        )
        whole = client_perms.get(codename=WHOLE_RECORD_PERM)
        ids = [a.pk for a in agencies]
        cursor.execute(
            f"""
            INSERT INTO {table} (content_object_id, group_id, permission_id, expires_on)
            SELECT c.id, a.group_id, %s, NULL
            FROM {Client._meta.db_table} c JOIN {Agency._meta.db_table} a
                ON a.id = c.registered_by_id
            WHERE a.id = ANY(%s)
            """,  # noqa: S608 - table names from model meta, values as parameters
            [whole.pk, ids],
        )
        cursor.execute(
            f"""
            INSERT INTO {table} (content_object_id, group_id, permission_id, expires_on)
            SELECT g.client_id, a.group_id, p.id, g.expires_on
            FROM {Grant._meta.db_table} g
            JOIN {Agency._meta.db_table} a ON a.id = g.agency_id
            CROSS JOIN LATERAL (
                SELECT slug FROM (
                    SELECT jsonb_array_elements_text(g.sections) UNION SELECT 'identity'
                ) s (slug)
            ) s
            JOIN auth_permission p ON p.codename = 'view_' || s.slug AND p.id = ANY(%s)
            WHERE g.status = 'active' AND g.granted_by_id = ANY(%s)
            """,  # noqa: S608 - table names from model meta, values as parameters
            [list(client_perms.values_list("pk", flat=True)), ids],
        )

    def _teardown(self) -> None:
        agencies = list(Agency.objects.filter(slug__startswith=PREFIX))
        ids = [a.pk for a in agencies]
        groups = [a.group_id for a in agencies]
        users = list(User.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True))
        client_tables = [
            ClientGroupObjectPermission._meta.db_table,
            "clients_clientuserobjectpermission",
            IdentityDocument._meta.db_table,
            "clients_casenote",
            AccessRequest._meta.db_table,
            Grant._meta.db_table,
            ClientMatchKey._meta.db_table,
        ]
        # Tables pointing at two records (merges before the pairs they refer to).
        pair_tables = {
            ClientMerge._meta.db_table: ("survivor_id", "merged_id"),
            DuplicatePair._meta.db_table: ("client_a_id", "client_b_id"),
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {Client._meta.db_table} "  # noqa: S608
                "WHERE NOT registered_by_id = ANY(%s)",
                [ids],
            )
            if cursor.fetchone()[0] == 0:
                # Only synthetic records here: everything referencing them goes at once. No
                # CASCADE, so a table that also references clients makes this fail safely.
                tables = [*pair_tables, *client_tables, Client._meta.db_table]
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
            else:
                bench_clients = (
                    f"SELECT id FROM {Client._meta.db_table} WHERE registered_by_id = ANY(%s)"  # noqa: S608
                )
                for table, (first, second) in pair_tables.items():
                    cursor.execute(
                        f"DELETE FROM {table} WHERE {first} IN ({bench_clients}) "  # noqa: S608
                        f"OR {second} IN ({bench_clients})",
                        [ids, ids],
                    )
                for table in client_tables:
                    column = "content_object_id" if "objectpermission" in table else "client_id"
                    cursor.execute(
                        f"DELETE FROM {table} WHERE {column} IN ({bench_clients})",  # noqa: S608
                        [ids],
                    )
                cursor.execute(
                    f"DELETE FROM {ClientGroupObjectPermission._meta.db_table} "  # noqa: S608
                    "WHERE group_id = ANY(%s)",
                    [groups],
                )
                AccessRequest.objects.filter(
                    Q(requesting_agency__in=ids) | Q(holding_agency__in=ids)
                ).delete()
                Grant.objects.filter(Q(agency__in=ids) | Q(granted_by__in=ids)).delete()
                cursor.execute(
                    f"DELETE FROM {Client._meta.db_table} WHERE registered_by_id = ANY(%s)",  # noqa: S608
                    [ids],
                )
            cursor.execute(
                "DELETE FROM clients_historicalclient WHERE registered_by_id = ANY(%s)", [ids]
            )
            self._drop_audit_events(cursor, users, ids)
            Membership.objects.filter(agency__in=ids).delete()
            User.objects.filter(pk__in=users).delete()
            Agency.objects.filter(pk__in=ids).delete()
            Group.objects.filter(pk__in=groups).delete()

    def _drop_audit_events(self, cursor, users: list[int], agencies: list[int]) -> None:
        """The events the benchmark's own requests wrote. The table is append-only (a
        trigger): when it holds nothing else it is truncated, so the chain starts afresh;
        otherwise they are removed with the retention purge's switch, which breaks the
        hash chain of this benchmark database (never run this anywhere else)."""
        ours = Q(actor__in=users) | Q(agency__in=agencies)
        if not AuditEvent.objects.exclude(ours).exists():
            cursor.execute(f"TRUNCATE {AuditEvent._meta.db_table}")
            return
        cursor.execute("SET LOCAL audit.purge = 'on'")
        AuditEvent.objects.filter(ours).delete()
        self.stderr.write("Benchmark audit events deleted: this database's audit chain is broken.")

    # --- what to look for ---------------------------------------------------------------

    def _picks(self, agency: Agency) -> dict[str, Any]:
        """Search terms and records from the data: a common and a rare family name among
        the agency's records, a person's given name and birth year, and records to open."""
        own = Client.objects.filter(registered_by=agency)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT family_name, count(*) FROM {Client._meta.db_table} "  # noqa: S608
                "WHERE registered_by_id = %s GROUP BY 1 ORDER BY 2 DESC, 1",
                [agency.pk],
            )
            counts = cursor.fetchall()
        common, rare = counts[0][0], counts[-1][0]
        person = own.filter(family_name=common, birth_year__isnull=False).order_by("pk").first()
        documented = (
            own.filter(documents__isnull=False, grants__status=Grant.Status.ACTIVE)
            .order_by("pk")
            .first()
        )
        today = timezone.localdate()
        granted = (
            Grant.objects.filter(agency=agency, status=Grant.Status.ACTIVE, expires_on__isnull=True)
            .order_by("pk")
            .first()
        )
        expired = (
            Grant.objects.filter(agency=agency, status=Grant.Status.ACTIVE, expires_on__lt=today)
            .order_by("pk")
            .first()
        )
        return {
            "common": common,
            "common_count": counts[0][1],
            "rare": rare,
            "rare_count": counts[-1][1],
            "distinct_family_names": len(counts),
            "person": person,
            "documented": documented,
            "document": documented.documents.first() if documented else None,
            "granted": granted.client if granted else None,
            "granted_sections": granted.sections if granted else [],
            "expired": expired.client if expired else None,
            "azr": own.exclude(azr_number="")
            .order_by("pk")
            .values_list("azr_number", flat=True)[0],
            "phone": own.exclude(phone="").order_by("pk").first().phone.as_e164,
            "reference": own.order_by("-pk").values_list("reference_code", flat=True)[0],
        }

    # --- the suite ----------------------------------------------------------------------

    def _suite(self, dataset: Dataset, repeat: int) -> list[Measurement]:
        user, picks = dataset.user, dataset.picks
        access.membership_for(user)  # as in a request: the decorator has looked it up
        person = picks["person"]
        measurements: list[Measurement] = []

        def run(group: str, label: str, fn: Callable[[], str]) -> None:
            measurements.append(self._measure(group, label, fn, repeat))

        def search_page(**criteria) -> Callable[[], str]:
            def fn() -> str:
                clients = selectors.client_search(user, **criteria)
                page = Paginator(clients, PAGE_SIZE).get_page(1)
                rows = list(page.object_list)
                return f"{page.paginator.count:,} found, {len(rows)} shown"

            return fn

        year = PartialDate(person.birth_year)
        two_words = f"{person.given_names.split()[0]} {person.family_name}"
        search = "search (selector), page 1"
        run(search, f"name, common: {picks['common']}", search_page(name=picks["common"]))
        run(search, f"name, given+family: {two_words}", search_page(name=two_words))
        run(
            search,
            f"name+birth year: {picks['common']} {year.year}",
            search_page(name=picks["common"], birth_date=year),
        )
        run(search, f"name, rare: {picks['rare']}", search_page(name=picks["rare"]))
        run(search, "name, no match: Zzyzx", search_page(name="Zzyzx"))
        if picks["document"] is not None:
            run(search, "document number", search_page(document_number=picks["document"].number))
        run(search, "AZR number", search_page(azr_number=picks["azr"]))
        run(search, "phone", search_page(phone=picks["phone"]))
        run(search, "reference code", search_page(reference_code=picks["reference"]))

        def list_page() -> str:
            clients = access.clients_visible_to(user).order_by("family_name", "given_names", "pk")
            page = Paginator(clients, PAGE_SIZE).get_page(1)
            rows = list(page.object_list)
            return f"{page.paginator.count:,} visible, {len(rows)} shown"

        def list_rows() -> str:
            clients = access.clients_visible_to(user).order_by("family_name", "given_names", "pk")
            return f"{len(list(clients[:PAGE_SIZE]))} shown"

        listing = "list: clients_visible_to"
        run(listing, "page 1 by name (count + rows)", list_page)
        run(listing, "page 1 by name, rows only", list_rows)

        def record(client: Client) -> Callable[[], str]:
            def fn() -> str:
                found = (
                    access.clients_visible_to(user)
                    .filter(pk=client.pk)
                    .select_related("registered_by")
                    .first()
                )
                return "found" if found else "404"

            return fn

        def sections(client: Client) -> Callable[[], str]:
            def fn() -> str:
                return ",".join(sorted(access.access_for(user, client).view)) or "none"

            return fn

        one = "one record"
        own = picks["documented"] or person
        run(one, "visible.filter(pk) (own record)", record(own))
        run(one, "access_for (own record)", sections(own))
        if picks["granted"] is not None:
            run(one, "visible.filter(pk) (section grant)", record(picks["granted"]))
            run(one, "access_for (section grant)", sections(picks["granted"]))
        if picks["expired"] is not None:
            run(one, "visible.filter(pk) (expired grant)", record(picks["expired"]))

        def list_capped() -> str:
            clients = access.clients_visible_to(user).order_by("family_name", "given_names", "pk")
            count = clients.values("pk")[: CAPPED_COUNT + 1].count()
            rows = list(clients[:PAGE_SIZE])
            shown = f"{CAPPED_COUNT:,}+" if count > CAPPED_COUNT else f"{count:,}"
            return f"{shown} visible, {len(rows)} shown"

        def search_by_search_name(name: str) -> Callable[[], str]:
            def fn() -> str:
                clients = selectors.client_search(user, name=name).order_by("search_name", "pk")
                page = Paginator(clients, PAGE_SIZE).get_page(1)
                rows = list(page.object_list)
                return f"{page.paginator.count:,} found, {len(rows)} shown"

            return fn

        def hints(criteria: dict[str, Any], *, not_exists: bool) -> Callable[[], str]:
            def fn() -> str:
                everywhere = selectors.client_search(user, everywhere=True, **criteria)
                if not not_exists:
                    return f"{len(agency_selectors.existence_hints(user, everywhere))} hints"
                agency = access.agency_for(user)
                rows = access._effective_rows(agency).filter(
                    content_object=OuterRef("pk"),
                    permission__codename__in=[WHOLE_RECORD_PERM, SECTIONS[IDENTITY].view_perm],
                )
                hidden = everywhere.filter(~Exists(rows)).select_related("registered_by")
                return f"{len(list(hidden.order_by('pk')[:10]))} hints"

            return fn

        candidates = "candidates (query shapes, not in app code)"
        run(candidates, f"list page 1, count capped at {CAPPED_COUNT:,}", list_capped)
        run(
            candidates,
            f"name, common, ORDER BY search_name: {picks['common']}",
            search_by_search_name(picks["common"]),
        )
        by_year = {"name": picks["common"], "birth_date": year}
        run(
            candidates,
            "hints query now (NOT IN visible): name+year",
            hints(by_year, not_exists=False),
        )
        run(candidates, "hints query with NOT EXISTS: name+year", hints(by_year, not_exists=True))
        if picks["document"] is not None:
            by_document = {"document_number": picks["document"].number}
            run(
                candidates,
                "hints query now (NOT IN visible): document",
                hints(by_document, not_exists=False),
            )
            run(
                candidates,
                "hints query with NOT EXISTS: document",
                hints(by_document, not_exists=True),
            )

        with override_settings(
            SECURE_SSL_REDIRECT=False,
            SESSION_COOKIE_SECURE=False,
            CSRF_COOKIE_SECURE=False,
            ALLOWED_HOSTS=[HOST],
            # As `make test`: pages render without collectstatic's manifest.
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ):
            http = HttpClient(HTTP_HOST=HOST)
            http.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[0])
            search_url = reverse("clients:client-search")

            def post(data: dict[str, str]) -> Callable[[], str]:
                def fn() -> str:
                    response = http.post(search_url, data)
                    return self._http_result(response)

                return fn

            def get(client: Client) -> Callable[[], str]:
                url = reverse("clients:client-detail", args=[client.pk])

                def fn() -> str:
                    return self._http_result(http.get(url))

                return fn

            pages = "pages (HTTP, whole request)"
            run(pages, f"search: {picks['common']}", post({"name": picks["common"]}))
            run(pages, f"search: {picks['rare']}", post({"name": picks["rare"]}))
            run(
                pages,
                f"search: {picks['common']} {year.year} (+hints)",
                post({"name": picks["common"], "birth_date": str(year.year)}),
            )
            if picks["document"] is not None:
                run(
                    pages,
                    "search: document number (+hints)",
                    post({"document_number": picks["document"].number}),
                )
            run(pages, "detail: own record", get(own))
            if picks["granted"] is not None:
                run(pages, "detail: section grant", get(picks["granted"]))
            http.logout()
        return measurements

    def _http_result(self, response) -> str:
        if response.status_code != 200:
            raise CommandError(f"{response.request['PATH_INFO']} answered {response.status_code}")
        return f"200, {len(response.content) // 1024} KiB"

    def _measure(self, group: str, label: str, fn: Callable[[], str], repeat: int) -> Measurement:
        fn()  # warm: plans, caches, buffers
        with CaptureQueriesContext(connection) as captured:
            result = fn()
        # Read now: a request in the runs below empties the connection's query log.
        sql = [
            query["sql"]
            for query in captured.captured_queries
            if not query["sql"].startswith(TRANSACTION_CONTROL)
        ]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return Measurement(group, label, times, len(sql), result, sql)

    # --- output -------------------------------------------------------------------------

    def _print_setup(self, dataset: Dataset) -> None:
        agency, picks = dataset.agencies[0], dataset.picks
        today = timezone.localdate()
        rows = ClientGroupObjectPermission.objects.filter(group_id=agency.group_id)
        active = rows.exclude(expires_on__lt=today)
        server, version = server_settings(
            [
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "random_page_cost",
                "jit",
                "max_parallel_workers_per_gather",
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.relname, pg_size_pretty(pg_table_size(c.oid)),
                       pg_size_pretty(pg_indexes_size(c.oid)), c.reltuples::bigint
                FROM pg_class c WHERE c.relname = ANY(%s) ORDER BY c.relname
                """,
                [
                    [
                        Client._meta.db_table,
                        ClientGroupObjectPermission._meta.db_table,
                        IdentityDocument._meta.db_table,
                        Grant._meta.db_table,
                    ]
                ],
            )
            sizes = cursor.fetchall()
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s "
                "AND indexdef LIKE '%%gin_trgm_ops%%'",
                [Client._meta.db_table],
            )
            trigram = [name for (name,) in cursor.fetchall()]
        visible = access.clients_visible_to(dataset.user).count()
        w = self.stdout.write
        w(self.style.MIGRATE_HEADING("\n== Data =="))
        if dataset.built_in_s is not None:
            w(f"built in {dataset.built_in_s:.0f} s")
        w(f"PostgreSQL {version}: {server}")
        for name, table, indexes, tuples in sizes:
            w(f"  {name:<38} {tuples:>10,} rows  table {table:>8}  indexes {indexes:>8}")
        w(f"trigram index on search_name: {', '.join(trigram) or 'none'}")
        w(
            f"measured agency {agency.name} ({dataset.user.username}): {visible:,} clients "
            f"visible of {Client.objects.count():,}; permission rows {rows.count():,} "
            f"({rows.filter(permission__codename=WHOLE_RECORD_PERM).count():,} whole record, "
            f"{active.exclude(permission__codename=WHOLE_RECORD_PERM).count():,} active section "
            f"rows, {rows.filter(expires_on__lt=today).count():,} expired)"
        )
        w(
            f"family names among its records: {picks['distinct_family_names']:,} distinct; "
            f"common {picks['common']} ({picks['common_count']:,}), "
            f"rare {picks['rare']} ({picks['rare_count']})"
        )

    def _print_table(self, measurements: list[Measurement]) -> None:
        w = self.stdout.write
        header = f"{'case':<52} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL':>4}  result"
        group = None
        w(header)
        w("-" * len(header))
        for m in measurements:
            if m.group != group:
                group = m.group
                w(self.style.HTTP_INFO(f"{group}"))
            w(
                f"  {m.label[:50]:<50} {m.p50:8.1f} {m.p95:8.1f} {m.max:8.1f} "
                f"{m.queries:>4}  {m.result}"
            )
        if self.verbosity > 1:
            for m in measurements:
                w(self.style.HTTP_INFO(f"\nSQL of {m.label}:"))
                for sql in m.sql:
                    w(f"  {sql[:300]}")

    def _print_plans(self, measurements: list[Measurement]) -> None:
        """EXPLAIN (ANALYZE, BUFFERS) of the list and name-search queries as they ran."""
        wanted = ("page 1 by name (count", "name, common", "name, rare", "name+birth year")
        w = self.stdout.write
        w(self.style.MIGRATE_HEADING("\nQuery plans (EXPLAIN ANALYZE, BUFFERS)"))
        with connection.cursor() as cursor:
            for m in measurements:
                if not m.label.startswith(wanted):
                    continue
                for sql in m.sql:
                    kind = "count" if sql.startswith("SELECT COUNT(*)") else "page"
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                    plan = cursor.fetchone()[0]
                    plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
                    top = plan["Plan"]
                    jit = plan.get("JIT", {}).get("Timing", {}).get("Total")
                    hit, read = top.get("Shared Hit Blocks", 0), top.get("Shared Read Blocks", 0)
                    w(
                        self.style.HTTP_INFO(f"{m.label} [{kind}]: ")
                        + f"execution {plan['Execution Time']:.1f} ms, planning "
                        f"{plan['Planning Time']:.1f} ms, buffers hit {hit:,} read {read:,}"
                        + (f", JIT {jit:.1f} ms" if jit else "")
                    )
                    for line in _plan_lines(top):
                        w(f"    {line}")

    def _print_comparison(self, results: dict[str, list[Measurement]]) -> None:
        w = self.stdout.write
        labels = list(results)
        w(self.style.MIGRATE_HEADING("\n== By variant: p50 / p95 ms =="))
        keys = "ABCDEFGH"
        for key, label in zip(keys, labels, strict=False):
            w(f"  {key}: {label}")
        w(f"{'case':<52}" + "".join(f" {key:>15}" for key in keys[: len(labels)]))
        for i, m in enumerate(results[labels[0]]):
            cells = []
            for label in labels:
                other = results[label][i] if i < len(results[label]) else None
                cells.append(f"{other.p50:.0f} / {other.p95:.0f}" if other else "-")
            w(f"  {m.label[:50]:<50}" + "".join(f" {cell:>15}" for cell in cells))

    def _candidate_variants(self) -> list[Variant]:
        table = Client._meta.db_table
        perms = ClientGroupObjectPermission._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexdef LIKE '%%gin_trgm_ops%%' AND indexdef LIKE '%%search_name%%'",
                [table],
            )
            trigram = cursor.fetchall()
        if trigram:
            name_variant = Variant(
                "no trigram index",
                tuple(f"DROP INDEX {name}" for name, _ddl in trigram),
                tuple(ddl for _name, ddl in trigram),
            )
        else:
            name_variant = Variant(
                "with trigram index",
                (
                    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                    f"CREATE INDEX bench_search_name_trgm ON {table} "
                    "USING gin (search_name gin_trgm_ops)",
                ),
                ("DROP INDEX bench_search_name_trgm",),
            )
        covering = (
            f"CREATE INDEX bench_perm_covering ON {perms} "
            "(group_id, permission_id, content_object_id) INCLUDE (expires_on)",
        )
        return [
            name_variant,
            Variant("+ perm INCLUDE index", covering, ("DROP INDEX bench_perm_covering",)),
            Variant("permission_id filter", patch=_access_by_permission_id),
            Variant(
                "permission_id + INCLUDE",
                covering,
                ("DROP INDEX bench_perm_covering",),
                patch=_access_by_permission_id,
            ),
        ]


def _plan_lines(node: dict, depth: int = 0) -> Iterator[str]:
    kind = node["Node Type"]
    if "Join Type" in node and node["Join Type"] != "Inner":
        kind += f" ({node['Join Type']})"
    where = ""
    if "Index Name" in node:
        where = f" using {node['Index Name']}"
    elif "Relation Name" in node:
        where = f" on {node['Relation Name']}"
    loops = node.get("Actual Loops", 1)
    workers = f" workers {node['Workers Launched']}" if "Workers Launched" in node else ""
    yield (
        f"{'  ' * depth}{kind}{where}: rows {node.get('Actual Rows', 0):,}"
        + (f" x{loops:,}" if loops != 1 else "")
        + f", {node.get('Actual Total Time', 0):.1f} ms{workers}"
    )
    for child in node.get("Plans", []):
        yield from _plan_lines(child, depth + 1)
