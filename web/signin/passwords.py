"""Password rules beyond Django's: no password from a breach list, nor one built on such a
password ("Sommer2024!" is "sommer" with a year and a sign; "adminadmin" is "admin" twice).

The list is zxcvbn's (PyPI package `zxcvbn`, dropbox's estimator ported to Python): the
30,000 most frequent passwords of public breach corpora, shipped inside the package, read
once per process; nothing is fetched at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")  # digits and signs around a word
_LEET = str.maketrans(
    {"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t"}
)
_MIN_STEM = 3  # a shorter word left over says nothing


@cache
def breached_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _candidates(password: str) -> Iterator[str]:
    lowered = password.casefold()
    yield lowered
    for word in {lowered, lowered.translate(_LEET)}:
        stem = _DECORATION.sub("", word)
        if len(stem) < _MIN_STEM:
            continue
        yield stem
        for size in range(_MIN_STEM, len(stem) // 2 + 1):  # a word repeated
            if len(stem) % size == 0 and stem == stem[:size] * (len(stem) // size):
                yield stem[:size]
                break


class BreachedPasswordValidator:
    """Rejects a password that is, or is built on, a password from breach corpora."""

    def validate(self, password: str, user=None) -> None:
        known = breached_passwords()
        if any(candidate in known for candidate in _candidates(password)):
            raise ValidationError(
                _(
                    "This password, or the word it is built on, is among the most common "
                    "passwords in published breaches."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password cannot be a commonly used password, nor a common password with "
            "digits or signs added or repeated."
        )
