"""Template filters of the dashboard: amounts with their currency, periods, durations, statuses.

Amounts stay `Decimal` until they become text here (Babel formats Decimals exactly, rounded
half-even to the currency's minor unit for display only).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from babel.numbers import format_currency, format_decimal
from django import template

from arrow_integration.dashboard.labels import CLASS_HELP, CLASS_LABELS, STATUS_LABELS

register = template.Library()

LOCALE = "en"
PLAIN_AMOUNT_FORMAT = "#,##0.00"
MISSING = "—"


def _decimal(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return None
    return None


@register.filter
def money(amount, currency: str = "") -> str:
    """``Decimal("1234.5")|money:"EUR"`` → "€1,234.50"; without a currency "1,234.50".

    Accepts Decimals and decimal strings (as stored in run outcomes); anything else is shown as
    it is, never converted through a float.
    """
    if amount is None or amount == "":
        return MISSING
    value = _decimal(amount)
    if value is None or not value.is_finite():
        return str(amount)
    if currency:
        return format_currency(value, currency, locale=LOCALE)
    return format_decimal(value, format=PLAIN_AMOUNT_FORMAT, locale=LOCALE)


@register.filter
def period(value) -> str:
    """A first-of-month date as "YYYY-MM" (periods are stored as dates)."""
    if value is None:
        return MISSING
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value)


@register.filter
def duration(run) -> str:
    """How long a run took (or has been running): "2 min 5 s", "0.4 s"."""
    if run is None or run.created is None:
        return MISSING
    end = run.finished_at or dt.datetime.now(tz=dt.UTC)
    seconds = max((end - run.created).total_seconds(), 0.0)
    if seconds < 10:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


@register.filter
def percent_done(run) -> int | None:
    """Progress of a run in whole percent, None when its total is unknown."""
    if not run.progress_total:
        return None
    return min(100, int(run.progress_done * 100 / run.progress_total))


@register.filter
def periods_summary(periods) -> str:
    """Sorted periods in a few words: "2025-09 to 2025-12" when consecutive, else listed."""
    periods = list(periods)
    if not periods:
        return MISSING
    consecutive = all(later.index - earlier.index == 1 for earlier, later in pairwise(periods))
    if len(periods) > 2 and consecutive:
        return f"{periods[0]} to {periods[-1]}"
    return ", ".join(str(value) for value in periods)


@register.filter
def status_label(status: str) -> str:
    """A month-close status in words: "not_checked" → "Not checked"."""
    return STATUS_LABELS.get(status, str(status))


@register.filter
def class_label(variance_class: str) -> str:
    """A variance class in words: "undercharged" → "Undercharged"."""
    return CLASS_LABELS.get(variance_class, str(variance_class))


@register.filter
def class_help(variance_class: str) -> str:
    """What a variance class means, in a few words."""
    return CLASS_HELP.get(variance_class, "")
