"""Fill a database with Berlin's demo agencies, their staff and a few hundred synthetic clients.

Clients are registered only through the intake's services, so the demo data carries change
history, object permissions and audit events like real registrations. Everything comes
from the hand-written lists below and a seeded random generator: the same seed (and the
same day) gives the same people. Running the command again changes only passwords.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.services import agency_create, membership_set
from clients.choices import (
    Accommodation,
    District,
    DocumentType,
    HouseholdRole,
    ResidenceStatus,
    Sex,
)
from clients.models import Client, Household, IdentityDocument
from clients.services import document_add
from core.dates import PartialDate
from core.identity.names import fold_accents
from tools.demo_share import demo_share
from workflows.duplicates.models import DuplicatePair
from workflows.intake.services import client_register, household_member_add

AGENCIES: tuple[tuple[str, str, str], ...] = (
    ("laf", "Landesamt für Flüchtlingsangelegenheiten", Agency.Kind.REFUGEE_OFFICE),
    ("lea", "Landesamt für Einwanderung", Agency.Kind.IMMIGRATION_OFFICE),
    ("sozialamt-mh", "Sozialamt Marzahn-Hellersdorf", Agency.Kind.SOCIAL_WELFARE_OFFICE),
    ("jobcenter-mh", "Jobcenter Marzahn-Hellersdorf", Agency.Kind.JOBCENTER),
    ("caritas", "Caritas Berlin", Agency.Kind.NGO),
)
# Username suffix and role, in the order of the names in STAFF.
ROLES: tuple[tuple[str, str], ...] = (
    ("caseworker", Membership.Role.CASEWORKER),
    ("supervisor", Membership.Role.SUPERVISOR),
    ("admin", Membership.Role.AGENCY_ADMIN),
)
STAFF: dict[str, tuple[tuple[str, str], ...]] = {
    "laf": (("Anna", "Becker"), ("Thomas", "Krüger"), ("Sabine", "Wolf")),
    "lea": (("Jonas", "Schulz"), ("Katrin", "Neumann"), ("Michael", "Hoffmann")),
    "sozialamt-mh": (("Mehmet", "Yılmaz"), ("Petra", "Lehmann"), ("Frank", "Schröder")),
    "jobcenter-mh": (("Julia", "Richter"), ("Stefan", "Braun"), ("Claudia", "Zimmermann")),
    "caritas": (("Kateryna", "Wagner"), ("Markus", "Hartmann"), ("Birgit", "Koch")),
}
# The LAF is everyone's first contact, so it holds most records.
AGENCY_WEIGHTS = {"laf": 50, "lea": 15, "sozialamt-mh": 12, "jobcenter-mh": 13, "caritas": 10}
ORIGIN_WEIGHTS = {"UA": 80, "SY": 12, "AF": 8}
ARRIVAL_YEAR_WEIGHTS = {2022: 45, 2023: 20, 2024: 14, 2025: 12, 2026: 9}
WAR_START = dt.date(2022, 2, 24)
# Temporary protection for people from Ukraine currently runs until this date (EU decision).
TEMPORARY_PROTECTION_END = dt.date(2027, 3, 4)


@dataclass(frozen=True)
class Name:
    latin: str
    original: str
    variants: tuple[str, ...]


def _names(*entries: str) -> tuple[Name, ...]:
    """Entries read "romanised/original script/other spellings seen on documents"."""
    names = []
    for entry in entries:
        latin, original, *variants = entry.split("/")
        names.append(Name(latin, original, tuple(variants)))
    return tuple(names)


@dataclass(frozen=True)
class Origin:
    country: str
    female: tuple[Name, ...]
    male: tuple[Name, ...]
    family: tuple[Name, ...]
    places: tuple[str, ...]


# Ukrainian names in KMU 2010 romanisation, then Russian and German spellings.
ORIGINS = {
    "UA": Origin(
        country="UA",
        female=_names(
            "Olena/Олена/Elena/Jelena/Helene",
            "Iryna/Ірина/Irina",
            "Nataliia/Наталія/Natalia/Natalja",
            "Oksana/Оксана/Oxana",
            "Tetiana/Тетяна/Tatiana/Tatjana",
            "Yuliia/Юлія/Yulia/Julia",
            "Svitlana/Світлана/Svetlana/Swetlana",
            "Kateryna/Катерина/Ekaterina/Katharina",
            "Anastasiia/Анастасія/Anastasia",
            "Mariia/Марія/Maria",
            "Viktoriia/Вікторія/Viktoria",
            "Halyna/Галина/Galina",
            "Liudmyla/Людмила/Lyudmila/Ludmila",
            "Valentyna/Валентина/Valentina",
            "Daryna/Дарина/Darina",
            "Sofiia/Софія/Sofia/Sophia",
            "Polina/Поліна",
            "Anna/Анна",
        ),
        male=_names(
            "Oleksandr/Олександр/Aleksandr/Alexander",
            "Mykola/Микола/Nikolai/Nikolaus",
            "Oleksii/Олексій/Aleksei/Alexej",
            "Andrii/Андрій/Andrei/Andreas",
            "Serhii/Сергій/Sergei/Sergej",
            "Dmytro/Дмитро/Dmitrii/Dmitri",
            "Volodymyr/Володимир/Vladimir/Wladimir",
            "Ivan/Іван/Iwan",
            "Yurii/Юрій/Yuri/Jurij",
            "Vasyl/Василь/Vasilii/Wassili",
            "Maksym/Максим/Maksim/Maxim",
            "Artem/Артем/Artiom/Artjom",
            "Bohdan/Богдан/Bogdan",
            "Taras/Тарас",
            "Denys/Денис/Denis",
            "Mykhailo/Михайло/Mikhail/Michail",
            "Petro/Петро/Pyotr/Pjotr",
            "Matvii/Матвій/Matvei/Matwei",
        ),
        family=_names(
            "Shevchenko/Шевченко/Schewtschenko/Ševčenko/Chevtchenko",
            "Kovalenko/Коваленко/Kowalenko",
            "Bondarenko/Бондаренко",
            "Tkachenko/Ткаченко/Tkatschenko",
            "Kravchenko/Кравченко/Krawtschenko",
            "Oliinyk/Олійник/Oleinik/Olejnik",
            "Kovalchuk/Ковальчук/Kowaltschuk",
            "Melnyk/Мельник/Melnik",
            "Boiko/Бойко/Boyko/Bojko",
            "Savchenko/Савченко/Sawtschenko",
            "Lysenko/Лисенко/Lissenko",
            "Marchenko/Марченко/Martschenko",
            "Petrenko/Петренко",
            "Moroz/Мороз",
            "Hres/Гресь/Gres",
            "Hnatiuk/Гнатюк/Gnatjuk/Gnatyuk",
            "Polishchuk/Поліщук/Polischtschuk",
            "Zhuk/Жук/Schuk",
            "Yakovenko/Яковенко/Jakowenko",
            "Kharchenko/Харченко/Chartschenko",
        ),
        places=(
            "Kyiv",
            "Kharkiv",
            "Mariupol",
            "Zaporizhzhia",
            "Odesa",
            "Dnipro",
            "Mykolaiv",
            "Kherson",
            "Zhytomyr",
            "Chernihiv",
            "Sumy",
            "Kramatorsk",
            "Bakhmut",
            "Lviv",
            "Poltava",
        ),
    ),
    "SY": Origin(
        country="SY",
        female=_names(
            "Fatima/فاطمة/Fatma",
            "Aisha/عائشة/Aicha/Aischa",
            "Mariam/مريم/Maryam",
            "Rania/رانيا",
            "Noor/نور/Nour/Nur",
            "Layla/ليلى/Leila",
            "Huda/هدى/Houda",
            "Amal/أمل",
        ),
        male=_names(
            "Mohammed/محمد/Muhammad/Mohamad",
            "Ahmad/أحمد/Ahmed",
            "Yusuf/يوسف/Yousef/Jussuf",
            "Khalil/خليل/Chalil",
            "Omar/عمر/Umar",
            "Abdulrahman/عبد الرحمن/Abd al-Rahman/Abdul Rahman",
            "Jamal/جمال/Gamal/Djamal",
            "Qasim/قاسم/Kassem",
            "Uthman/عثمان/Osman",
        ),
        family=_names(
            "Al-Ahmad/الأحمد/Alahmad/Ahmad",
            "Al-Hussein/الحسين/Alhussein/Hussein",
            "Haddad/حداد/Hadad",
            "Khalil/خليل/Chalil",
            "Al-Ali/العلي/Alali",
            "Suleiman/سليمان/Sulaiman/Soliman",
            "Darwish/درويش/Derwisch",
            "Al-Masri/المصري/Almasri",
        ),
        places=("Aleppo", "Damascus", "Homs", "Idlib", "Deir ez-Zor", "Raqqa", "Hama"),
    ),
    "AF": Origin(
        country="AF",
        female=_names(
            "Fatima/فاطمه/Fatema/Fatimah",
            "Zahra/زهرا/Sahra",
            "Maryam/مریم/Mariam",
            "Shabnam/شبنم",
            "Parwana/پروانه/Parvaneh",
            "Mursal/مرسل",
            "Sakina/سکینه/Sakineh",
        ),
        male=_names(
            "Ahmad/احمد/Ahmed",
            "Mohammad/محمد/Muhammad/Mohamad",
            "Ali/علی",
            "Hamid/حمید/Hamed",
            "Farid/فرید",
            "Nasir/ناصر/Naser",
            "Mustafa/مصطفی/Mostafa",
            "Javid/جاوید/Jawid",
        ),
        family=_names(
            "Haidari/حیدری/Haydari/Heidari",
            "Rahimi/رحیمی/Rahimy",
            "Ahmadi/احمدی/Ahmady",
            "Sultani/سلطانی/Soltani",
            "Karimi/کریمی/Karimy",
            "Noori/نوری/Nouri/Nuri",
            "Hakimi/حکیمی/Hakimy",
        ),
        places=("Kabul", "Herat", "Mazar-i-Sharif", "Kandahar", "Jalalabad", "Ghazni"),
    ),
}

_D = District
ADDRESSES: tuple[tuple[str, str, str], ...] = (
    ("Invalidenstraße", "10115", _D.MITTE),
    ("Turmstraße", "10559", _D.MITTE),
    ("Müllerstraße", "13353", _D.MITTE),
    ("Frankfurter Allee", "10247", _D.FRIEDRICHSHAIN_KREUZBERG),
    ("Oranienstraße", "10999", _D.FRIEDRICHSHAIN_KREUZBERG),
    ("Schönhauser Allee", "10437", _D.PANKOW),
    ("Breite Straße", "13187", _D.PANKOW),
    ("Kantstraße", "10623", _D.CHARLOTTENBURG_WILMERSDORF),
    ("Brandenburgische Straße", "10707", _D.CHARLOTTENBURG_WILMERSDORF),
    ("Carl-Schurz-Straße", "13597", _D.SPANDAU),
    ("Falkenseer Chaussee", "13583", _D.SPANDAU),
    ("Schloßstraße", "12163", _D.STEGLITZ_ZEHLENDORF),
    ("Teltower Damm", "14169", _D.STEGLITZ_ZEHLENDORF),
    ("Hauptstraße", "10827", _D.TEMPELHOF_SCHOENEBERG),
    ("Mariendorfer Damm", "12109", _D.TEMPELHOF_SCHOENEBERG),
    ("Sonnenallee", "12045", _D.NEUKOELLN),
    ("Karl-Marx-Straße", "12043", _D.NEUKOELLN),
    ("Bahnhofstraße", "12555", _D.TREPTOW_KOEPENICK),
    ("Schnellerstraße", "12439", _D.TREPTOW_KOEPENICK),
    ("Marzahner Promenade", "12679", _D.MARZAHN_HELLERSDORF),
    ("Allee der Kosmonauten", "12681", _D.MARZAHN_HELLERSDORF),
    ("Hellersdorfer Straße", "12627", _D.MARZAHN_HELLERSDORF),
    ("Stendaler Straße", "12627", _D.MARZAHN_HELLERSDORF),
    ("Raoul-Wallenberg-Straße", "12679", _D.MARZAHN_HELLERSDORF),
    ("Möllendorffstraße", "10367", _D.LICHTENBERG),
    ("Rhinstraße", "10315", _D.LICHTENBERG),
    ("Residenzstraße", "13409", _D.REINICKENDORF),
    ("Berliner Straße", "13507", _D.REINICKENDORF),
)
MH_ADDRESSES = tuple(a for a in ADDRESSES if a[2] == District.MARZAHN_HELLERSDORF)
# Arrival centres: Ukraine arrivals at former Tegel airport, asylum seekers in Reinickendorf.
TEGEL = ("Ankunftszentrum TXL, Flughafen Tegel", "13405", District.REINICKENDORF)
REINICKENDORF_CENTRE = ("Oranienburger Straße 285", "13437", District.REINICKENDORF)

UA_PASSPORT_SERIES = ("FA", "FB", "FC", "FE", "FF", "FH", "FK", "FM", "FP", "FT", "FX", "GA")
UA_BIRTH_CERTIFICATE_SERIES = ("I-KV", "II-KV", "I-KH", "I-OD", "I-ZP", "I-DN", "I-ZhT", "I-SM")
UA_MOBILE_PREFIXES = ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99")
DE_MOBILE_PREFIXES = ("151", "152", "157", "159")
# German passports, ID cards and residence permits use this alphabet (no vowels, B, D, Q, S).
DE_DOCUMENT_ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"


@dataclass
class Person:
    role: str
    fields: dict[str, Any]
    documents: list[dict[str, Any]]
    # The real birth day behind a possibly partial birth date; drives document dates.
    born: dt.date


@dataclass(frozen=True)
class Shared:
    """What a household has in common."""

    agency: str
    origin: Origin
    arrival: dt.date
    status: str
    address: dict[str, Any]


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class DemoPeople:
    """Plans plausible households; registering them is the command's job."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today

    # -- small random helpers

    def weighted(self, weights: dict[Any, int]) -> Any:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def between(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def age(self, born: dt.date, on: dt.date | None = None) -> int:
        on = on or self.today
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def born_aged(self, low: int, high: int) -> dt.date:
        return self.between(
            _add_years(self.today, -high - 1) + dt.timedelta(days=1), _add_years(self.today, -low)
        )

    # -- households

    def household(self, agency: str, limit: int) -> list[Person]:
        origin = ORIGINS[self.weighted(ORIGIN_WEIGHTS)]
        arrival = self.arrival(agency, origin)
        shared = Shared(
            agency=agency,
            origin=origin,
            arrival=arrival,
            status=self.status(agency, origin, arrival),
            address=self.address(agency, origin, arrival),
        )
        builders = {
            "single": self._single,
            "elderly_single": self._elderly_single,
            "elderly_couple": self._elderly_couple,
            "couple": self._couple,
            "father_of_three": self._father_of_three,
            "mother_children": self._mother_children,
            "three_generations": self._three_generations,
        }
        people = builders[self.weighted(self.household_kinds(agency, origin))](shared)
        return people[:limit]

    def household_kinds(self, agency: str, origin: Origin) -> dict[str, int]:
        if agency == "sozialamt-mh":  # SGB XII: mostly older people
            return {"elderly_single": 45, "elderly_couple": 25, "three_generations": 30}
        if origin.country == "UA":
            # Men aged 18-60 could mostly not leave Ukraine: mothers, children, grandparents.
            kinds = {"single": 35, "mother_children": 35, "three_generations": 12}
            kinds |= {"father_of_three": 6, "elderly_couple": 7, "elderly_single": 5}
        else:
            kinds = {"single": 40, "couple": 35, "mother_children": 15, "three_generations": 10}
        if agency == "jobcenter-mh":  # SGB II: people able to work, and their families
            kinds.pop("elderly_couple", None)
            kinds.pop("elderly_single", None)
        return kinds

    def _single(self, shared: Shared) -> list[Person]:
        if shared.origin.country == "UA":
            sex = Sex.FEMALE if self.chance(0.65) else Sex.MALE
            if sex == Sex.MALE:
                low, high = self.rng.choice([(18, 22), (23, 59), (60, 78), (60, 78)])
            else:
                low, high = 18, 75
        else:
            sex = Sex.MALE if self.chance(0.75) else Sex.FEMALE
            low, high = (18, 35) if sex == Sex.MALE else (20, 45)
        if shared.agency == "jobcenter-mh":
            low, high = max(low, 18), min(high, 64)
            low = min(low, high)
        family = self.rng.choice(shared.origin.family)
        return [self.adult(shared, sex, family, self.born_aged(low, high), role="")]

    def _elderly_single(self, shared: Shared) -> list[Person]:
        sex = Sex.FEMALE if self.chance(0.75) else Sex.MALE
        family = self.rng.choice(shared.origin.family)
        return [self.adult(shared, sex, family, self.born_aged(65, 88), role="")]

    def _elderly_couple(self, shared: Shared) -> list[Person]:
        family = self.rng.choice(shared.origin.family)
        husband_born = self.born_aged(62, 84)
        wife_born = self.between(_add_years(husband_born, -1), _add_years(husband_born, 6))
        wife_born = min(wife_born, _add_years(self.today, -58))
        wife = self.adult(shared, Sex.FEMALE, family, wife_born, role="")
        self.maybe_birth_name(wife, shared.origin, family)
        husband = self.adult(shared, Sex.MALE, family, husband_born, HouseholdRole.SPOUSE_PARTNER)
        return [wife, husband]

    def _mother_children(self, shared: Shared) -> list[Person]:
        family = self.rng.choice(shared.origin.family)
        mother = self.adult(shared, Sex.FEMALE, family, self.born_aged(24, 46), role="")
        count = self.weighted({1: 45, 2: 35, 3: 20})
        return [mother, *self.children(shared, family, mother.born, count)]

    def _three_generations(self, shared: Shared) -> list[Person]:
        people = self._mother_children(shared)
        mother = people[0]
        if shared.origin.country == "UA":
            # The mother's parent carries her birth name.
            family = self.rng.choice(shared.origin.family)
            if family.latin != mother.fields["family_name"]:
                mother.fields["birth_name"] = family.latin
        else:
            family = next(
                f for f in shared.origin.family if f.latin == mother.fields["family_name"]
            )
        grandmother_born = self.between(_add_years(mother.born, -32), _add_years(mother.born, -20))
        sex = Sex.FEMALE if self.chance(0.8) else Sex.MALE
        grandparent = self.adult(shared, sex, family, grandmother_born, HouseholdRole.PARENT)
        return [*people, grandparent]

    def _father_of_three(self, shared: Shared) -> list[Person]:
        # Fathers of three or more children under 18 may leave Ukraine.
        return self._couple(shared, children=self.weighted({3: 70, 4: 30}))

    def _couple(self, shared: Shared, children: int | None = None) -> list[Person]:
        family = self.rng.choice(shared.origin.family)
        husband_born = self.born_aged(26, 50)
        wife_born = self.between(_add_years(husband_born, -1), _add_years(husband_born, 7))
        wife_born = min(wife_born, _add_years(self.today, -24))
        husband = self.adult(shared, Sex.MALE, family, husband_born, role="")
        wife = self.adult(shared, Sex.FEMALE, family, wife_born, HouseholdRole.SPOUSE_PARTNER)
        self.maybe_birth_name(wife, shared.origin, family)
        if children is None:
            children = self.weighted({0: 25, 1: 25, 2: 25, 3: 15, 4: 10})
        people = [husband, wife]
        # Ukrainian forms name the mother as the reference person more often.
        if shared.origin.country == "UA":
            husband.role, wife.role = HouseholdRole.SPOUSE_PARTNER, ""
            people.reverse()
        return [*people, *self.children(shared, family, wife_born, children)]

    def maybe_birth_name(self, wife: Person, origin: Origin, family: Name) -> None:
        maiden = self.rng.choice(origin.family)
        if origin.country == "UA" and maiden != family and self.chance(0.5):
            wife.fields["birth_name"] = maiden.latin

    def children(
        self, shared: Shared, family: Name, mother_born: dt.date, count: int
    ) -> list[Person]:
        earliest = max(_add_years(mother_born, 18), _add_years(shared.arrival, -17))
        latest = shared.arrival - dt.timedelta(days=14)
        people: list[Person] = []
        for _ in range(count):
            if people and self.chance(0.12):  # twins: same family name and birth date
                born = people[-1].born
            else:
                born = self.between(earliest, latest)
            sex = self.rng.choice([Sex.FEMALE, Sex.MALE])
            people.append(self.person(shared, sex, family, born, HouseholdRole.CHILD, child=True))
        return people

    def adult(self, shared: Shared, sex: str, family: Name, born: dt.date, role: str) -> Person:
        return self.person(shared, sex, family, born, role, child=False)

    # -- one person

    def person(
        self, shared: Shared, sex: str, family: Name, born: dt.date, role: str, *, child: bool
    ) -> Person:
        origin = shared.origin
        given = self.rng.choice(origin.female if sex == Sex.FEMALE else origin.male)
        birth_date = self.birth_date(born, origin, child=child)
        languages = self.languages(origin, shared.arrival, child=child)
        adult = self.age(born) >= 16
        fields: dict[str, Any] = {
            "family_name": family.latin,
            "given_names": given.latin,
            "family_name_original": family.original,
            "given_names_original": given.original,
            "former_names": self.other_spellings(given, family, 0.15 if child else 0.4),
            "sex": sex,
            "birth_date": birth_date,
            "place_of_birth": self.rng.choice(origin.places),
            "country_of_birth": origin.country,
            "nationalities": self.nationalities(origin),
            "azr_number": self.digits(12) if self.chance(self.azr_share(shared.agency)) else "",
            "languages": languages,
            "interpreter_needed": "de" not in languages,
            "phone": self.phone(origin) if adult and self.chance(0.55) else "",
            "email": self.email(given, family, born) if adult and self.chance(0.12) else "",
            "arrival_date": shared.arrival,
            "residence_status": shared.status,
            **shared.address,
        }
        if origin.country == "AF" and self.chance(0.2):  # many Afghans grew up in Iran
            fields["country_of_birth"] = "IR"
            fields["place_of_birth"] = self.rng.choice(["Mashhad", "Tehran", "Isfahan"])
        documents = self.documents(shared, born, child=child)
        return Person(role=role, fields=fields, documents=documents, born=born)

    def birth_date(self, born: dt.date, origin: Origin, *, child: bool) -> PartialDate:
        roll = self.rng.random()
        if child:
            return PartialDate(born.year, born.month, None if roll < 0.03 else born.day)
        if origin.country == "AF":
            if roll < 0.3:
                return PartialDate(born.year)
            if roll < 0.45:  # "01.01." by convention when only the year was known
                return PartialDate(born.year, 1, 1)
        elif roll < 0.06:
            return PartialDate(born.year)
        elif roll < 0.14:
            return PartialDate(born.year, born.month)
        return PartialDate(born.year, born.month, born.day)

    def other_spellings(self, given: Name, family: Name, probability: float) -> str:
        if not (given.variants or family.variants) or not self.chance(probability):
            return ""
        given_form = self.rng.choice(given.variants or (given.latin,))
        family_form = self.rng.choice(family.variants or (family.latin,))
        return f"{given_form} {family_form}"

    def nationalities(self, origin: Origin) -> list[str]:
        if origin.country == "UA":
            second = self.weighted({"": 88, "HU": 4, "RO": 3, "RU": 3, "PL": 2})
            return ["UA", second] if second else ["UA"]
        if origin.country == "SY" and self.chance(0.05):
            return ["SY", "TR"]
        return [origin.country]

    def languages(self, origin: Origin, arrival: dt.date, *, child: bool) -> list[str]:
        if origin.country == "UA":
            languages = ["ru", "uk"] if self.chance(0.12) else ["uk"]
            if "ru" not in languages and self.chance(0.5):
                languages.append("ru")
        elif origin.country == "SY":
            languages = ["ku", "ar"] if self.chance(0.15) else ["ar"]
            if self.chance(0.1):
                languages.append("tr")
        else:
            languages = [self.weighted({"prs": 60, "ps": 25, "fa": 15})]
            if languages[0] == "ps":
                languages.append("prs")
        if not child and self.chance(0.2):
            languages.append("en")
        years_here = (self.today - arrival).days / 365
        if self.chance(min(0.8, years_here * (0.3 if child else 0.12))):
            languages.append("de")
        return languages

    def phone(self, origin: Origin) -> str:
        if origin.country == "UA" and self.chance(0.5):
            return f"+380{self.rng.choice(UA_MOBILE_PREFIXES)}{self.digits(7)}"
        return f"+49{self.rng.choice(DE_MOBILE_PREFIXES)}{self.digits(8)}"

    def email(self, given: Name, family: Name, born: dt.date) -> str:
        local = re.sub(r"[^a-z0-9.]", "", fold_accents(f"{given.latin}.{family.latin}"))
        return f"{local}{born.year % 100:02d}@example.org"

    def azr_share(self, agency: str) -> float:
        return 0.65 if agency in ("laf", "lea") else 0.4

    # -- arrival, residence, housing

    def arrival(self, agency: str, origin: Origin) -> dt.date:
        if agency == "laf" and self.chance(0.2):  # fresh arrivals at the arrival centre
            return self.today - dt.timedelta(days=self.rng.randint(0, 60))
        year = self.weighted(
            {y: w for y, w in ARRIVAL_YEAR_WEIGHTS.items() if y <= self.today.year}
        )
        start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), self.today)
        if origin.country == "UA" and year == 2022:
            start = WAR_START
            if self.chance(0.5):  # the peak weeks of spring 2022
                end = dt.date(2022, 4, 30)
        return self.between(start, end)

    def status(self, agency: str, origin: Origin, arrival: dt.date) -> str:
        days = (self.today - arrival).days
        if origin.country != "UA":
            if agency == "jobcenter-mh":  # SGB II only after recognition
                return ResidenceStatus.RECOGNISED
            if days < 365:
                return ResidenceStatus.ASYLUM_PROCEDURE
            return self.weighted(
                {
                    ResidenceStatus.RECOGNISED: 45,
                    ResidenceStatus.ASYLUM_PROCEDURE: 25,
                    ResidenceStatus.DEPORTATION_BAN: 15,
                    ResidenceStatus.TOLERATED: 15,
                }
            )
        if days < 90 and agency == "laf":
            return self.rng.choice(
                [
                    ResidenceStatus.UNKNOWN,
                    ResidenceStatus.VISA_FREE,
                    ResidenceStatus.FIKTIONSBESCHEINIGUNG,
                ]
            )
        if days < 180:
            return self.weighted(
                {
                    ResidenceStatus.FIKTIONSBESCHEINIGUNG: 60,
                    ResidenceStatus.TEMPORARY_PROTECTION: 40,
                }
            )
        return self.weighted(
            {
                ResidenceStatus.TEMPORARY_PROTECTION: 90,
                ResidenceStatus.FIKTIONSBESCHEINIGUNG: 5,
                ResidenceStatus.OTHER_PERMIT: 5,
            }
        )

    def address(self, agency: str, origin: Origin, arrival: dt.date) -> dict[str, Any]:
        days = (self.today - arrival).days
        if agency == "laf" and days < 30:
            street, postcode, district = TEGEL if origin.country == "UA" else REINICKENDORF_CENTRE
            return {
                "street": street,
                "postcode": postcode,
                "district": district,
                "accommodation": Accommodation.ARRIVAL_CENTRE,
            }
        a = Accommodation
        if days < 365:
            weights = {a.LAF_SHELTER: 40, a.PRIVATE: 30, a.HOSTEL: 15, a.OWN_FLAT: 10, a.OTHER: 5}
        else:
            weights = {a.OWN_FLAT: 45, a.LAF_SHELTER: 25, a.PRIVATE: 20, a.HOSTEL: 5, a.OTHER: 3}
            weights[a.NONE] = 2
        accommodation = self.weighted(weights)
        if accommodation == Accommodation.NONE:
            return {"street": "", "postcode": "", "district": "", "accommodation": accommodation}
        # The district offices serve people living in their district.
        choices = MH_ADDRESSES if agency in ("sozialamt-mh", "jobcenter-mh") else ADDRESSES
        street, postcode, district = self.rng.choice(choices)
        return {
            "street": f"{street} {self.rng.randint(1, 180)}",
            "postcode": postcode,
            "district": district,
            "accommodation": accommodation,
        }

    # -- documents

    def documents(self, shared: Shared, born: dt.date, *, child: bool) -> list[dict[str, Any]]:
        country, arrival = shared.origin.country, shared.arrival
        documents: list[dict[str, Any]] = []
        if country == "UA":
            if child:
                if self.chance(0.9):
                    documents.append(self.ua_birth_certificate(born))
                if self.chance(0.3):
                    documents.append(self.passport(country, born, arrival, valid_years=4))
            else:
                if self.chance(0.85):
                    documents.append(self.passport(country, born, arrival, valid_years=10))
                if self.chance(0.25):
                    documents.append(self.ua_id_card(born, arrival))
        else:
            if not child and self.chance(0.5 if country == "SY" else 0.25):
                documents.append(self.passport(country, born, arrival, valid_years=7))
            if country == "AF" and self.chance(0.4):
                documents.append(self.tazkira(born, arrival))
            if shared.status in (ResidenceStatus.ASYLUM_PROCEDURE, ResidenceStatus.TOLERATED):
                documents.append(self.arrival_certificate(arrival))
        if permit := self.residence_permit(shared):
            documents.append(permit)
        return documents

    def issued_before(self, born: dt.date, arrival: dt.date, *, years: int) -> dt.date:
        earliest = max(born + dt.timedelta(days=1), _add_years(arrival, -years))
        return self.between(earliest, arrival - dt.timedelta(days=1))

    def passport(
        self, country: str, born: dt.date, arrival: dt.date, *, valid_years: int
    ) -> dict[str, Any]:
        if country == "UA":
            number = f"{self.rng.choice(UA_PASSPORT_SERIES)}{self.digits(6)}"
        elif country == "SY":
            number = f"N0{self.digits(7)}"
        else:
            number = f"P0{self.digits(7)}"
        issued = self.issued_before(born, arrival, years=valid_years)
        return {
            "doc_type": DocumentType.PASSPORT,
            "number": number,
            "issuing_country": country,
            "issued_on": issued,
            "expires_on": _add_years(issued, valid_years),
        }

    def ua_id_card(self, born: dt.date, arrival: dt.date) -> dict[str, Any]:
        issued = self.issued_before(born, arrival, years=10)
        return {
            "doc_type": DocumentType.ID_CARD,
            "number": self.digits(9),
            "issuing_country": "UA",
            "issued_on": issued,
            "expires_on": _add_years(issued, 10),
        }

    def ua_birth_certificate(self, born: dt.date) -> dict[str, Any]:
        # Printed as "I-KV No 123456"; the model stores it normalised (IKV123456).
        series = self.rng.choice(UA_BIRTH_CERTIFICATE_SERIES)
        return {
            "doc_type": DocumentType.BIRTH_CERTIFICATE,
            "number": f"{series} {self.digits(6)}",
            "issuing_country": "UA",
            "issued_on": min(born + dt.timedelta(days=self.rng.randint(3, 30)), self.today),
        }

    def tazkira(self, born: dt.date, arrival: dt.date) -> dict[str, Any]:
        # Afghan electronic ID (e-Tazkira), printed as 1400-0101-12345.
        return {
            "doc_type": DocumentType.ID_CARD,
            "number": f"{self.rng.randint(1395, 1400)}-{self.digits(4)}-{self.digits(5)}",
            "issuing_country": "AF",
            "issued_on": self.issued_before(born, arrival, years=8),
        }

    def arrival_certificate(self, arrival: dt.date) -> dict[str, Any]:
        issued = min(arrival + dt.timedelta(days=self.rng.randint(0, 10)), self.today)
        return {
            "doc_type": DocumentType.ARRIVAL_CERTIFICATE,
            "number": f"A{self.digits(9)}",
            "issuing_country": "DE",
            "issued_on": issued,
            "expires_on": issued + dt.timedelta(days=182),
        }

    def residence_permit(self, shared: Shared) -> dict[str, Any] | None:
        issued = shared.arrival + dt.timedelta(days=self.rng.randint(30, 200))
        if issued > self.today or not self.chance(0.6):
            return None
        if shared.status == ResidenceStatus.TEMPORARY_PROTECTION:
            expires = TEMPORARY_PROTECTION_END
        elif shared.status == ResidenceStatus.RECOGNISED:
            expires = _add_years(issued, 3)
        elif shared.status == ResidenceStatus.DEPORTATION_BAN:  # § 25 (3): at least a year
            expires = _add_years(issued, 1)
        else:
            return None
        if issued >= expires:
            return None
        first = self.rng.choice(DE_DOCUMENT_ALPHABET[:17])
        rest = "".join(self.rng.choice(DE_DOCUMENT_ALPHABET) for _ in range(8))
        return {
            "doc_type": DocumentType.RESIDENCE_PERMIT,
            "number": first + rest,
            "issuing_country": "DE",
            "issued_on": issued,
            "expires_on": expires,
        }


class Command(BaseCommand):
    help = "Create demo agencies, staff users and synthetic clients (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default="demo", help="password for every demo user")
        parser.add_argument("--clients", type=int, default=300, help="number of clients")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even with DEBUG off (never on a production database)",
        )

    def handle(
        self, *args: Any, password: str, clients: int, seed: int, force: bool, **options: Any
    ) -> None:
        # Demo users share one known password and include a superuser: never in production.
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo runs only with DEBUG=1 (or --force on a test database).")
        if clients < 0:
            raise CommandError("--clients must not be negative.")
        started = time.monotonic()
        with transaction.atomic():
            agencies, new_agencies = self.ensure_agencies()
            caseworkers, new_users = self.ensure_staff(agencies, password)
        demo_clients = Client.objects.filter(registered_by__in=agencies.values())
        if demo_clients.exists():
            self.stdout.write(
                f"Demo clients already exist ({demo_clients.count()}); not creating clients."
            )
        else:
            people = DemoPeople(random.Random(seed), timezone.localdate())
            with transaction.atomic():
                self.create_clients(people, agencies, caseworkers, clients)
                shared = demo_share(agencies=agencies, rng=random.Random(seed))
                twice = self.register_again(people, agencies, caseworkers, clients // 25)
            # The supervisors' review queue, as the nightly report would fill it.
            call_command("duplicate_report", output=os.devnull, stderr=io.StringIO())
            queued = DuplicatePair.objects.filter(status=DuplicatePair.Status.OPEN).count()
            self.stdout.write(self.style.SUCCESS(f"Created {clients} clients."))
            self.stdout.write(
                f"Registered again by mistake: {twice}; review queue: {queued} probable pairs."
            )
            self.stdout.write(
                f"Handovers: {shared['accepted']} records accepted, {shared['pending']} waiting "
                f"in inboxes; {shared['requests']} access requests."
            )
        self.report(agencies, new_agencies, new_users, time.monotonic() - started, password)

    def ensure_agencies(self) -> tuple[dict[str, Agency], int]:
        existing = {agency.slug: agency for agency in Agency.objects.filter(slug__in=STAFF)}
        agencies: dict[str, Agency] = {}
        for slug, name, kind in AGENCIES:
            agencies[slug] = existing.get(slug) or agency_create(name=name, slug=slug, kind=kind)
        return agencies, len(agencies) - len(existing)

    def ensure_staff(
        self, agencies: dict[str, Agency], password: str
    ) -> tuple[dict[str, User], int]:
        caseworkers: dict[str, User] = {}
        created = 0
        for slug, agency in agencies.items():
            for (suffix, role), (first_name, last_name) in zip(ROLES, STAFF[slug], strict=True):
                user, is_new = self.ensure_user(f"{slug}.{suffix}", first_name, last_name, password)
                membership_set(user=user, agency=agency, role=role)
                created += is_new
                if role == Membership.Role.CASEWORKER:
                    caseworkers[slug] = user
        _, is_new = self.ensure_user("admin", "Demo", "Admin", password, superuser=True)
        return caseworkers, created + is_new

    def ensure_user(
        self,
        username: str,
        first_name: str,
        last_name: str,
        password: str,
        *,
        superuser: bool = False,
    ) -> tuple[User, bool]:
        user, created = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = first_name, last_name
        user.email = f"{username}@example.org"
        user.is_active = True
        user.is_staff = user.is_superuser = superuser
        user.set_password(password)
        user.save()
        return user, created

    def create_clients(
        self,
        people: DemoPeople,
        agencies: dict[str, Agency],
        caseworkers: dict[str, User],
        count: int,
    ) -> None:
        created = 0
        while created < count:
            slug = people.weighted(AGENCY_WEIGHTS)
            household = people.household(slug, limit=count - created)
            self.register_household(household, agencies[slug], caseworkers[slug])
            created += len(household)

    def register_again(
        self,
        people: DemoPeople,
        agencies: dict[str, Agency],
        caseworkers: dict[str, User],
        count: int,
    ) -> int:
        """What the portal exists to prevent, for the duplicate check to find: adults typed
        in a second time, in another spelling, often with day and month swapped or only
        the year, mostly at the same office (a later visit), sometimes at another."""
        spellings = {
            name.latin: name
            for origin in ORIGINS.values()
            for name in (*origin.female, *origin.male, *origin.family)
        }
        adults = list(
            Client.objects.filter(registered_by__in=agencies.values(), birth_day__isnull=False)
            .exclude(household_role=HouseholdRole.CHILD)
            .order_by("pk")
        )
        rng = people.rng
        picked = rng.sample(adults, min(count, len(adults)))
        for original in picked:
            fields = {
                name: getattr(original, name)
                for name in ("sex", "nationalities", "place_of_birth", "languages")
            }
            for name in ("family_name", "given_names"):
                known = spellings.get(getattr(original, name))
                variants = known.variants if known else ()
                fields[name] = rng.choice(variants) if variants else getattr(original, name)
            born = original.birth_date
            if rng.random() < 0.3 and born.day <= 12:
                born = PartialDate(born.year, born.day, born.month)
            elif rng.random() < 0.2:
                born = PartialDate(born.year)
            fields["birth_date"] = born
            slug = original.registered_by.slug
            if rng.random() < 0.3:
                slug = rng.choice([other for other in agencies if other != slug])
            client_register(agency=agencies[slug], actor=caseworkers[slug], fields=fields)
        return len(picked)

    def register_household(self, household: list[Person], agency: Agency, actor: User) -> None:
        head_plan, *members = household
        head = client_register(agency=agency, actor=actor, fields=head_plan.fields)
        for document in head_plan.documents:
            document_add(client=head, actor=actor, fields=document)
        for plan in members:
            member = household_member_add(
                anchor=head, agency=agency, actor=actor, role=plan.role, fields=plan.fields
            )
            for document in plan.documents:
                document_add(client=member, actor=actor, fields=document)

    def report(
        self,
        agencies: dict[str, Agency],
        new_agencies: int,
        new_users: int,
        seconds: float,
        password: str,
    ) -> None:
        clients = Client.objects.filter(registered_by__in=agencies.values())
        per_agency = ", ".join(
            f"{slug} {clients.filter(registered_by=agency).count()}"
            for slug, agency in agencies.items()
        )
        households = Household.objects.filter(members__in=clients).distinct().count()
        documents = IdentityDocument.objects.filter(client__in=clients).count()
        self.stdout.write(
            f"Agencies: {len(agencies)} ({new_agencies} new). Users: {new_users} new.\n"
            f"Clients: {clients.count()} ({per_agency}); households: {households}; "
            f"documents: {documents}.\n"
            f"Done in {seconds:.1f} s.\n\n"
            "Log in as <agency>.caseworker, <agency>.supervisor or <agency>.admin,\n"
            f"where <agency> is one of: {', '.join(agencies)};\n"
            'or as the superuser "admin" (Django admin, no agency).\n'
            f"Password for all demo users: {password}"
        )
