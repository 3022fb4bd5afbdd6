"""Pairwise duplicate score: are two client records the same person?

Evidence is added up as log-likelihood ratios (Fellegi-Sunter style, set by hand from
what each relation means and checked on the synthetic set of `tools.synthetic.matching`),
then squashed to 0..1:

- names: order-free token matching on sound-class keys (swapped names, double names,
  patronymics present or absent, transliteration and cross-language forms, one typo).
  The first family and first given token of both records must find a partner.
- name frequency: agreeing on a name carried by a hundred records is weaker evidence than
  on a rare one (`NameFrequencies`; `find_pairs` counts them over the records it gets,
  `score_pair(a, b)` without them assumes a fairly rare name),
- birth date: same, day/month swapped, one digit off, 01.01., partial but compatible,
  different (`BIRTH_WEIGHTS`),
- same document number (strong) or different ones (moderate), postcode, sex, nationality.

Hard negatives are explicit: a pair that shares the family name but not the given names
(twins, household members, siblings, a son and his father) is capped below the threshold
unless a document number links them, because a household is the most common source of
wrong merges; brother and sister forms (Oleksandr/Oleksandra) and another sex count
strongly against.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.utils.translation import gettext_lazy as _

from core.dates import PartialDate
from core.identity.names import (
    BlockKeys,
    is_patronymic,
    name_block_keys,
    spelling_similarity,
    token_keys,
    tokens,
)
from core.sections import IDENTITY, reasons_visible

DEFAULT_THRESHOLD = 0.85
# A pair capped as a hard negative never scores above this.
HARD_NEGATIVE_CAP = 0.3
# Log-odds of a pair that agrees on a name carried by one record and nothing else is
# known: log(prior odds x P(name agrees | same person)), fitted on the synthetic set.
BASE_LOGIT = 1.0
# Without frequencies (`score_pair(a, b)` at intake), a name counts as this common.
DEFAULT_NAME_COUNT = 4
# From this many records per name key, the reasons say "common name".
COMMON_NAME_COUNT = 20
# Names between a typo and another name (similarity 0.7-0.85).
ZONE_PENALTY = 7.0

REASON_LABELS = {
    "name_same": _("same name"),
    "name_translit": _("same name after transliteration"),
    "name_equivalent": _("equivalent name form (e.g. Olena / Jelena / Helene)"),
    "name_similar": _("similar name (possible typo)"),
    "name_part": _("beginning of the name"),
    "name_different": _("different names"),
    "names_swapped": _("family and given names swapped"),
    "patronymic_dropped": _("patronymic only in one record"),
    "patronymic_different": _("different patronymics"),
    "patronymic_same": _("same patronymic"),
    "name_common": _("common name: weaker evidence"),
    "extra_name": _("additional name in one record"),
    "original_script": _("same name in original script"),
    "birth_same": _("same birth date"),
    "birth_dm_swapped": _("birth date with day and month swapped"),
    "birth_one_digit": _("birth date differs in one digit"),
    "birth_year_off": _("same day and month, year one apart"),
    "birth_jan1_convention": _("birth date 01.01. used for an unknown date"),
    "birth_partial_compatible": _("partial birth date compatible"),
    "birth_unknown": _("birth date unknown"),
    "birth_different": _("different birth dates"),
    "same_document": _("same document number"),
    "document_different": _("different document numbers"),
    "postcode_same": _("same postcode"),
    "postcode_different": _("different postcode"),
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

    @cached_property
    def roles(self) -> tuple[tuple[str, str], ...]:
        return tuple((t, "f") for t in self.family) + tuple((t, "g") for t in self.given)

    @cached_property
    def core(self) -> tuple[int, ...]:
        """Positions in `roles` of the first family and the first given token."""

        def first(tokens_: tuple[str, ...]) -> int:
            # Skip one- and two-letter fragments ("Ek-Hassan", an initial).
            return next((k for k, t in enumerate(tokens_) if len(t) >= 3), 0)

        out = []
        if self.family:
            out.append(first(self.family))
        if self.given:
            out.append(len(self.family) + first(self.given))
        return tuple(out)


@lru_cache(maxsize=200_000)
def _reading(family: str, given: str, *, original_script: bool = False) -> Reading | None:
    fam = tokens(family)
    giv = tokens(given)
    # A patronymic follows the given name; the first token of a field is never one (a
    # family name ending in -ovych, written in the given-name field when swapped).
    patronymics = tuple(t for t in giv[1:] if is_patronymic(t))
    fam_patronymics = tuple(t for t in fam[1:] if is_patronymic(t))
    fam = [t for t in fam if t not in fam_patronymics]
    giv = [t for t in giv if t not in patronymics]
    # A one-name person whose name an office repeated as the given name ("Aisha, Aisha").
    if giv and giv == fam:
        giv = []
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
    external_ref: str = ""  # the sending system's id, for reports
    # Names of records merged into this one: (family, given, family and given in the
    # original script, birth name), read as further spellings of the person.
    other_names: tuple[tuple[str, str, str, str, str], ...] = ()

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
        for family, given, family_original, given_original, birth_name in self.other_names:
            candidates.append(_reading(family, given))
            if family_original or given_original:
                candidates.append(_reading(family_original, given_original, original_script=True))
            if birth_name.strip():
                candidates.append(_reading(birth_name, given))
        return tuple(dict.fromkeys(r for r in candidates if r))

    @cached_property
    def address_key(self) -> str:
        return re.sub(r"\W+", "", (self.street + self.postcode).casefold())

    @cached_property
    def name_key(self) -> str:
        """Coarse order-free key of the first family and given name, for name frequencies."""
        if not self.readings:
            return ""
        reading = self.readings[0]
        # The sound-class key with the ambiguous ch read one way (Shevchenko and
        # Schewtschenko count together); spelling variants of one name count together.
        parts = [
            token_keys(tokens_[0]).vkeys[0].replace("H", "S") if tokens_ else ""
            for tokens_ in (reading.family, reading.given)
        ]
        return "|".join(sorted(parts))

    def blocking_keys(self) -> list[str]:
        """Short strings to index (each at most 64 characters); two records that may
        match share one, or one looks up a key the other stores (`probe_keys`). See
        `names.name_block_keys`."""
        return list(self._block_keys.stored)

    def probe_keys(self) -> list[str]:
        """The keys to look up for this record: its own and the probe-only ones."""
        return [*self._block_keys.stored, *self._block_keys.probes]

    @cached_property
    def _block_keys(self) -> BlockKeys:
        stored: list[str] = []
        probes: list[str] = []
        for reading in self.readings:
            keys = name_block_keys(
                list(reading.family),
                list(reading.given),
                self.birth,
                self.documents,
                self.postcode,
                self.sex,
            )
            stored.extend(keys.stored)
            probes.extend(keys.probes)
        stored = list(dict.fromkeys(stored))
        known = set(stored)
        return BlockKeys(tuple(stored), tuple(k for k in dict.fromkeys(probes) if k not in known))


@dataclass
class Match:
    score: float
    reasons: list[str]

    @property
    def labels(self) -> list[str]:
        return [str(REASON_LABELS[code]) for code in self.reasons]


@dataclass(frozen=True)
class NameFrequencies:
    """How many records carry each name key (`MatchRecord.name_key`) in the compared set.

    A shared "Oleksandr Shevchenko" born 1985 is weak evidence when the set holds a hundred
    of them and strong evidence for a rare name: the name's log-likelihood ratio is
    log(m / u) with u = count / N, and with a prior of about one duplicate per N pairs the
    N cancels, so only the count matters. `find_pairs` counts over the records it is
    given; `score_pair` without frequencies assumes `default`, a fairly rare name.
    """

    counts: Mapping[str, int]
    default: int = DEFAULT_NAME_COUNT

    @classmethod
    def of(cls, records: Iterable[MatchRecord]) -> NameFrequencies:
        return cls(Counter(record.name_key for record in records))

    def count(self, key: str) -> int:
        return self.counts.get(key, self.default) if key else self.default


_DEFAULT_FREQUENCIES = NameFrequencies({})


@dataclass
class _NameComparison:
    similarity: float  # mean over matched tokens, for display and tie breaking
    core: float  # worst similarity among the first family and first given tokens
    family_similarity: float
    given_similarity: float | None
    weight: float  # log-odds contribution of the names (frequency not included)
    reasons: list[str]


def _compare_readings(ra: Reading, rb: Reading) -> _NameComparison:
    """Name comparison of two readings; a fresh copy of a cached result (common names
    repeat, and the comparison is the costly part of a pair)."""
    result = _compare_readings_cached(ra, rb)
    return dataclasses.replace(result, reasons=list(result.reasons))


@lru_cache(maxsize=300_000)
def _compare_readings_cached(ra: Reading, rb: Reading) -> _NameComparison:
    a = ra.roles
    b = rb.roles
    # Best pairs first; on ties the earlier tokens ("Mohammed Mohammed": the person's own
    # name before the father's).
    sims = [
        (-negative, i, j)
        for negative, i, j in sorted(
            (-spelling_similarity(ta, tb), i, j)
            for i, (ta, _x) in enumerate(a)
            for j, (tb, _y) in enumerate(b)
        )
    ]
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched: list[tuple[float, int, int]] = []
    for sim, i, j in sims:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        matched.append((sim, i, j))
    if not matched:
        return _NameComparison(0.0, 0.0, 0.0, None, -9.0, ["name_different"])
    n = min(len(a), len(b))
    similarity = sum(s for s, _i, _j in matched) / n
    best_of_a = {i: s for s, i, _j in matched}
    best_of_b = {j: s for s, _i, j in matched}
    # The first family and first given token of both records must find a partner: an
    # Arabic middle name (the father's) may be dropped, the person's own name may not
    # ("Habib Mohammed Al-Ahmad" is Habib, son of Mohammed, not Mohammed Al-Ahmad).
    core = min([best_of_a.get(i, 0.0) for i in ra.core] + [best_of_b.get(j, 0.0) for j in rb.core])
    reasons: list[str] = []
    weight = 0.0
    if core >= 0.999:
        pass
    elif core >= 0.92:
        weight -= 1.5  # a typo or an unlisted variant in one name
    elif core >= 0.85:
        weight -= 3.0
    elif core >= 0.7:
        weight -= ZONE_PENALTY
    else:
        # Another family or given name: outweighs even a full birth-date agreement.
        weight -= 13.0
    extra = max(len(a), len(b)) - n
    unmatched_core = any(i not in best_of_a for i in ra.core) or any(
        j not in best_of_b for j in rb.core
    )
    if extra:
        weight -= 0.3 * min(extra, 2)
        reasons.append("extra_name")
    # Further agreeing tokens (double names, a middle name in both) make a name rarer.
    agreeing = sum(1 for s, _i, _j in matched if s >= 0.999)
    if agreeing > 2:
        weight += 1.0 * min(agreeing - 2, 2)
    if n < 2:
        weight -= 2.0  # one token alone says little ("Kovalenko")
    family = [s for s, i, j in matched if a[i][1] == "f" or b[j][1] == "f"]
    family_similarity = max(family) if family else 0.0
    given_only = [s for s, i, j in matched if a[i][1] == "g" or b[j][1] == "g"]
    strong = [(i, j) for s, i, j in matched if s >= 0.85]
    swapped = bool(strong) and all(a[i][1] != b[j][1] for i, j in strong)
    if swapped:
        reasons.append("names_swapped")
        given_similarity = min(s for s, _i, _j in matched) if len(matched) > 1 else None
    else:
        given_similarity = min(given_only) if given_only and ra.given and rb.given else None
    if unmatched_core and ra.given and rb.given:
        given_similarity = 0.0
    if all(a[i][0] == b[j][0] for _s, i, j in matched) and not extra:
        reasons.insert(0, "name_same")
    elif core >= 0.999 and all(s >= 0.999 for s, _i, _j in matched):
        # An equivalent form when at least one side was mapped by NAME_EQUIVALENTS.
        canon = any(
            ka.canonical == kb.canonical and (ka.canonical != ka.raw or kb.canonical != kb.raw)
            for ka, kb in (
                (token_keys(a[i][0]), token_keys(b[j][0]))
                for _s, i, j in matched
                if a[i][0] != b[j][0]
            )
        )
        reasons.insert(0, "name_equivalent" if canon else "name_translit")
    elif core >= 0.85:
        reasons.insert(0, "name_similar")
    else:
        reasons.insert(0, "name_different")
    if bool(ra.patronymics) != bool(rb.patronymics):
        reasons.append("patronymic_dropped")
    elif ra.patronymics and rb.patronymics:
        if spelling_similarity(ra.patronymics[0], rb.patronymics[0]) < 0.85:
            reasons.append("patronymic_different")
            weight -= 3.0
        else:
            reasons.append("patronymic_same")
            weight += 1.5  # the father's name agrees: a second, independent name
    return _NameComparison(similarity, core, family_similarity, given_similarity, weight, reasons)


def compare_names(a: MatchRecord, b: MatchRecord) -> _NameComparison:
    best: _NameComparison | None = None
    for ra in a.readings:
        for rb in b.readings:
            result = _compare_readings(ra, rb)
            if ra.original_script and rb.original_script and result.core >= 0.999:
                result.reasons.append("original_script")
                result.weight += 0.5
            if best is None or (result.weight, result.similarity) > (
                best.weight,
                best.similarity,
            ):
                best = result
    return best or _NameComparison(0.0, 0.0, 0.0, None, -9.0, ["name_different"])


def _one_digit_apart(a: PartialDate, b: PartialDate) -> bool:
    sa, sb = str(a), str(b)
    return sum(x != y for x, y in zip(sa, sb, strict=True)) == 1


# Log-likelihood ratios of the birth-date relations: log(P(relation | same person) /
# P(relation | two people with the same name)). Birth years of namesakes spread over
# about 70 years, so a full-date agreement is ~25,000 times likelier for one person
# (log 10), an agreeing year alone about 70 times (log 4.2).
BIRTH_WEIGHTS = {
    "birth_same": 9.5,
    "birth_dm_swapped": 6.5,
    # ~25 valid dates are one digit away from a date: LR ~ 0.04 / (25 / 25,000).
    "birth_one_digit": 3.5,
    # Same day and month, the year one off (another document, an age miscounted): two
    # of ~25,000 dates, seen in ~3% of duplicates: LR ~ 0.03 / (2 / 25,000).
    "birth_year_off": 5.5,
    # 01.01. is the German registry's placeholder for an unknown date: as good as a year.
    "birth_jan1_convention": 4.2,
    "birth_partial_compatible": 4.2,
    "birth_unknown": 0.0,
}


def compare_birth(a: PartialDate, b: PartialDate) -> tuple[float, str]:
    """Log-odds weight and reason code for two birth dates of any precision."""
    if not a or not b:
        return 0.0, "birth_unknown"
    if a.precision == "day" and b.precision == "day":
        if a == b:
            return BIRTH_WEIGHTS["birth_same"], "birth_same"
        if a.year == b.year and a.day == b.month and a.month == b.day:
            return BIRTH_WEIGHTS["birth_dm_swapped"], "birth_dm_swapped"
        if a.year == b.year and (1, 1) in ((a.day, a.month), (b.day, b.month)):
            return BIRTH_WEIGHTS["birth_jan1_convention"], "birth_jan1_convention"
        if abs(a.year - b.year) == 1 and (a.month, a.day) == (b.month, b.day):
            return BIRTH_WEIGHTS["birth_year_off"], "birth_year_off"
        if _one_digit_apart(a, b):
            return BIRTH_WEIGHTS["birth_one_digit"], "birth_one_digit"
        return (-4.0 if a.year == b.year else -6.0), "birth_different"
    # At least one is partial: compatible when every part both know agrees.
    if a.year != b.year:
        if a.precision == b.precision and _one_digit_apart(a, b):
            return 0.5, "birth_one_digit"
        if abs(a.year - b.year) == 1:
            return -1.0, "birth_year_off"  # only a year known on one side: weak either way
        return -6.0, "birth_different"
    if a.month and b.month and a.month != b.month:
        if a.day is None and b.day is None:
            return -3.0, "birth_different"
        if not (a.day == b.month or b.day == a.month):
            return -3.0, "birth_different"
    known_month = bool(a.month and b.month and a.month == b.month)
    weight = BIRTH_WEIGHTS["birth_partial_compatible"] + (1.5 if known_month else 0.0)
    return weight, "birth_partial_compatible"


def _same_document(a: MatchRecord, b: MatchRecord) -> bool:
    return bool(a.documents and b.documents and set(a.documents) & set(b.documents) - {""})


# The most the names can add beyond the frequency term: further agreeing tokens (+2),
# same patronymic (+1.5), same original script (+0.5).
MAX_NAME_WEIGHT = 4.0


def _other_evidence(
    a: MatchRecord, b: MatchRecord, frequencies: NameFrequencies | None
) -> tuple[float, list[str], str, bool]:
    """Log-odds of everything but the name comparison (which is the costly part)."""
    reasons: list[str] = []
    frequencies = frequencies or _DEFAULT_FREQUENCIES
    count = max(frequencies.count(a.name_key), frequencies.count(b.name_key), 2)
    logit = BASE_LOGIT - math.log(count)
    if count >= COMMON_NAME_COUNT:
        reasons.append("name_common")

    birth_weight, birth_reason = compare_birth(a.birth, b.birth)
    logit += birth_weight
    reasons.append(birth_reason)

    same_document = _same_document(a, b)
    if same_document:
        logit += 9.0
        reasons.append("same_document")
    elif a.documents and b.documents:
        # Two records of one person usually cite the same passport, but people hold
        # several documents (passport, ID card, residence permit): moderate evidence.
        logit -= 2.0
        reasons.append("document_different")

    postcode_a, postcode_b = a.postcode.strip(), b.postcode.strip()
    if postcode_a and postcode_b:
        # ~190 Berlin postcodes, shared by whole shelters; people move between offices.
        if postcode_a == postcode_b:
            logit += 2.0
            reasons.append("postcode_same")
        else:
            logit -= 1.0
            reasons.append("postcode_different")

    if a.sex in ("f", "m") and b.sex in ("f", "m"):
        if a.sex == b.sex:
            logit += 0.5
            reasons.append("sex_same")
        else:
            # Rarely a typing error, often a brother and sister (Oleksandr/Oleksandra).
            logit -= 7.0
            reasons.append("sex_different")

    if a.nationalities and b.nationalities:
        if set(a.nationalities) & set(b.nationalities):
            logit += 0.3
            reasons.append("nationality_same")
        else:
            logit -= 1.5
            reasons.append("nationality_different")
    return logit, reasons, birth_reason, same_document


def upper_bound_logit(
    a: MatchRecord, b: MatchRecord, frequencies: NameFrequencies | None = None
) -> float:
    """A bound on `score_pair`'s log-odds without comparing the names.

    Lets the batch skip the name comparison for candidates that cannot reach a threshold
    (a common name with only the birth year in common, another sex, ...)."""
    logit, _reasons, _birth, _document = _other_evidence(a, b, frequencies)
    return logit + MAX_NAME_WEIGHT


def score_pair(a: MatchRecord, b: MatchRecord, frequencies: NameFrequencies | None = None) -> Match:
    """Probability-like score that `a` and `b` are the same person, with reason codes.

    `frequencies` (optional) makes common names weaker evidence (see `NameFrequencies`).
    """
    names = compare_names(a, b)
    other, other_reasons, birth_reason, same_document = _other_evidence(a, b, frequencies)
    logit = other + names.weight
    reasons = list(names.reasons)
    reasons.extend(r for r in other_reasons if r != "name_common" or names.core >= 0.85)

    score = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))
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


def reason_labels(codes: list[str], *, sections: frozenset[str] = frozenset({IDENTITY})) -> list:
    """Translated labels of the match reasons a reader who sees `sections` of both
    records may read (identity only, unless told more)."""
    return [REASON_LABELS.get(code, code) for code in reasons_visible(codes, sections)]
