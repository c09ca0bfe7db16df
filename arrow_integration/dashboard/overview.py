"""The overview's month-close parts: a table row per month (and currency) and the warnings that
come from the months' reports — Arrow customers with lines but no mapping, lines left out by the
settings' filters — each with its amount.

Everything is read from `selectors.month_close_summary` (through `dashboard.figures`); this
module only arranges the summaries of the last months for the page. Pure functions (no queries).
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass, field
from decimal import Decimal

from arrow_client.periods import Period
from arrow_integration.models import ArrowSettings
from arrow_integration.selectors.month_close_summary import ClassTotal, CurrencyTotal, MonthSummary

ZERO = Decimal(0)


@dataclass(frozen=True)
class OverviewMonth:
    """One row of the overview's table: a month in one currency (a month without rows has one row)."""

    period: Period
    status: str
    total: CurrencyTotal | None
    open_classes: list[ClassTotal]
    first_of_month: bool  # the first row of its month (months with several currencies have more)


def overview_months(summaries: list[MonthSummary]) -> list[OverviewMonth]:
    """The table's rows, newest month first."""
    rows = []
    for summary in reversed(summaries):
        if not summary.totals:
            rows.append(OverviewMonth(summary.period, summary.status, None, [], True))
            continue
        for index, total in enumerate(summary.totals):
            open_classes = [entry for entry in summary.open_classes if entry.currency == total.currency]
            rows.append(OverviewMonth(summary.period, summary.status, total, open_classes, index == 0))
    return rows


@dataclass
class UnmappedCustomer:
    """An Arrow customer with lines but no mapping, over the months shown."""

    settings_uuid: uuid_module.UUID | None
    reference: str
    name: str
    currency: str
    lines: int = 0
    amount: Decimal = ZERO
    periods: list[Period] = field(default_factory=list)
    settings: ArrowSettings | None = None  # for the link that maps it in the admin


@dataclass(frozen=True)
class ExcludedLines:
    """The lines of one month left out by the settings' classification filter."""

    period: Period
    currency: str
    lines: int
    amount: Decimal


def unmapped_customers(summaries: list[MonthSummary],
                       settings_by_uuid: dict[uuid_module.UUID, ArrowSettings]) -> list[UnmappedCustomer]:
    """Arrow customers with lines but no mapping in any of the months, largest amount first."""
    found: dict[tuple, UnmappedCustomer] = {}
    for summary in summaries:
        for entry in summary.unmapped:
            key = (entry.settings_uuid, entry.arrow_customer_reference, entry.currency)
            customer = found.setdefault(key, UnmappedCustomer(
                entry.settings_uuid, entry.arrow_customer_reference, entry.arrow_customer_name, entry.currency,
                settings=settings_by_uuid.get(entry.settings_uuid)))
            customer.lines += entry.lines
            customer.amount += entry.amount
            customer.periods.append(summary.period)
    return sorted(found.values(), key=lambda customer: (-abs(customer.amount), customer.reference))


def excluded_lines(summaries: list[MonthSummary]) -> list[ExcludedLines]:
    """Per month (newest first) and currency: the lines outside the filters and their Arrow amount."""
    rows = []
    for summary in reversed(summaries):
        totals: dict[str, list] = {}
        for entry in summary.excluded:
            lines_amount = totals.setdefault(entry.currency, [0, ZERO])
            lines_amount[0] += entry.lines
            lines_amount[1] += entry.amount
        rows += [ExcludedLines(summary.period, currency, lines, amount) for currency, (lines, amount) in totals.items()]
    return rows
