"""Months the tests talk about, from the server's date (the emulator's "today" is set per test)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from arrow_client import Period

# Days after a month's end after which the emulator validates it (its default).
VALIDATION_DELAY_DAYS = 5


def current_period() -> Period:
    return Period.from_date(timezone.now().date())


def previous_period() -> Period:
    return current_period().previous()


def early_in_current_month() -> dt.date:
    """A day of the current month on which the previous month is not validated yet."""
    return current_period().first_day + dt.timedelta(days=1)


def after_validation_of(period: Period) -> dt.date:
    return period.last_day + dt.timedelta(days=VALIDATION_DELAY_DAYS + 2)


def mid_month(period: Period) -> dt.date:
    return period.first_day.replace(day=15)
