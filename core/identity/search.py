"""Finding a person by what a caseworker types: a name in any spelling or script, and
perhaps a birth date. The same names module as the duplicate check, used the other way.

A query's words have no roles (family or given name; the order varies), so every word
must find a partner among all the name words of a record (its Latin names, its original
script, birth name, other spellings, the spellings of records merged into it), with the
same comparison as the matcher: transliteration, cross-language forms (Olena / Elena /
Helene), one typing error. A word may also be a part of a name as it is spelled in the
record (Schew, Kowal, tschenko), as the search always allowed. A birth
date, if given, must be compatible (same, partial, day and month swapped, one digit or a
year off): another birth date excludes the record.

Candidates come from `search_keys` stored per record (`clients.ClientMatchKey`, prefix
"t:"): the first four consonant classes of every name word. A query word looks up its own
key and the keys of its spelling with one consonant left out, so one extra consonant
typed (Shevtchenko, Schewtschenkko) still finds the record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from core.dates import PartialDate
from core.identity.names import block_key, fold_accents, spelling_similarity, token_keys, tokens
from core.identity.score import BIRTH_WEIGHTS, Match, MatchRecord, compare_birth

SEARCH_KEY_PREFIX = "t:"
# A query word this long may be the start of a name; one letter longer, any piece of it
# (a letter or two says nothing).
MIN_PART = 3
# A word matches a name word from this similarity on: one typo (0.9) or better.
MIN_WORD_SIMILARITY = 0.85
_PART_SIMILARITY = 0.86


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]  # name words as the matcher reads them (`names.tokens`)
    folded: tuple[str, ...] = ()  # the words as typed, case and accents folded
    birth: PartialDate = field(default_factory=PartialDate)

    @classmethod
    def parse(cls, name: str, birth: PartialDate | None = None) -> SearchQuery:
        text = name.replace(",", " ")
        return cls(
            tuple(dict.fromkeys(tokens(text))),
            tuple(fold_accents(text).split()),
            birth or PartialDate(),
        )

    def __bool__(self) -> bool:
        return bool(self.words)

    def word_keys(self) -> list[tuple[str, ...]]:
        """Per query word, the stored keys that may belong to it (see module doc)."""
        return [_lookup_keys(word) for word in self.words]


def search_keys(record: MatchRecord) -> list[str]:
    """The keys a record stores for search: one per name word of every reading."""
    keys = []
    for reading in record.readings:
        for word in (*reading.family, *reading.given, *reading.patronymics):
            keys.extend(f"{SEARCH_KEY_PREFIX}{key}" for key in block_key(word))
    return list(dict.fromkeys(keys))


def _lookup_keys(word: str) -> tuple[str, ...]:
    keys = set(block_key(word))
    for skeleton in token_keys(word).skeletons:
        # One consonant too many among the first five: leave each out in turn. Only where
        # four remain: a shorter key would stand for half the names there are.
        for index in range(min(len(skeleton), 5)):
            shorter = skeleton[:index] + skeleton[index + 1 :]
            if len(shorter) >= 4:
                keys.add(shorter[:4])
    return tuple(sorted(f"{SEARCH_KEY_PREFIX}{key}" for key in keys))


# How much a word's agreement costs, in log-odds, by similarity: as in the matcher.
def _word_weight(similarity: float) -> float:
    if similarity >= 0.999:
        return 0.0
    if similarity >= 0.92:
        return -1.0
    return -2.0


def score_search(query: SearchQuery, record: MatchRecord) -> Match | None:
    """How well `record` answers `query` (0..1, with reason codes), or None when it does
    not: a word without a partner, or another birth date."""
    words = [token_keys(word) for word in query.words]
    names = [
        (token, token_keys(token), reading.original_script)
        for reading in record.readings
        for token in (*reading.family, *reading.given, *reading.patronymics)
    ]
    if not names:
        return None
    weight = 0.0
    worst = 1.0
    reasons: list[str] = []
    original = False
    for typed, word in zip(query.words, words, strict=True):
        best, in_original = 0.0, False
        for token, name, is_original in names:
            similarity = spelling_similarity(typed, token)
            if similarity < MIN_WORD_SIMILARITY and _is_part(word.raw, name.raw):
                similarity = _PART_SIMILARITY
            if similarity > best:
                best, in_original = similarity, is_original
        if best < MIN_WORD_SIMILARITY:
            return None
        weight += _word_weight(best)
        worst = min(worst, best)
        original = original or (in_original and best >= 0.999)
    exact = {word.raw for word in words} <= {name.raw for _token, name, _original in names}
    if exact:
        reasons.append("name_same")
    elif worst >= 0.999:
        canonical = any(word.canonical != word.raw for word in words)
        reasons.append("name_equivalent" if canonical else "name_translit")
    elif worst == _PART_SIMILARITY:
        reasons.append("name_part")
    else:
        reasons.append("name_similar")
    if original:
        reasons.append("original_script")
    # A name alone identifies nobody for sure; a second word and a birth date add to it.
    logit = 1.0 + weight + 0.5 * min(len(words) - 1, 2)
    if query.birth:
        birth_weight, birth_reason = compare_birth(query.birth, record.birth)
        if birth_weight < 0 and birth_reason != "birth_year_off":
            return None
        logit += min(birth_weight, BIRTH_WEIGHTS["birth_same"])
        reasons.append(birth_reason)
    score = 1.0 / (1.0 + math.exp(-logit))
    return Match(score=round(score, 4), reasons=reasons)


def _is_part(word: str, name: str) -> bool:
    """The start of a name (Schew), or a longer piece of it (tschenko), as typed."""
    if word == name:
        return False
    return (len(word) >= MIN_PART and name.startswith(word)) or (
        len(word) >= MIN_PART + 1 and word in name
    )
