"""Names in their original script for the load benchmark's records: Ukrainian names
written back into Cyrillic (the national transliteration of 2010 read backwards) and
Arabic-script names for the Arabic and Afghan styles (consonant skeleton, as Arabic
script writes a name without its short vowels). Good enough to exercise search and the
duplicate check on two scripts; not a linguistically exact transliteration."""

from __future__ import annotations

_CYRILLIC = (
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("iu", "ю"),
    ("yu", "ю"),
    ("ia", "я"),
    ("ya", "я"),
    ("ie", "є"),
    ("ye", "є"),
    ("yi", "ї"),
    ("ii", "ій"),
    ("y", "и"),
    ("i", "і"),
    ("h", "г"),
    ("g", "ґ"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("w", "в"),
    ("c", "к"),
    ("q", "к"),
    ("x", "кс"),
    ("j", "й"),
)
_ARABIC = (
    ("al-", "ال"),
    ("sh", "ش"),
    ("kh", "خ"),
    ("th", "ث"),
    ("gh", "غ"),
    ("aa", "ا"),
    ("ou", "و"),
    ("oo", "و"),
    ("ee", "ي"),
    ("b", "ب"),
    ("t", "ت"),
    ("j", "ج"),
    ("h", "ح"),
    ("d", "د"),
    ("r", "ر"),
    ("z", "ز"),
    ("s", "س"),
    ("f", "ف"),
    ("q", "ق"),
    ("k", "ك"),
    ("g", "گ"),
    ("l", "ل"),
    ("m", "م"),
    ("n", "ن"),
    ("w", "و"),
    ("y", "ي"),
    ("p", "پ"),
    ("c", "ك"),
    ("v", "و"),
    ("x", "كس"),
)
_SHORT = (("a", ""), ("e", ""), ("i", ""), ("o", ""), ("u", ""), ("-", ""))


def _replace(word: str, table: tuple[tuple[str, str], ...]) -> str:
    out, i = [], 0
    while i < len(word):
        for latin, other in table:
            if word.startswith(latin, i):
                out.append(other)
                i += len(latin)
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def cyrillic(name: str) -> str:
    """Shevchenko -> Шевченко, Oleksandr Ivan -> Олександр Іван."""
    return " ".join(_replace(w.lower(), _CYRILLIC).capitalize() for w in name.split())


def arabic(name: str) -> str:
    """Al-Hussein -> الحسن: long vowels and the article kept, short vowels dropped."""
    words = []
    for word in name.lower().split():
        initial = "ا" if word[:1] in "aeiou" and not word.startswith("al-") else ""
        words.append(initial + _replace(word[len(initial) :], _ARABIC + _SHORT))
    return " ".join(words)
