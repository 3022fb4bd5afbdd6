"""A family name that arrived only in Cyrillic, written in Latin letters as a Ukrainian
passport would write it, so that the person is not lost (the import adds a remark: a
best guess, to be checked against the passport). Not the matcher's reading
(`core.identity.names.romanize`), which needs no official spelling."""

from __future__ import annotations

from anyascii import anyascii

# Ukrainian passports romanise by the KMU 2010 table (Cabinet of Ministers resolution 55);
# the second form is the one used inside a word. Other letters through anyascii.
_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": ("ye", "ie"),
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": ("yi", "i"), "й": ("y", "i"), "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": ("yu", "iu"),
    "я": ("ya", "ia"), "'": "", "’": "", "ʼ": "",
    # Russian letters, as Ukrainian documents write Russian names
    "ё": ("yo", "io"), "ы": "y", "э": "e", "ъ": "",
}  # fmt: skip


def transliterate(text: str) -> str:
    """A name in Cyrillic in the Latin letters of a Ukrainian passport (KMU 2010:
    Шевченко -> Shevchenko, Юрій -> Yurii, Згурський -> Zghurskyi); other scripts
    through anyascii. A best guess to be checked against the passport, never more."""
    words = []
    for word in text.split():
        out = []
        lower = word.lower()
        for index, char in enumerate(lower):
            latin = _KMU.get(char)
            if char == "г" and index and lower[index - 1] == "з":
                latin = "gh"  # Згурський -> Zghurskyi, not Zhurskyi
            elif latin is None:
                latin = anyascii(char)
            elif isinstance(latin, tuple):
                latin = latin[0] if index == 0 or lower[index - 1] == "-" else latin[1]
            out.append(latin)
        romanised = "".join(out)
        words.append("-".join(part[:1].upper() + part[1:] for part in romanised.split("-")))
    return " ".join(words)
