"""Characters that must not reach a record: control characters in any text, and the
invisible formatting characters that make a name display other than it is stored.

PostgreSQL refuses NUL in text (a 500 where a form error belongs); the bidirectional
overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder what is shown, so that
"Ali\u202eInaS" reads as "AliSanI", and marks and zero-width characters make two names
that look the same differ for search and duplicate checks. Letters of any script,
Arabic and Cyrillic included, stay allowed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Line breaks and tabs belong in notes; every other C0/C1 control character does not.
_TEXT_WHITESPACE = frozenset("\t\n\r")
# Reorder the text around them (embeddings, overrides, isolates): refused everywhere.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width joiner and non-joiner shape Persian and Indic words ("علی‌رضا"); between two
# letters of such a script they are spelling, anywhere else only a way to hide a difference.
_JOINERS = frozenset("\u200c\u200d")
_SCRIPTS_WITHOUT_JOINERS = ("LATIN", "CYRILLIC", "GREEK")


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" and char not in _TEXT_WHITESPACE


def _joins_letters(text: str, index: int) -> bool:
    if index == 0 or index == len(text) - 1:
        return False
    for neighbour in (text[index - 1], text[index + 1]):
        if not neighbour.isalpha():
            return False
        if unicodedata.name(neighbour, "").startswith(_SCRIPTS_WITHOUT_JOINERS):
            return False
    return True


def validate_plain_text(value: str) -> None:
    """Free text (notes, purposes, addresses): no control characters but line breaks and
    tabs, no bidirectional overrides or isolates."""
    if not isinstance(value, str):
        return
    if any(_is_control(char) for char in value):
        raise ValidationError(
            _("This text contains control characters; please remove them."),
            code="control_characters",
        )
    if any(char in BIDI_CONTROLS for char in value):
        raise ValidationError(
            _("This text contains invisible direction characters; please remove them."),
            code="bidi_characters",
        )


def validate_name_text(value: str) -> None:
    """Names and other identity fields: printable characters only. No control characters
    (line breaks included), no invisible formatting characters (Unicode category Cf:
    direction marks, overrides, isolates, zero-width spaces), except a joiner inside a
    word of a script that uses it."""
    if not isinstance(value, str):
        return
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError(
            _("A name must not contain control characters or line breaks."),
            code="control_characters",
        )
    for index, char in enumerate(value):
        if unicodedata.category(char) != "Cf":
            continue
        if char in _JOINERS and _joins_letters(value, index):
            continue
        raise ValidationError(
            _(
                "A name must not contain invisible formatting characters (such as direction "
                "marks or zero-width spaces); please type it again."
            ),
            code="invisible_characters",
        )


class TextChecksMixin:
    """For every form: each text field refuses control characters (NUL included) and
    bidirectional overrides; the fields named in `name_fields` refuse every invisible
    formatting character too. Put it before the Django form class in the bases."""

    name_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField):
                continue
            check = validate_name_text if name in self.name_fields else validate_plain_text
            if check not in field.validators:
                field.validators = [*field.validators, check]


class TextChecksModelMixin:
    """For models: `text_checks` names the text fields and their check (validate_name_text
    or validate_plain_text); full_clean runs them with the field validators, for every
    field not excluded, so that services refuse what the forms refuse."""

    text_checks: dict[str, Callable[[str], None]] = {}

    def clean_fields(self, exclude=None) -> None:
        errors: dict[str, list] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name, check in self.text_checks.items():
            if name in errors or (exclude and name in exclude):
                continue
            try:
                check(getattr(self, name))
            except ValidationError as error:
                errors[name] = error.error_list
        if errors:
            raise ValidationError(errors)
