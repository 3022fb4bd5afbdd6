"""Reference codes: short, unguessable, checksummed ids a person carries on paper.

A code lets a caseworker *ask* for access to a record without retyping the person's
data; it never grants access by itself. Ten random characters from Crockford's
base32 alphabet (50 bits) plus a Luhn mod-32 check character catch typos.
"""

from __future__ import annotations

import secrets

from stdnum import luhn

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
LENGTH = 10


def reference_code_new() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return body + luhn.calc_check_digit(body, alphabet=ALPHABET)


def reference_code_normalize(text: str) -> str | None:
    """The stored form of a typed code, or None if it is not a valid code."""
    code = "".join((text or "").upper().split()).replace("-", "").translate(_READ_AS)
    if len(code) != LENGTH + 1 or any(c not in ALPHABET for c in code):
        return None
    try:
        luhn.validate(code, alphabet=ALPHABET)
    except Exception:  # noqa: BLE001 - stdnum raises several ValidationError kinds
        return None
    return code


def reference_code_display(code: str) -> str:
    """In groups of four, as printed: K7Q2 M9XD 4TC."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
