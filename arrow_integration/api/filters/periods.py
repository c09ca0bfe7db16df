"""The one period filter of every list: a month given as `YYYY-MM` or as a date `YYYY-MM-DD`.

Billing syncs and their items call their month `report_period`, consumption records
`billing_period`; both are first-of-month dates in the database, and both filters accept both
forms: a date stands for its month (`2026-10-15` selects October 2026), so the same client code
works everywhere. Bounds (`*_from`, `*_to`) compare months and include the month given.
Anything else, or a year outside 2000–2100, is a 400 naming the parameter.
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from arrow_client.periods import MAX_YEAR, MIN_YEAR, Period

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
PERIOD_PARAMETER_PATTERN = r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"
PERIOD_PARAMETER_DESCRIPTION = (
    f"A month as YYYY-MM, or a date as YYYY-MM-DD standing for its month (years {MIN_YEAR}-{MAX_YEAR})."
)


def period_from_month_or_date(text: str) -> Period:
    """The month of ``text``: `YYYY-MM` or a valid `YYYY-MM-DD`; ValueError for anything else."""
    text = text.strip()
    match = _DATE.fullmatch(text)
    if match is None:
        return Period.parse(text)
    year, month, day = (int(part) for part in match.groups())
    return Period.from_date(dt.date(year, month, day))


class PeriodFormField(forms.CharField):
    default_error_messages = {"invalid": f"Expected a month as YYYY-MM or a date as YYYY-MM-DD, e.g. 2025-01 "
                                         f"(years {MIN_YEAR}-{MAX_YEAR})."}

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return period_from_month_or_date(value).first_day
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


@extend_schema_field({
    "type": "string", "pattern": PERIOD_PARAMETER_PATTERN, "description": PERIOD_PARAMETER_DESCRIPTION,
})
class PeriodFilter(django_filters.Filter):
    """Compares a first-of-month date field with the month of the value (``lookup_expr`` as usual)."""

    field_class = PeriodFormField
