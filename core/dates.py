"""Birth dates as they arrive: full, month and year, year only, or unknown.

German documents write an unknown day or month as 00 ("00.00.1985"). We keep
exactly the precision we were given and never invent a day or month.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # 03.07.1985, 00.07.1985, 00.00.1985
_MONTH_YEAR = re.compile(r"^(\d{1,2})[./](\d{4})$")  # 07.1985, 07/1985
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")  # 1985-07-03, 1985-07
_YEAR = re.compile(r"^(\d{4})$")

MIN_YEAR = 1890


@dataclass(frozen=True)
class PartialDate:
    year: int | None = None
    month: int | None = None
    day: int | None = None

    def __bool__(self) -> bool:
        return self.year is not None

    @property
    def precision(self) -> str:
        if self.year is None:
            return "unknown"
        if self.month is None:
            return "year"
        if self.day is None:
            return "month"
        return "day"

    @property
    def is_partial(self) -> bool:
        return self.precision != "day"

    def as_date(self) -> dt.date | None:
        """The full date, only when day, month and year are known."""
        if self.precision != "day":
            return None
        return dt.date(self.year, self.month, self.day)

    def __str__(self) -> str:
        """German document notation: unknown parts written as 00."""
        if self.year is None:
            return ""
        return f"{self.day or 0:02d}.{self.month or 0:02d}.{self.year:04d}"

    @classmethod
    def parse(cls, value: str, *, today: dt.date | None = None) -> PartialDate:
        """Parse what a caseworker types or a document shows; raise ValidationError if invalid."""
        text = (value or "").strip()
        if not text:
            return cls()
        if match := _DOTTED.match(text):
            day, month, year = (int(g) for g in match.groups())
        elif match := _MONTH_YEAR.match(text):
            day, month, year = 0, int(match.group(1)), int(match.group(2))
        elif match := _ISO.match(text):
            year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        elif match := _YEAR.match(text):
            day, month, year = 0, 0, int(match.group(1))
        else:
            raise ValidationError(
                _("Enter the date as DD.MM.YYYY; use 00 for an unknown day or month."),
                code="format",
            )
        if day and not month:
            raise ValidationError(
                _("A day without a month cannot be stored: write 00.00.YYYY."), code="day_no_month"
            )
        return cls.from_parts(year, month or None, day or None, today=today)

    @classmethod
    def from_parts(
        cls, year: int | None, month: int | None, day: int | None, *, today: dt.date | None = None
    ) -> PartialDate:
        today = today or dt.date.today()  # noqa: DTZ011 - a calendar date, not a moment
        if year is None:
            if month or day:
                raise ValidationError(_("A birth date needs a year."), code="no_year")
            return cls()
        if month is not None and not 1 <= month <= 12:
            raise ValidationError(_("The month must be between 01 and 12."), code="month")
        if day is not None:
            try:
                dt.date(year, month, day)
            except ValueError:
                raise ValidationError(
                    _("This day does not exist in that month."), code="day"
                ) from None
        if year < MIN_YEAR or (year, month or 1, day or 1) > (today.year, today.month, today.day):
            raise ValidationError(
                _("The birth date must lie between %(min)s and today."),
                code="range",
                params={"min": MIN_YEAR},
            )
        return cls(year, month, day)
