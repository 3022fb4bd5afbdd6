"""Pairwise duplicate score: are two client records the same person?

Evidence is added up as log-odds weights (Fellegi-Sunter style, set by hand and checked
on the synthetic set of `clients.matching.synthetic`), then squashed to 0..1:

- names: order-free token matching on sound-class keys (swapped names, double names,
  patronymics present or absent, transliteration and cross-language forms),
- birth date: same, day/month swapped, one digit off, partial but compatible, different,
- same document number (strong), sex and nationality (weak).

Hard negatives are explicit: a pair that shares the family name but not the given names
(twins, household members, siblings) is capped below the threshold unless a document
number links them, because a household is the most common source of wrong merges.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from clients.dates import PartialDate
from clients.matching.normalize import (
    is_patronymic,
    name_block_keys,
    token_keys,
    token_similarity,
    tokens,
)

if TYPE_CHECKING:
    from clients.models import Client

DEFAULT_THRESHOLD = 0.85
# A pair capped as a hard negative never scores above this.
HARD_NEGATIVE_CAP = 0.3

REASON_LABELS = {
    "name_same": _("same name"),
    "name_translit": _("same name after transliteration"),
    "name_equivalent": _("equivalent name form (e.g. Olena / Jelena / Helene)"),
    "name_similar": _("similar name (possible typo)"),
    "name_different": _("different names"),
    "names_swapped": _("family and given names swapped"),
    "patronymic_dropped": _("patronymic only in one record"),
    "patronymic_different": _("different patronymics"),
    "extra_name": _("additional name in one record"),
    "original_script": _("same name in original script"),
    "birth_same": _("same birth date"),
    "birth_dm_swapped": _("birth date with day and month swapped"),
    "birth_one_digit": _("birth date differs in one digit"),
    "birth_jan1_convention": _("birth date 01.01. used for an unknown date"),
    "birth_partial_compatible": _("partial birth date compatible"),
    "birth_unknown": _("birth date unknown"),
    "birth_different": _("different birth dates"),
    "same_document": _("same document number"),
    "document_different": _("different document numbers"),
    "sex_same": _("same sex"),
    "sex_different": _("different sex"),
    "nationality_same": _("same nationality"),
    "nationality_different": _("different nationalities"),
    "hard_negative_twins": _("same family name and birth date, other given names (twins?)"),
    "hard_negative_household": _("same family name, other given names (household member?)"),
}

_SPLIT_FORMER = re.compile(r"[,;/]")


@dataclass(frozen=True)
class Reading:
    """One way to read a record's name: tokens by role, patronymics set aside."""

    family: tuple[str, ...]
    given: tuple[str, ...]
    patronymics: tuple[str, ...]
    original_script: bool = False


def _reading(family: str, given: str, *, original_script: bool = False) -> Reading | None:
    fam = tokens(family)
    giv = tokens(given)
    patronymics = tuple(t for t in giv if is_patronymic(t))
    # Drop a patronymic from the family field too, but never the only family token.
    fam_patronymics = tuple(t for t in fam[1:] if is_patronymic(t))
    fam = [t for t in fam if t not in fam_patronymics]
    giv = [t for t in giv if t not in patronymics]
    if not fam and not giv:
        return None
    return Reading(tuple(fam), tuple(giv), patronymics + fam_patronymics, original_script)


@dataclass
class MatchRecord:
    """The fields of a client that matching looks at; buildable without the database."""

    family_name: str
    given_names: str = ""
    birth_name: str = ""
    former_names: str = ""
    family_name_original: str = ""
    given_names_original: str = ""
    sex: str = "u"
    birth: PartialDate = field(default_factory=PartialDate)
    nationalities: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    household_id: int | None = None
    street: str = ""
    postcode: str = ""
    id: int | str | None = None

    @classmethod
    def from_client(cls, client: Client) -> MatchRecord:
        """Prefetch `documents` when building many records."""
        from clients.validators import normalize_identifier

        return cls(
            id=client.pk,
            family_name=client.family_name,
            given_names=client.given_names,
            birth_name=client.birth_name,
            former_names=client.former_names,
            family_name_original=client.family_name_original,
            given_names_original=client.given_names_original,
            sex=client.sex,
            birth=client.birth_date,
            nationalities=tuple(str(c.code) for c in client.nationalities),
            documents=tuple(normalize_identifier(d.number) for d in client.documents.all()),
            household_id=client.household_id,
            street=client.street,
            postcode=client.postcode,
        )

    @cached_property
    def readings(self) -> tuple[Reading, ...]:
        candidates = [_reading(self.family_name, self.given_names)]
        if self.family_name_original or self.given_names_original:
            candidates.append(
                _reading(self.family_name_original, self.given_names_original, original_script=True)
            )
        for other in [self.birth_name, *_SPLIT_FORMER.split(self.former_names)]:
            if other.strip():
                candidates.append(_reading(other, self.given_names))
        return tuple(dict.fromkeys(r for r in candidates if r))

    @cached_property
    def address_key(self) -> str:
        return re.sub(r"\W+", "", (self.street + self.postcode).casefold())

    def blocking_keys(self) -> list[str]:
        """Short strings to index; two records that may match share at least one."""
        keys: list[str] = []
        for reading in self.readings:
            keys.extend(
                name_block_keys(
                    list(reading.family), list(reading.given), self.birth.year, self.documents
                )
            )
        return list(dict.fromkeys(keys))


@dataclass
class Match:
    score: float
    reasons: list[str]

    @property
    def labels(self) -> list[str]:
        return [str(REASON_LABELS[code]) for code in self.reasons]


@lru_cache(maxsize=500_000)
def _token_sim(a: str, b: str) -> float:
    return token_similarity(token_keys(a), token_keys(b))


@dataclass
class _NameComparison:
    similarity: float
    family_similarity: float
    given_similarity: float | None
    reasons: list[str]


def _compare_readings(ra: Reading, rb: Reading) -> _NameComparison:
    a = [(t, "f") for t in ra.family] + [(t, "g") for t in ra.given]
    b = [(t, "f") for t in rb.family] + [(t, "g") for t in rb.given]
    pairs = sorted(
        (
            (_token_sim(ta, tb), i, j)
            for i, (ta, _ra) in enumerate(a)
            for j, (tb, _rb) in enumerate(b)
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched: list[tuple[float, int, int]] = []
    for sim, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        matched.append((sim, i, j))
    n = min(len(a), len(b))
    if not matched:
        return _NameComparison(0.0, 0.0, None, ["name_different"])
    similarity = sum(s for s, _i, _j in matched) / n
    extra = max(len(a), len(b)) - n
    reasons: list[str] = []
    if extra:
        similarity -= 0.02 * min(extra, 2)
        reasons.append("extra_name")
    if n < 2:
        similarity *= 0.85  # one token alone says little ("Kovalenko")
    family = [s for s, i, j in matched if a[i][1] == "f" or b[j][1] == "f"]
    family_similarity = max(family) if family else 0.0
    # Given names when roles are kept, or the crossed pairs when names were swapped.
    given_only = [s for s, i, j in matched if a[i][1] == "g" or b[j][1] == "g"]
    swapped = any(a[i][1] != b[j][1] and s >= 0.85 for s, i, j in matched) and all(
        a[i][1] != b[j][1] for s, i, j in matched if s >= 0.85
    )
    if swapped:
        reasons.append("names_swapped")
        given_similarity = min(s for s, _i, _j in matched) if len(matched) > 1 else None
    else:
        given_similarity = min(given_only) if given_only and ra.given and rb.given else None
    if all(a[i][0] == b[j][0] for s, i, j in matched) and not extra:
        reasons.insert(0, "name_same")
    elif all(s == 1.0 for s, _i, _j in matched):
        canon = any(
            token_keys(a[i][0]).canonical == token_keys(b[j][0]).canonical
            and token_keys(a[i][0]).canonical != a[i][0]
            for _s, i, j in matched
            if a[i][0] != b[j][0]
        )
        reasons.insert(0, "name_equivalent" if canon else "name_translit")
    elif similarity >= 0.85:
        reasons.insert(0, "name_similar")
    else:
        reasons.insert(0, "name_different")
    if bool(ra.patronymics) != bool(rb.patronymics):
        reasons.append("patronymic_dropped")
    elif ra.patronymics and rb.patronymics:
        if _token_sim(ra.patronymics[0], rb.patronymics[0]) < 0.85:
            reasons.append("patronymic_different")
    return _NameComparison(similarity, family_similarity, given_similarity, reasons)


def compare_names(a: MatchRecord, b: MatchRecord) -> _NameComparison:
    best: _NameComparison | None = None
    for ra in a.readings:
        for rb in b.readings:
            result = _compare_readings(ra, rb)
            if ra.original_script and rb.original_script and result.similarity >= 0.99:
                result.reasons.append("original_script")
            if best is None or result.similarity > best.similarity:
                best = result
    return best or _NameComparison(0.0, 0.0, None, ["name_different"])


def _one_digit_apart(a: PartialDate, b: PartialDate) -> bool:
    sa, sb = str(a), str(b)
    return sum(x != y for x, y in zip(sa, sb, strict=True)) == 1


def compare_birth(a: PartialDate, b: PartialDate) -> tuple[float, str]:
    """Log-odds weight and reason code for two birth dates of any precision."""
    if not a or not b:
        return 0.0, "birth_unknown"
    if a.precision == "day" and b.precision == "day":
        if a == b:
            return 5.0, "birth_same"
        if a.year == b.year and a.day == b.month and a.month == b.day:
            return 3.5, "birth_dm_swapped"
        if a.year == b.year and (1, 1) in ((a.day, a.month), (b.day, b.month)):
            return 0.5, "birth_jan1_convention"
        if _one_digit_apart(a, b):
            return 1.0, "birth_one_digit"
        return (-3.0 if a.year == b.year else -6.0), "birth_different"
    # At least one is partial: compatible when every part both know agrees.
    if a.year != b.year:
        if a.precision == b.precision and _one_digit_apart(a, b):
            return 0.5, "birth_one_digit"
        return -5.0, "birth_different"
    if a.month and b.month and a.month != b.month:
        if a.day is None and b.day is None:
            return -2.0, "birth_different"
        if not (a.day == b.month or b.day == a.month):
            return -2.0, "birth_different"
    known_month = bool(a.month and b.month and a.month == b.month)
    return (1.0 if known_month else 0.5), "birth_partial_compatible"


def score_pair(a: MatchRecord, b: MatchRecord) -> Match:
    names = compare_names(a, b)
    reasons = list(names.reasons)
    logit = -4.5
    logit += max(-10.0, min(4.5, 25.0 * (names.similarity - 0.82)))
    if "patronymic_different" in reasons:
        logit -= 2.0

    birth_weight, birth_reason = compare_birth(a.birth, b.birth)
    logit += birth_weight
    reasons.append(birth_reason)

    same_document = bool(set(a.documents) & set(b.documents) - {""})
    if same_document:
        logit += 8.0
        reasons.append("same_document")
    elif a.documents and b.documents:
        logit -= 0.5
        reasons.append("document_different")

    if a.sex in "fm" and b.sex in "fm" and a.sex and b.sex:
        if a.sex == b.sex:
            logit += 0.5
            reasons.append("sex_same")
        else:
            logit -= 5.0
            reasons.append("sex_different")

    if a.nationalities and b.nationalities:
        if set(a.nationalities) & set(b.nationalities):
            logit += 0.5
            reasons.append("nationality_same")
        else:
            logit -= 1.5
            reasons.append("nationality_different")

    score = 1.0 / (1.0 + math.exp(-logit))
    # Same family, clearly other given names: twins, siblings, parents and children.
    if (
        not same_document
        and names.family_similarity >= 0.9
        and names.given_similarity is not None
        and names.given_similarity < 0.8
    ):
        score = min(score, HARD_NEGATIVE_CAP)
        same_birth = birth_reason == "birth_same"
        reasons.append("hard_negative_twins" if same_birth else "hard_negative_household")
    return Match(score=round(score, 4), reasons=reasons)
