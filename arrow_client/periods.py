"""The billing period type of the whole project: one calendar month.

`Period` is the only representation of a month inside the code. The `"YYYY-MM"` string form exists
at the edges (Arrow payloads, API parameters) and is converted here, in one place, with strict
validation. This module knows nothing about Arrow, HTTP or Django.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

MIN_YEAR = 2000
MAX_YEAR = 2100
MONTHS_PER_YEAR = 12

_PERIOD_PATTERN = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """A calendar month, e.g. ``Period(2024, 7)``; ordered chronologically.

    Raises `ValueError` when built with a month outside 1..12 or a year outside 2000..2100.
    """

    year: int
    month: int

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise ValueError(f"Period year must be an integer, got {self.year!r}")
        if isinstance(self.month, bool) or not isinstance(self.month, int):
            raise ValueError(f"Period month must be an integer, got {self.month!r}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"Period year must be between {MIN_YEAR} and {MAX_YEAR}, got {self.year}")
        if not 1 <= self.month <= MONTHS_PER_YEAR:
            raise ValueError(f"Period month must be between 1 and 12, got {self.month}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``"YYYY-MM"`` strictly (four-digit year, two-digit month, nothing else).

        Raises `ValueError` with a message naming the bad input for anything else, such as
        ``"2025-13"``, ``"25-01"``, ``"2025-00"`` or ``"2025-1"``.
        """
        if not isinstance(text, str):
            raise ValueError(f"Period must be a 'YYYY-MM' string, got {type(text).__name__}")
        match = _PERIOD_PATTERN.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"Malformed period {text!r}: expected 'YYYY-MM', e.g. '2025-01'")
        year, month = int(match.group(1)), int(match.group(2))
        try:
            return cls(year, month)
        except ValueError as exc:
            raise ValueError(f"Malformed period {text!r}: {exc}") from None

    @classmethod
    def from_date(cls, day: dt.date) -> Period:
        """The period containing ``day`` (a `date` or `datetime`)."""
        return cls(day.year, day.month)

    @classmethod
    def current(cls, today: dt.date | None = None) -> Period:
        """The period of ``today`` (defaults to the local current date)."""
        return cls.from_date(today or dt.date.today())

    @classmethod
    def range(cls, first: Period, last: Period) -> Iterator[Period]:
        """Iterate from ``first`` to ``last``, both included; empty when ``first > last``."""
        period = first
        while period <= last:
            yield period
            period = period.next()

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def index(self) -> int:
        """Months since year 0; differences of indexes count months between periods."""
        return self.year * MONTHS_PER_YEAR + self.month - 1

    def shift(self, months: int) -> Period:
        """The period ``months`` later (negative: earlier)."""
        year, month0 = divmod(self.index + months, MONTHS_PER_YEAR)
        return Period(year, month0 + 1)

    def next(self) -> Period:
        return self.shift(1)

    def previous(self) -> Period:
        return self.shift(-1)

    def contains(self, day: dt.date) -> bool:
        return day.year == self.year and day.month == self.month

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
