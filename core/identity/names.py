"""Name normalisation across scripts and transliteration systems.

A name arrives as Олександра Шевченко, Oleksandra Shevchenko (KMU 2010), Aleksandra
Schewtschenko (German), Ševčenko (ISO 9), Chevtchenko (French) or Sevcenko (old passport).
No transliteration *into* one system makes these equal, so we go the other way: every
spelling is reduced to a coarse **sound-class key** on which the systems agree.

Per token we compute (see `TokenKeys`):
- `vkey`: consonant classes with three vowel classes (A = a, O = o/u, I = e/i/y/j), doubles
  collapsed. Shevchenko, Schewtschenko, Ševčenko, Chevtchenko, Sevcenko -> SIVSINKO.
- `skeleton`: `vkey` without vowels (SVSNK). Oleksandr/Alexander/Olexandr -> LKSNDR.
A token may have several keys when a letter group is ambiguous ("ch" is kh in German
Michail but tsh in English Kovalchuk), or when a glued Arabic article may be present
(Alahmad -> alahmad, ahmad). Comparisons take the best pair.

Why not Soundex/Metaphone/NYSIIS (jellyfish)? They are tuned to English spelling: they
keep w/v, j/y and sch/sh/ch apart, which is exactly what German and French renderings
of Slavic names change. The classes below are the union of the transliteration tables.

`NAME_EQUIVALENTS` lists cross-language forms that no letter rule produces
(Olena/Jelena/Helene, Mykola/Nikolai/Nikolaus, Fedir/Fjodor, Nadiia/Nadezhda,
Tetiana/Tatjana, Jamal/Gamal/Djamal, Hussein/Husain, Layla/Leila).

Further rules, each with its reason next to it: ISO 9 accented glides (â = ja, û = ju,
ê = je, ë = jo), "dj" read both as glide (Djamal) and as d + glide (Djacenko), the ё glide
dropped before o (Kovalyov = Kovalov), Russian feminine -skaya = Ukrainian -ska, Arabic
final -ah = -a, French/German mute final e (Volochine, Sophie). `token_similarity` knows
one typing error, male/female forms of one name (Oleksandr/Oleksandra: siblings) and that
the same consonants with another first vowel are other names (Savchenko/Shevchenko).

`blocking_keys` gives short strings for an index (one row per key in a side table or a
GIN-indexed array), so candidate generation is an index lookup, not a scan.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from anyascii import anyascii
from rapidfuzz.distance import OSA, Indel, JaroWinkler

if TYPE_CHECKING:
    from core.dates import PartialDate

# Matcher-side reading of Cyrillic (Ukrainian and Russian letters): only needs to land in
# the same sound classes as the Latin systems, not to be a published standard.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ё": "io", "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "tsh", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip
# Latin letters with diacritics that carry a sound (ISO 9, Polish, Czech, Turkish, German).
_SPECIAL = {
    "š": "sh", "č": "tsh", "ž": "zh", "ŝ": "shch", "ć": "tsh", "ś": "sh", "ź": "zh",
    "ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "đ": "d", "ğ": "g", "ı": "i", "ç": "s",
    # ISO 9 writes the iotated Cyrillic vowels as one accented letter: я â, ю û, є ê,
    # ї ï, ё ë. Stripping the accent would lose the glide (Âna vs Yana), so spell it out.
    "â": "ia", "û": "iu", "ê": "ie", "ï": "i", "ë": "io", "ì": "i", "ǎ": "a",
}  # fmt: skip
_APOSTROPHES = "'’ʼʹ′″`´"

# Matcher-side reading of Arabic script (Arabic, Persian, Dari, Pashto, Kurdish letters).
# Short vowels are not written, so what counts is the consonant skeleton, which is what
# the Latin forms agree on too (Mohammed/Muhammad, Qasim/Kassem: M-H-M-D, K-S-M). Waw and
# ya are read as consonants at the start of a word or before a vowel letter (Walid,
# Marwan), as the long vowels u and i otherwise (Yusuf, Hussein); ta marbuta is -a
# (Fatima); ain and hamza are not written in Latin forms.
_ARABIC = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ء": "", "ؤ": "u", "ئ": "i",
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ة": "a", "ى": "a", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ک": "k",
    "ڤ": "v", "ۆ": "o", "ێ": "e", "ە": "a", "ھ": "h", "ڕ": "r", "ڵ": "l",
    "\u064e": "a", "\u0650": "i", "\u064f": "u",  # fatha, kasra, damma where written
}  # fmt: skip
_ARABIC_GLIDES = {"و": ("w", "u"), "ي": ("y", "i"), "ی": ("y", "i")}
_ARABIC_VOWEL_LETTERS = {"ا", "أ", "إ", "آ", "و", "ي", "ی", "ى", "ة", "ە"}

# Letter groups to sound classes, longest first. Classes: S sibilants and affricates
# (s z sh zh ch tsch ts c), H (h kh g gh: Ukrainian г = h, Russian г = g), V (v w),
# I (j y, dj/dsch as glide), K (k q ck), T (t th), F (f ph).
_GROUPS = [
    ("schtsch", "S"), ("shtsch", "S"), ("chtch", "S"), ("shch", "S"), ("tsch", "S"),
    ("dsch", "I"), ("sch", "S"), ("tch", "S"), ("tsh", "S"), ("dzh", "I"), ("sh", "S"),
    ("zh", "S"), ("ts", "S"), ("tz", "S"), ("cz", "S"), ("sz", "S"), ("kh", "H"),
    ("gh", "H"), ("ph", "F"), ("th", "T"), ("ck", "K"), ("dj", "¤"), ("ch", "§"),
    ("x", "KS"), ("q", "K"), ("w", "V"), ("v", "V"), ("g", "H"), ("h", "H"), ("z", "S"),
    ("s", "S"), ("j", "I"), ("y", "I"), ("e", "I"), ("i", "I"), ("o", "O"), ("u", "O"),
    ("a", "A"),
]  # fmt: skip
_GROUP_RE = re.compile("|".join(re.escape(g) for g, _ in _GROUPS))
_GROUP_MAP = dict(_GROUPS)
# Applied before the groups: French ou = u (Iouri), French gu before e/i = g (Evguenii),
# German -off = -ov (Iwanoff), c before a/o/u/l/r at the start = k (Carl, Claude),
# otherwise Slavic c = ts or č (Cybulko, Sevcenko), French/German mute final e after a
# consonant after n or i (Volochine/Voloshyn, Konstantine, Yasmine, Sophie -> sophi).
# A final h after a is read both ways (`_classes`): mute in a ta marbuta (Fatimah/Fatima,
# Abdullah/Abdulla), a real consonant in Salah/Salih (صالح).
_FINAL_AH = re.compile(r"(?<=a)h$")
_PRE = [
    (re.compile(r"(?<=..[ni])e$"), ""),
    (re.compile(r"ou"), "u"),
    (re.compile(r"gu(?=[eiy])"), "g"),
    (re.compile(r"ff$"), "v"),
    (re.compile(r"^c(?=[aoulr])"), "k"),
    (re.compile(r"c(?!h)"), "ts"),
]
_DOUBLES = re.compile(r"(.)\1+")
_GLIDE_O = re.compile(r"(?<=[^AIO])I(?=O)")
_SKAIA = re.compile(r"(?<=SK)AIA$")

# Particles that are not part of the name's identity: Arabic article forms (with sun-letter
# assimilation), and "ibn/bin/bint" kept out because documents drop them inconsistently.
ARTICLES = frozenset(
    {"al", "el", "ul", "ad", "ar", "as", "ash", "at", "az", "an", "ed", "es", "er"}
)
_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ul|a[dnrstz]|ash)-(.+)$")
_GLUED_ARTICLE = re.compile(r"^(?:al|el)(.{4,})$")  # Alahmad, not Alina/Elena
_ABD = re.compile(r"^abd(?:oul|ul|el|al|ol|ur|ar|u)?-?(.{3,})$")
_ABD_ALONE = frozenset({"abd", "abdul", "abdel", "abdal", "abdol", "abdoul", "abdu"})
# What offices write for a name that does not exist (one-name people, foundlings): not a
# name (FNU/LNU: first/last name unknown).
PLACEHOLDERS = frozenset(
    {"fnu", "lnu", "nn", "xxx", "xx", "x", "unbekannt", "unknown", "keine", "none", "ohne"}
)

# Patronymics: Ukrainian/Russian male -ovych/-ovich/-owitsch, female -ivna/-ovna/-owna.
_PATRONYMIC = re.compile(
    r"(?:[oe]v|[oe]w|iv|iw)(?:[iy]tsh|[iy]ch|[iy]tch|[iy]tsch|[iy]c)$|(?:[oeiy]v|[oeiy]w)n[ai]$"
)

# Cross-language equivalents no letter rule produces. First entry is the canonical form.
NAME_EQUIVALENTS = [
    # Ukrainian (KMU 2010) form first, then the Russian form in the usual romanisations,
    # then German/French/English renderings seen on older documents and at German offices.
    # Only forms whose sound-class keys differ need to be listed (e.g. Serhii/Sergei or
    # Ihor/Igor already agree because h and g share a class).
    # Not Alena/Aljona (Алёна, a name of its own) and not Alina.
    ("olena", "elena", "jelena", "yelena", "helene", "helena", "ielena"),
    ("mykola", "nikolai", "nikolaj", "nikolay", "nikolaus", "nicolas", "mikola", "nicolai"),
    ("oleksandr", "aleksandr", "alexander", "alexandr", "olexandr", "oleksander"),
    ("oleksandra", "aleksandra", "alexandra", "olexandra"),
    ("oleksii", "aleksei", "alexei", "alexej", "aleksey", "alexey", "oleksiy", "aleksej"),
    ("hanna", "anna", "ganna", "ana"),
    ("yevhen", "evgenii", "evgeniy", "evgeny", "jewgeni", "jewgenij", "ievgen", "eugen"),
    ("yevheniia", "evgeniia", "evgenia", "jewgenija", "eugenia", "ievgeniia"),
    ("pavlo", "pavel", "pawel", "paul", "pawlo"),
    ("petro", "petr", "pyotr", "pjotr", "peter", "piotr"),
    ("volodymyr", "vladimir", "wladimir", "woldemar", "wolodymyr"),
    ("mykhailo", "mikhail", "michail", "michael", "mychajlo", "mikhael"),
    ("vasyl", "vasilii", "vasily", "wassili", "wassilij", "vasiliy", "vasilij", "wasyl"),
    ("kateryna", "ekaterina", "jekaterina", "yekaterina", "katharina", "katerina"),
    ("hryhorii", "grigorii", "grigori", "grigorij", "gregor", "grigory"),
    # Федір (Ukrainian) / Фёдор (Russian: Fedor, Fyodor, Fjodor, Fëdor) / Theodor.
    ("fedir", "fedor", "fjodor", "fyodor", "fiodor", "theodor", "fedor"),
    ("andrii", "andrei", "andrej", "andreas", "andrey", "andriy"),
    ("iryna", "irina", "irene"),
    ("khrystyna", "kristina", "christina", "krystyna", "christine"),
    ("yurii", "iurii", "jurij", "yuri", "yury", "iouri", "georg", "juri"),
    # Family names whose Russian form has another first vowel (Чорновол / Черновол).
    ("chornovol", "chernovol", "tschernowol", "tchernovol"),
    # Дмитро / Дмитрий.
    ("dmytro", "dmitrii", "dmitriy", "dmitry", "dmitrij", "dmitri"),
    # Артем (Ukrainian, no ё) / Артём (Russian: Artyom, Artjom, Artiom).
    ("artem", "artyom", "artjom", "artiom"),
    # Кирило / Кирилл.
    ("kyrylo", "kirill", "kiril", "kyrill"),
    # Костянтин / Константин: the Ukrainian form has no n before s.
    ("kostiantyn", "konstantin", "kostyantyn", "kostjantyn", "constantin"),
    # Тетяна / Татьяна.
    ("tetiana", "tatiana", "tatyana", "tatjana", "tetyana", "tetjana", "tanja"),
    # Наталія / Наталья / German Natalie.
    ("nataliia", "natalia", "natalya", "natalja", "natalie", "nathalie", "natalija"),
    # Надія / Надежда (Nadezhda, Nadeschda, French Nadejda).
    ("nadiia", "nadezhda", "nadezda", "nadeschda", "nadejda", "nadija", "nadiya"),
    # Софія / София / German Sophie.
    ("sofiia", "sofia", "sofiya", "sophia", "sophie", "sofija"),
    ("liudmyla", "lyudmila", "ludmila", "ljudmila", "liudmila"),
    ("iuliia", "yuliia", "yulia", "julia", "julija", "ioulia"),
    # Arabic names: vowel quality and diphthongs (ai/ei/ay) are not written in Arabic
    # script, so each romanisation picks its own; these are common name forms.
    ("mohammed", "muhammad", "mohamad", "mohamed", "muhammed", "mohammad", "mhd", "mohd"),
    ("ahmad", "ahmed", "achmed", "achmad"),
    ("hussein", "husain", "hussain", "hossein", "husein", "houssein"),
    ("husseini", "hussaini", "husaini", "hosseini"),
    ("zainab", "zeinab", "zaynab", "seinab"),
    ("layla", "leila", "laila", "leyla"),
    ("maryam", "mariam", "meryem", "miriam", "maryem"),
    ("darwish", "derwisch", "darwisch", "derwish"),
    ("sharif", "cherif", "scharif", "sherif", "chérif"),
    ("uthman", "osman", "othman", "usman", "outhman"),
    ("jamal", "gamal", "djamal", "dschamal"),
    ("jamil", "gamil", "djamil", "dschamil"),
    ("jamila", "gamila", "djamila", "dschamila"),
    ("rajab", "ragab", "radschab"),
    ("yusuf", "yousef", "youssef", "jussuf", "yousif", "yusef", "joseph", "josef"),
    ("khaled", "khalid", "chaled", "chalid"),
    ("mahmoud", "mahmud", "machmud", "mahmood", "mahmut"),
    ("said", "saeed", "sayed", "sayyid", "saied"),
]


def fold_accents(text: str) -> str:
    """Case- and accent-insensitive form of a name in its own script, spaces collapsed
    (Ševčenko -> sevcenko, Müller -> muller, Шевченко -> шевченко): what search matches."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def romanize(text: str) -> str:
    """Lower-case Latin letters, spaces and hyphens: the matcher's input, before the sound
    classes (not a published transliteration). Cyrillic and Arabic script are read letter
    by letter (tables above); any other script through anyascii, so that no name is empty.
    """
    text = unicodedata.normalize("NFC", text or "").casefold()
    out = []
    for word in text.split():
        if _ARABIC_LETTER.search(word):
            word = _arabic_word(word)
        for char in word:
            if char in _CYRILLIC:
                out.append(_CYRILLIC[char])
            elif char in _SPECIAL:
                out.append(_SPECIAL[char])
            elif char in _APOSTROPHES:
                continue
            elif char.isascii() or unicodedata.combining(char) or char in _LATIN_WITH_ACCENT:
                out.append(char)
            else:
                out.append(anyascii(char).lower())
        out.append(" ")
    decomposed = unicodedata.normalize("NFKD", "".join(out))
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z\- ]+", " ", letters).split())


_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f]")
# Latin letters whose accent only marks stress or length (é, ü, ó ...): stripped below.
_LATIN_WITH_ACCENT = frozenset(
    chr(code)
    for code in range(0xC0, 0x250)
    if unicodedata.decomposition(chr(code)).split()[:1]
    and unicodedata.decomposition(chr(code)).split()[0] < "0080"
)


def _arabic_word(word: str) -> str:
    """One word in Arabic script, read as Latin letters (see `_ARABIC`)."""
    if word.startswith("ع"):
        word = "ا" + word[1:]  # an initial ain is written as a vowel (Abd, Ali, Omar, Uthman)
    if word.startswith("ال") and len(word) > 3:
        word = "\u200d" + word[2:]  # the article: dropped like Al-/El- in Latin forms
        prefix = "al-"
    else:
        prefix = ""
    letters = [c for c in word if c != "\u200d" and c not in "\u0651\u0652\u064b\u064c\u064d"]
    out = []
    for index, char in enumerate(letters):
        if char in _ARABIC_GLIDES:
            consonant, vowel = _ARABIC_GLIDES[char]
            following = letters[index + 1] if index + 1 < len(letters) else ""
            initial = index == 0
            out.append(consonant if initial or following in _ARABIC_VOWEL_LETTERS else vowel)
        else:
            out.append(_ARABIC.get(char, char))
    return prefix + "".join(out)


def _classes(token: str) -> tuple[str, ...]:
    """Sound-class keys of one folded token; several when a letter group is ambiguous."""
    if _FINAL_AH.search(token):
        return tuple(sorted({*_classes_of(token), *_classes_of(_FINAL_AH.sub("", token))}))
    return _classes_of(token)


def _classes_of(token: str) -> tuple[str, ...]:
    for pattern, replacement in _PRE:
        token = pattern.sub(replacement, token)
    coded = _GROUP_RE.sub(lambda m: _GROUP_MAP[m.group(0)], token)
    coded = re.sub(r"[^A-Z§¤]", "", coded.upper())
    readings = {coded.replace("§", "S"), coded.replace("§", "H")} if "§" in coded else {coded}
    # "dj" is a glide in French/German renderings of Arabic (Djamal = Jamal) but d + glide
    # in Slavic ones (Djacenko = Diachenko = Дяченко): keep both readings.
    if "¤" in coded:
        readings = {r.replace("¤", v) for r in readings for v in ("I", "DI")}
    # ё/ьо after a consonant: Russian Kovalëv/Kovalyov/Kowaljow vs Ukrainian Kovalov
    # (Ковальов): the glide is written or not, so it is dropped before O.
    # Russian feminine -skaya/-ckaja vs Ukrainian -ska (Вишневська / Вишневская).
    readings = {_DOUBLES.sub(r"\1", _GLIDE_O.sub("O", _DOUBLES.sub(r"\1", r))) for r in readings}
    readings = {_SKAIA.sub("A", r) for r in readings}
    return tuple(sorted(readings))


_GROUP_FORMS = {group[0]: group for group in NAME_EQUIVALENTS}
# Every reading of every listed form (an ambiguous "ch" gives two) points to the group.
_ALIASES = {
    key: group[0] for group in NAME_EQUIVALENTS for variant in group for key in _classes(variant)
}  # fmt: skip


# Marks a token read from Arabic script (see `_tokens`); never part of a Latin spelling.
ABJAD_MARK = "_"

# Common names in Arabic script and the listed form they are (NAME_EQUIVALENTS): without
# short vowels محمد and محمود (Mohammed, Mahmoud) share their consonants, and only the
# script form itself tells them apart from a Latin spelling.
ARABIC_SCRIPT_NAMES = {
    "محمد": "mohammed", "محمود": "mahmoud", "أحمد": "ahmad", "احمد": "ahmad",
    "حسين": "hussein", "حسن": "hassan", "يوسف": "yusuf", "عثمان": "uthman",
    "جمال": "jamal", "جميل": "jamil", "خالد": "khaled", "سعيد": "said", "زينب": "zainab",
    "ليلى": "layla", "مريم": "maryam", "درويش": "darwish", "شريف": "sharif",
}  # fmt: skip
_ABJAD_CANONICAL = {romanize(arabic): latin for arabic, latin in ARABIC_SCRIPT_NAMES.items()}


@dataclass(frozen=True)
class TokenKeys:
    """Comparable forms of one name token."""

    raw: str  # folded spelling, for display-free tie breaking (Jaro-Winkler)
    vkeys: tuple[str, ...]
    skeletons: tuple[str, ...]
    canonical: str  # the NAME_EQUIVALENTS head when the token is a known variant
    abjad: bool = False  # read from Arabic script: only the consonants compare


@lru_cache(maxsize=200_000)
def token_keys(token: str) -> TokenKeys:
    """Keys of one folded token (see module docstring)."""
    abjad = token.startswith(ABJAD_MARK)
    token = token.removeprefix(ABJAD_MARK)
    if abjad and token in _ABJAD_CANONICAL:
        # A known name in Arabic script compares as its listed Latin form.
        known = token_keys(_ABJAD_CANONICAL[token])
        return TokenKeys(
            raw=token, vkeys=known.vkeys, skeletons=known.skeletons, canonical=known.canonical
        )
    readings = [token]
    if glued := _GLUED_ARTICLE.match(token):
        readings.append(glued.group(1))
    canonical = token
    vkeys: list[str] = []
    for reading in readings:
        for key in _classes(reading):
            if key in _ALIASES:
                canonical = _ALIASES[key]
                vkeys.extend(_classes(canonical))
            else:
                vkeys.append(key)
    vkeys = list(dict.fromkeys(vkeys))
    skeletons = tuple(dict.fromkeys(re.sub("[AIO]", "", k) or k for k in vkeys))
    return TokenKeys(
        raw=token, vkeys=tuple(vkeys), skeletons=skeletons, canonical=canonical, abjad=abjad
    )


def is_patronymic(token: str) -> bool:
    return len(token) >= 6 and bool(_PATRONYMIC.search(token))


def tokens(text: str) -> list[str]:
    return list(_tokens(text))


@lru_cache(maxsize=200_000)
def _tokens(text: str) -> tuple[str, ...]:
    """Folded name tokens with Arabic articles dropped and Abd compounds joined.

    Abdul Rahman, Abdulrahman, Abd al-Rahman and Abdel-Rahman all become "abdrahman":
    the name is one unit ("servant of the Merciful") however it is split.
    """
    raw = []
    for word in (text or "").split():
        # Arabic script writes no short vowels: its tokens are compared by consonants.
        mark = ABJAD_MARK if _ARABIC_LETTER.search(word) else ""
        for part in romanize(word).split():
            if match := _ARTICLE_PREFIX.match(part):
                part = match.group(1)
            raw.extend(mark + p for p in part.split("-") if p)
    out: list[str] = []
    pending_abd: str | None = None  # the mark of an "Abd" waiting for its second part
    for marked in raw:
        mark, token = (ABJAD_MARK, marked[1:]) if marked.startswith(ABJAD_MARK) else ("", marked)
        if token in ARTICLES or token in PLACEHOLDERS:
            continue
        if token in _ABD_ALONE:
            pending_abd = mark
            continue
        if pending_abd is not None:
            mark, token, pending_abd = mark or pending_abd, "abd" + token, None
        elif match := _ABD.match(token):
            token = "abd" + match.group(1)
        out.append(mark + token)
    if pending_abd is not None:
        out.append(pending_abd + "abd")
    return tuple(out)


_FEMININE_ENDINGS = frozenset({"A", "IA"})
GENDER_PAIR_SIMILARITY = 0.6
# Same consonants, other long vowels in Arabic script (حسن Hassan / حسين Hussein).
ZONE_SIMILARITY = 0.75
TYPO_SIMILARITY = 0.9
FIRST_VOWEL_SIMILARITY = 0.65


def token_similarity(a: TokenKeys, b: TokenKeys) -> float:
    """0..1; 1.0 when the sound-class keys agree (the spellings may still differ)."""
    if a.raw == b.raw:
        return 1.0
    if set(a.vkeys) & set(b.vkeys):
        return 1.0
    if a.abjad or b.abjad:
        return _consonant_similarity(a, b)
    if any(_one_typo(x, y) for x in _spellings(a) for y in _spellings(b)) or any(
        _sound_typo(x, y) for x in a.vkeys for y in b.vkeys
    ):
        return TYPO_SIMILARITY  # before the next rule: Mustafa/Mustaaf is a typo
    # Male and female form of one name (Oleksandr/Oleksandra, Yevhen/Yevheniia, Samir/
    # Samira): siblings and twins, not a typo.
    for x in a.vkeys:
        for y in b.vkeys:
            longer, shorter = (x, y) if len(x) > len(y) else (y, x)
            if longer.startswith(shorter) and longer[len(shorter) :] in _FEMININE_ENDINGS:
                return GENDER_PAIR_SIMILARITY
    best_v = max(Indel.normalized_similarity(x, y) for x in a.vkeys for y in b.vkeys)
    best_s = max(Indel.normalized_similarity(x, y) for x in a.skeletons for y in b.skeletons)
    if set(a.skeletons) & set(b.skeletons) and min(len(s) for s in a.skeletons) >= 3:
        best_s = 1.0
    jaro = JaroWinkler.normalized_similarity(a.raw, b.raw)
    similarity = 0.45 * best_v + 0.35 * best_s + 0.2 * jaro
    # Same consonants, other vowel at the start: Savchenko/Shevchenko, Hassan/Hussein are
    # different names; the systems disagree on later vowels only (Kovalov/Kovalev).
    if best_s == 1.0 and not any(x[:3] == y[:3] for x in a.vkeys for y in b.vkeys):
        similarity = min(similarity, FIRST_VOWEL_SIMILARITY)
    # One typing error inside a spelling (Shevchuk/Sheuchuk, Olga/Ogla). Only on the
    # spelling as typed: on the sound classes, one edit separates real names
    # (Savchenko/Shevchenko, Dariia/Mariia).
    # A typo in a listed form is compared with every form of its group (Aleaxndr/Alexandr
    # for Oleksandr, Pteer/Peter for Petro).
    if similarity < TYPO_SIMILARITY and any(
        _one_typo(x, y) for x in _spellings(a) for y in _spellings(b)
    ):
        return TYPO_SIMILARITY
    return similarity


@lru_cache(maxsize=1_000_000)
def spelling_similarity(a: str, b: str) -> float:
    """`token_similarity` of two folded tokens, cached: common names meet again and again
    in one search, one report."""
    if a == b:
        return 1.0
    return token_similarity(token_keys(a), token_keys(b))


def _consonant_similarity(a: TokenKeys, b: TokenKeys) -> float:
    """A token read from Arabic script has no short vowels (محمد = mhmd): the consonant
    skeletons compare, and the long vowels it does write must be in the other spelling
    too (حسين hsin is Hussein, not Hassan). One consonant typed wrong or left out is a typo.
    """
    if set(a.skeletons) & set(b.skeletons):
        # Both in Arabic script: the long vowels are written on both sides and must agree
        # (then the keys were equal, above); else one side is spelled out in full.
        if not (a.abjad and b.abjad) and any(
            _written_in(x, y) if a.abjad else _written_in(y, x)
            for x in a.vkeys
            for y in b.vkeys
            if re.sub("[AIO]", "", x) == re.sub("[AIO]", "", y)
        ):
            return 1.0
        return ZONE_SIMILARITY
    if any(
        OSA.distance(x, y, score_cutoff=1) <= 1 and min(len(x), len(y)) >= 3 and x[0] == y[0]
        for x in a.skeletons
        for y in b.skeletons
    ):
        return TYPO_SIMILARITY
    return max(Indel.normalized_similarity(x, y) for x in a.skeletons for y in b.skeletons) * 0.8


def _written_in(abjad: str, spelled: str) -> bool:
    """Whether the letters of a consonant-and-long-vowel key occur, in order, in a fully
    spelled key (HSIN in HOSIN: yes; in HASAN: no)."""
    # The initial vowel stands for an alif or ain, whose vowel the script leaves open
    # (عثمان athman = Uthman/Osman, عمر amr = Omar).
    letters = iter(spelled.lstrip("AIO"))
    return all(letter in letters for letter in abjad.lstrip("AIO"))


def _spellings(keys: TokenKeys) -> tuple[str, ...]:
    return (keys.raw, *_GROUP_FORMS.get(keys.canonical, ()))


def _sound_typo(x: str, y: str) -> bool:
    """A typo on top of another transliteration (Kwoalowa for Kovalova, Bgdan for Bohdan):
    on the sound-class keys, two neighbours swapped or one vowel class dropped. Not a
    replaced letter: one replaced class separates real names (Savchenko/Shevchenko)."""
    if min(len(x), len(y)) < 4 or x[0] != y[0] or abs(len(x) - len(y)) > 1:
        return False
    if len(x) == len(y):
        differ = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
        return len(differ) == 2 and differ[1] == differ[0] + 1 and sorted(x) == sorted(y)
    longer, shorter = (x, y) if len(x) > len(y) else (y, x)
    # Not the last class: Oleksandr/Oleksandra are brother and sister.
    return any(
        longer[i] in "AIO" and longer[:i] + longer[i + 1 :] == shorter
        for i in range(len(longer) - 1)
    )


def _one_typo(x: str, y: str) -> bool:
    """One letter swapped, dropped, doubled or replaced; the first letter kept, the last
    kept unless swapped with its neighbour."""
    if min(len(x), len(y)) < 4 or x[0] != y[0]:
        return False
    if x[-1] != y[-1] and sorted(x) != sorted(y):
        return False
    return OSA.distance(x, y, score_cutoff=1) <= 1


@lru_cache(maxsize=200_000)
def block_key(token: str) -> tuple[str, ...]:
    """Short index keys of one token: the first four consonant classes (vkey if too short)."""
    keys = token_keys(token)
    out = []
    for skeleton, vkey in zip(keys.skeletons, keys.vkeys, strict=False):
        out.append(skeleton[:4] if len(skeleton) >= 2 else vkey[:5])
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class BlockKeys:
    """A record's blocking keys: `stored` go into the index (`clients.ClientMatchKey`, the
    report's blocks); `probes` are looked up as well but never stored, so one side of a
    pair can find the other without every record joining every block."""

    stored: tuple[str, ...]
    probes: tuple[str, ...] = ()


def name_block_keys(
    family: list[str],
    given: list[str],
    birth: PartialDate,
    documents: Sequence[str] = (),
    postcode: str = "",
    sex: str = "",
) -> BlockKeys:
    """Blocking keys for one name reading of a record (each at most 64 characters).

    A name key alone ("Shevchenko Oleksandr") would hold thousands of records at a million
    clients, so every name key of a dated record is combined with a second, independent
    piece of evidence; each key survives one kind of corruption of the other fields:

    - `ny:` first family + first given token, order-free (swapped names), + birth year and
      month (a day <= 12 also counts as a month, and 01.01. as every month): survives a
      day/month swap, the 01.01. placeholder, a typo in the day;
    - `nd:` the names + day and month sorted: survives a typo in the year, a year off;
    - `yd:` the names + year + day: survives a typo in the month;
    - `td:` one name token + year + sorted day and month: survives a typo in the other name;
    - `np:` the names + postcode: for records without a birth date at one address;
    - `u:` the names alone, stored only by records without a full birth date (year only or
      none) and looked up by every record: an undated record meets its dated or undated
      duplicate, and 00.00.1985 meets 1986, without the dated records forming name-only
      blocks among themselves;
    - `fy:` the family name + year, stored by records that know only the year and looked
      up by the others: a typo in the given name of a year-only record;
    - `d:` document numbers.

    The name keys also carry the sex (f or m; a record of unknown sex gets both), which
    halves the blocks of common names; a brother and sister are never the same person.

    Not blocked (and so missed unless a document number or postcode links them): a typo in
    the first four consonants of a name together with a partial or corrupted date.
    """
    stored: list[str] = []
    probes: list[str] = []
    first_family = block_key(family[0]) if family else ()
    first_given = block_key(given[0]) if given else ()
    names = [
        "|".join(sorted((fk, gk))) for fk in first_family or ("",) for gk in first_given or ("",)
    ]
    day_month = ""
    if birth.precision == "day":
        day_month = "-".join(str(v) for v in sorted((birth.day, birth.month)))
    # Birth months this record may share with a duplicate: its month, its day when that
    # could be a swapped month, or every month for the 01.01. placeholder.
    months: tuple[int, ...] = ()
    if birth.precision == "month" or (birth.day, birth.month) == (1, 1):
        months = (birth.month,) if birth.precision == "month" else tuple(range(1, 13))
    elif birth.precision == "day":
        months = tuple(sorted({birth.month} | ({birth.day} if birth.day <= 12 else set())))
    sexes = (sex,) if sex in ("f", "m") else ("f", "m")
    for name in names:
        for s in sexes:
            for month in months:
                stored.append(f"ny:{name}:{birth.year}-{month}{s}")
            if day_month:
                stored.append(f"nd:{name}:{day_month}{s}")
                stored.append(f"yd:{name}:{birth.year}:{birth.day}{s}")
            if postcode:
                stored.append(f"np:{name}:{postcode.strip()[:10]}{s}")
            undated_key = f"u:{name}{s}"
            (probes if birth.precision in ("day", "month") else stored).append(undated_key)
    # Year known, a typo in the given name: the family name and the year, stored by
    # records that know only the year and looked up by the others of that year.
    if birth.year:
        for family_key in first_family:
            for s in sexes:
                year_key = f"fy:{family_key}:{birth.year}{s}"
                (stored if birth.precision == "year" else probes).append(year_key)
    if day_month:
        for key in (*first_family, *first_given):
            stored.append(f"td:{key}:{birth.year}:{day_month}")
    stored.extend(f"d:{number[:60]}" for number in documents if number)
    stored = list(dict.fromkeys(stored))
    return BlockKeys(tuple(stored), tuple(k for k in dict.fromkeys(probes) if k not in stored))
