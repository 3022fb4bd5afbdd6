"""Synthetic names for the access benchmark's million records: per naming tradition
(Ukrainian, Arabic, Afghan, Turkish, Eritrean) real common names first, then generated
ones of the same shape, drawn with a popularity that falls off like real name lists
(a few very common family names, a long tail)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from stdnum import luhn

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
