"""Nationalities as legacy exports write them: ISO codes of two or three letters (UA, UKR),
names and adjectives in German and English (Ukraine, ukrainisch, Ukrainian, UKRAINE),
several in one field (UKR/RUS). What maps to no country is left out with a remark."""

from __future__ import annotations

import re
from functools import cache

from django.utils import translation
from django_countries import countries

from core.identity.names import fold_accents
from workflows.imports.values import Reason, Remark, is_placeholder

# Adjectives and other names, German and English, of the countries most people come
# from (and of a few the country list spells otherwise). Keys are folded, German
# adjective endings taken off (ukrainische -> ukrainisch).
_COUNTRY_WORDS = {
    "UA": ["ukrainisch", "ukrainian", "україна", "украина", "ukraina"],
    "RU": ["russisch", "russian", "russische foderation", "russian federation", "россия"],
    "SY": ["syrisch", "syrian", "arabische republik syrien", "syrian arab republic"],
    "AF": ["afghanisch", "afghan", "afghani", "afganistan"],
    "IQ": ["irakisch", "iraqi"],
    "IR": ["iranisch", "iranian", "islamische republik iran", "iran, islamic republic of"],
    "ER": ["eritreisch", "eritrean"],
    "SO": ["somalisch", "somali"],
    "TR": ["turkisch", "turkish", "turkey", "turkiye"],
    "MD": ["moldauisch", "moldawisch", "moldovan", "republik moldau", "moldau", "молдова"],
    "BY": ["belarussisch", "weissrussisch", "belarusian", "weissrussland", "беларусь"],
    "GE": ["georgisch", "georgian"],
    "PL": ["polnisch", "polish"],
    "RO": ["rumanisch", "romanian"],
    "DE": ["deutsch", "german", "brd", "d"],
    "KZ": ["kasachisch", "kazakh", "kazakhstani"],
    "AZ": ["aserbaidschanisch", "azerbaijani"],
    "AM": ["armenisch", "armenian"],
    "NG": ["nigerianisch", "nigerian"],
    "PK": ["pakistanisch", "pakistani"],
    "VN": ["vietnamesisch", "vietnamese"],
    "PS": ["palastinensisch", "palestinian"],
    "LB": ["libanesisch", "lebanese"],
    "YE": ["jemenitisch", "yemeni"],
    "SD": ["sudanesisch", "sudanese"],
    "ET": ["athiopisch", "ethiopian"],
    "GN": ["guineisch", "guinean"],
    "EG": ["agyptisch", "egyptian"],
    "IN": ["indisch", "indian"],
    "CN": ["chinesisch", "chinese"],
    "US": ["usa", "american", "amerikanisch"],
    "GB": ["britisch", "british", "great britain", "grossbritannien"],
}
# No country, but worth keeping: ICAO codes for stateless persons and refugees, and the
# German "ungeklärt" (unresolved).
_NO_COUNTRY = frozenset(
    {"staatenlos", "stateless", "xxa", "xxb", "xxc", "xxx", "ungeklart", "unresolved",
     "ungeklarte staatsangehorigkeit"}
)  # fmt: skip
# Ambiguous on purpose: "UK" is written for Ukraine (its language code is uk) as often
# as for the United Kingdom; numbers are ISO numeric codes or German statistical keys.
_AMBIGUOUS = frozenset({"uk"})
_SEPARATORS = re.compile(r"\s*(?:[,;/|+&]|\bund\b|\band\b)\s*")
_ADJECTIVE_ENDING = re.compile(r"(isch)(?:e|er|es|en|em)$")


def _fold(text: str) -> str:
    folded = fold_accents(text).replace("ß", "ss").replace(".", "").strip()
    return _ADJECTIVE_ENDING.sub(r"\1", folded)


@cache
def _country_names() -> dict[str, str]:
    table: dict[str, str] = {}
    for language in ("en", "de"):
        with translation.override(language):
            for code, country_name in countries:
                table[_fold(str(country_name))] = code
    for code, words in _COUNTRY_WORDS.items():
        table.update({_fold(word): code for word in words})
    return table


@cache
def _country(text: str) -> str | None:
    """ISO alpha-2 of one spelling, "" for no country (stateless), None if unknown."""
    folded = _fold(text)
    if folded in _NO_COUNTRY:
        return ""
    if folded in _AMBIGUOUS or folded.isdigit():
        return None
    if len(folded) in (2, 3) and folded.isascii() and folded.isalpha():
        code = countries.alpha2(folded.upper())
        if code:
            return code
    return _country_names().get(folded)


def nationalities(raw: str) -> tuple[list[str], list[Remark]]:
    """ISO codes in the order given (the first is the main document's), from codes
    (UA, UKR), names and adjectives (Ukraine, ukrainisch) in German and English."""
    if not raw or is_placeholder(raw):
        return [], []
    # "Korea, Republik" is one country; "UKR, RUS" two.
    parts = [raw] if _country(raw) is not None else [p for p in _SEPARATORS.split(raw) if p]
    codes: list[str] = []
    remarks: list[Remark] = []
    for part in parts:
        code = _country(part)
        if code is None:
            remarks.append(Remark("nationality", Reason.NATIONALITY_UNKNOWN, part))
        elif code == "":
            remarks.append(Remark("nationality", Reason.NATIONALITY_NONE, part))
        elif code not in codes:
            codes.append(code)
    return codes, remarks
