"""A month's close at a glance: the month-close report's rows added up, for pages that show months.

`month_close_summary` reads `month_close_report` once and adds its rows up, nothing more: the
classification, statuses and amounts are the report's own. What it adds:

- `status`: the month's status, the least advanced of its rows' (`not_checked` < `provisional` <
  `validated` < `reconciled`); a month without any row is `not_checked` (nothing says it is
  clean);
- `totals`: the rows' figures per currency (amounts of different currencies are never added);
- `classes`: per currency and variance class, the number of lines, their Arrow amount and their
  difference (`arrow_in_scope` − `invoiced`);
- `unmapped`: Arrow customers with lines but no mapping, and `excluded`: the lines left out by
  the settings' filters, each with its amount (what an operator must look at).

`month_close_summaries` does this for consecutive months (a constant number of queries per
month, whatever its size). Nothing here writes.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from arrow_client.periods import Period
from arrow_integration.selectors.month_close import (
    MONTH_STATUSES,
    NOT_CHECKED,
    MonthCloseRow,
    month_close_report,
)
from arrow_integration.selectors.month_close_lines import EXCLUDED, MATCHED, UNMAPPED, VARIANCE_CLASSES

ZERO = Decimal(0)
# Classes that are not a difference to act on: matched lines, and lines left out on purpose.
SETTLED_CLASSES = (MATCHED, EXCLUDED)
OPEN_CLASSES = tuple(name for name in VARIANCE_CLASSES if name not in SETTLED_CLASSES)


@dataclass
class CurrencyTotal:
    """The month's rows of one currency, added up."""

    currency: str
    rows: int = 0
    lines: int = 0
    arrow_total: Decimal = ZERO
    arrow_in_scope: Decimal = ZERO
    invoiced: Decimal = ZERO
    compensated: Decimal = ZERO
    arrow_buy_total: Decimal = ZERO
    margin: Decimal = ZERO

    @property
    def difference(self) -> Decimal:
        return self.arrow_in_scope - self.invoiced

    def add(self, row: MonthCloseRow) -> None:
        self.rows += 1
        self.lines += row.lines
        self.arrow_total += row.arrow_total
        self.arrow_in_scope += row.arrow_in_scope
        self.invoiced += row.invoiced
        self.compensated += row.compensated
        self.arrow_buy_total += row.arrow_buy_total
        self.margin += row.margin


@dataclass
class ClassTotal:
    """The lines of one variance class in one currency."""

    variance_class: str
    currency: str
    lines: int = 0
    arrow_amount: Decimal = ZERO
    difference: Decimal = ZERO


@dataclass(frozen=True)
class CustomerAmount:
    """An Arrow customer's lines of one class (unmapped, excluded) and their Arrow amount."""

    settings_uuid: uuid_module.UUID | None
    arrow_customer_reference: str
    arrow_customer_name: str
    currency: str
    lines: int
    amount: Decimal


@dataclass
class MonthSummary:
    """One month's report rows and what they add up to (see the module)."""

    period: Period
    rows: list[MonthCloseRow]
    status: str = NOT_CHECKED
    totals: list[CurrencyTotal] = field(default_factory=list)
    classes: list[ClassTotal] = field(default_factory=list)
    unmapped: list[CustomerAmount] = field(default_factory=list)
    excluded: list[CustomerAmount] = field(default_factory=list)

    @property
    def open_classes(self) -> list[ClassTotal]:
        """The classes that hold a difference to act on (not matched, not excluded), with lines."""
        return [total for total in self.classes if total.variance_class in OPEN_CLASSES and total.lines]

    @property
    def open_lines(self) -> int:
        return sum(total.lines for total in self.open_classes)


def month_status(rows: Iterable[MonthCloseRow]) -> str:
    """The least advanced status of ``rows``; `not_checked` when there is none."""
    ranks = [MONTH_STATUSES.index(row.status) for row in rows]
    return MONTH_STATUSES[min(ranks)] if ranks else NOT_CHECKED


def _class_totals(rows: list[MonthCloseRow], currencies: list[str]) -> list[ClassTotal]:
    totals = {(currency, name): ClassTotal(name, currency) for currency in currencies for name in VARIANCE_CLASSES}
    for row in rows:
        for name in VARIANCE_CLASSES:
            total = totals[(row.currency, name)]
            total.lines += row.counts[name]
            total.arrow_amount += row.amounts[name]
            total.difference += row.differences[name]
    return list(totals.values())


def _customers_with(rows: list[MonthCloseRow], variance_class: str) -> list[CustomerAmount]:
    found = [
        CustomerAmount(row.settings_uuid, row.arrow_customer_reference, row.arrow_customer_name, row.currency,
                       row.counts[variance_class], row.amounts[variance_class])
        for row in rows if row.counts[variance_class]
    ]
    return sorted(found, key=lambda entry: (-abs(entry.amount), entry.arrow_customer_reference))


def month_close_summary_of(period: Period, rows: list[MonthCloseRow]) -> MonthSummary:
    """The summary of ``period`` from its report rows (see the module)."""
    currencies: list[str] = []
    by_currency: dict[str, CurrencyTotal] = {}
    for row in rows:
        if row.currency not in by_currency:
            currencies.append(row.currency)
            by_currency[row.currency] = CurrencyTotal(row.currency)
        by_currency[row.currency].add(row)
    totals = sorted(by_currency.values(), key=lambda total: (-abs(total.arrow_total), total.currency))
    currencies = [total.currency for total in totals]
    return MonthSummary(
        period=period, rows=rows, status=month_status(rows), totals=totals, classes=_class_totals(rows, currencies),
        unmapped=_customers_with(rows, UNMAPPED), excluded=_customers_with(rows, EXCLUDED),
    )


def month_close_summary(period: Period) -> MonthSummary:
    """The month-close report of ``period`` (every row) and what it adds up to."""
    return month_close_summary_of(period, month_close_report(period))


def month_close_summaries(*, last: Period, months: int) -> list[MonthSummary]:
    """The summaries of the ``months`` months up to ``last``, oldest first."""
    return [month_close_summary(period) for period in Period.range(last.shift(1 - months), last)]
