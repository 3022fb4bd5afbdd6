"""Synthetic people for the access benchmark's million records: names per naming
tradition (Ukrainian, Arabic, Afghan, Turkish, Eritrean), real common names first, then
generated ones of the same shape, drawn with a popularity that falls off like real name
lists (a few very common family names, a long tail); birth dates, arrival, contact and
residence data; the record rows as COPY takes them."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone
from stdnum import luhn

from clients.choices import Accommodation, District, ResidenceStatus
from clients.models import Client
from clients.reference import ALPHABET, LENGTH


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


def name_lists(rng: random.Random) -> list[Names]:
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


def popular(rng: random.Random, ranked: list[str]) -> str:
    """Rank r with probability falling like 1/sqrt(r): the top name ~1-2 %, a long tail."""
    return ranked[int(len(ranked) * rng.random() ** 2)]


_GERMAN_SPELLING = (("shch", "schtsch"), ("sh", "sch"), ("kh", "ch"), ("ch", "tsch"), ("v", "w"))


def german_spelling(name: str) -> str:
    """How the name was written on an older German document (Shevchenko -> Schewtschenko)."""
    text = name.lower()
    for old, new in _GERMAN_SPELLING:
        text = text.replace(old, new)
    return text.capitalize()


def reference_code(rng: random.Random) -> str:
    body = "".join(ALPHABET[rng.getrandbits(5)] for _ in range(LENGTH))
    return body + luhn.calc_check_digit(body, alphabet=ALPHABET)


CLIENT_COLUMNS = (
    "family_name given_names birth_name former_names family_name_original "
    "given_names_original sex birth_year birth_month birth_day place_of_birth "
    "country_of_birth nationalities azr_number languages interpreter_needed phone "
    "email street postcode district accommodation arrival_date residence_status "
    "special_protection_needs sensitive_notes household_role reference_code "
    "created_at updated_at search_name registered_by_id external_ref"
).split()


def clients_copy(cursor, rng: random.Random, agencies: list[int], options) -> None:
    """COPY `options["clients"]` records, `options["visible"]` of them registered by the
    first agency, the rest by the others at random."""
    sql = f"COPY {Client._meta.db_table} ({', '.join(CLIENT_COLUMNS)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for row in _client_rows(rng, agencies, options):
            copy.write_row(row)


def _client_rows(rng: random.Random, agencies: list[int], options) -> Iterator[tuple]:
    total, visible = options["clients"], options["visible"]
    # The measured agency (the first) registers exactly `visible` records, spread evenly
    # through the table; the others share the rest at random.
    owners = [agencies[0]] * visible + [
        agencies[1 + rng.randrange(len(agencies) - 1)] for _ in range(total - visible)
    ]
    rng.shuffle(owners)
    ranked_names = name_lists(rng)
    weights = [style.weight for style in STYLES]
    districts = [choice.value for choice in District]
    accommodations = [choice.value for choice in Accommodation]
    statuses = [choice.value for choice in ResidenceStatus]
    today = timezone.localdate()
    war = dt.date(2022, 2, 24)
    arrival_days = (today - war).days
    codes: set[str] = set()
    # The search name as the model derives it, on one reused instance (not one per row).
    folded = Client()
    for number, owner in enumerate(owners, start=1):
        index = rng.choices(range(len(STYLES)), weights)[0]
        style, ranked = STYLES[index], ranked_names[index]
        female = rng.random() < 0.52
        given_ranked = ranked.female if female else ranked.male
        family = popular(rng, ranked.family)
        given = popular(rng, given_ranked)
        if rng.random() < 0.15:
            given += " " + popular(rng, given_ranked)
        former = german_spelling(family) if index == 0 and rng.random() < 0.1 else ""
        birth_name = popular(rng, ranked.family) if female and rng.random() < 0.05 else ""
        age = rng.random()
        age = (
            rng.randrange(0, 18)
            if age < 0.33
            else (rng.randrange(18, 65) if age < 0.93 else rng.randrange(65, 95))
        )
        month = rng.randrange(1, 13) if rng.random() < 0.92 else None
        day = rng.randrange(1, 29) if month and rng.random() < 0.85 else None
        if age == 0 and month and (month, day or 1) > (today.month, today.day):
            age = 1  # not born yet this year: last year's baby
        country = rng.choice(style.countries)
        arrival = war + dt.timedelta(days=int(arrival_days * rng.random() ** 0.7))
        created = timezone.make_aware(
            dt.datetime.combine(
                min(arrival + dt.timedelta(days=rng.randrange(30)), today), dt.time(9)
            )
        ) + dt.timedelta(seconds=rng.randrange(8 * 3600))
        code = reference_code(rng)
        while code in codes:
            code = reference_code(rng)
        codes.add(code)
        has_phone = rng.random() < 0.6
        folded.family_name, folded.given_names = family, given
        folded.birth_name, folded.former_names = birth_name, former
        folded.refresh_search_name()
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
            f"{(number * 982451653 + 123456789012) % 10**12:012d}" if rng.random() < 0.7 else "",
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
            folded.search_name,
            owner,
            "",
        )
