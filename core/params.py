"""Numbers read from a query string or a form outside a Django form: one strict parser.

`str.isdigit()` accepts "²" and "١٢" which `int()` then refuses or reads differently, and
an unbounded string of digits becomes a number no column holds; both used to give a 500.
"""

from __future__ import annotations

import re

# 18 digits stay below PostgreSQL's bigint (9,223,372,036,854,775,807).
_POSITIVE_INT = re.compile(r"[0-9]{1,18}")


def positive_int(value: object, *, maximum: int | None = None) -> int | None:
    """`value` as an integer >= 1 if it is written in ASCII digits only, else None.
    With `maximum`, larger numbers are capped to it."""
    if not isinstance(value, str) or not _POSITIVE_INT.fullmatch(value):
        return None
    number = int(value)
    if number < 1:
        return None
    return min(number, maximum) if maximum is not None else number
