"""Arrow's bill against what was invoiced, month by month, from what the database holds today.

A first, coarse view for the dashboard's overview, until the month-close report exists:

- Arrow's bill of a month is the sum of its billing syncs' totals (the export lines imported for
  mapped customers within the settings' filters), in each settings' invoice price source, with
  the buy total beside it;
- what was invoiced for a month is the sum of the Arrow-sourced invoice items that name that
  month in their details (statement lines, provisional consumption items and compensations),
  wherever they sit: a compensation for January may be on the March invoice.

Callers only read `MonthBilling` rows, so the month-close selector can take this module's place.
Aggregates run in the database (two queries, whatever the number of lines). Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from arrow_client.periods import Period
from arrow_integration.choices import ARROW_INVOICE_ITEM_SOURCES, PriceSource
from arrow_integration.models import ArrowBillingSync
from core.models import InvoiceItem
from core.models.invoices import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

DEFAULT_MONTHS = 12
ZERO = Decimal(0)
_MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS + 6, decimal_places=MONEY_DECIMAL_PLACES)
_ZERO = Value(ZERO, output_field=_MONEY)


@dataclass(frozen=True)
class MonthBilling:
    """One month in one currency: what Arrow billed and what the customers were invoiced."""

    period: Period
    currency: str  # "" when nothing of the month says which
    arrow_bill: Decimal  # in each settings' invoice price source
    arrow_buy: Decimal
    invoiced: Decimal
    billing_syncs: int

    @property
    def difference(self) -> Decimal:
        """Arrow's bill minus what was invoiced: positive when less was invoiced than billed."""
        return self.arrow_bill - self.invoiced


def _bill_rows(periods: list[Period]) -> list[dict]:
    in_price_source = Case(
        When(customer_mapping__settings__invoice_price_source=PriceSource.BUY, then=F("buy_total")),
        default=F("sell_total"),
        output_field=_MONEY,
    )
    return list(
        ArrowBillingSync.objects.filter(report_period__in=[period.first_day for period in periods])
        .order_by()
        .values("report_period", "currency")
        .annotate(
            bill=Coalesce(Sum(in_price_source), _ZERO, output_field=_MONEY),
            buy=Coalesce(Sum("buy_total"), _ZERO, output_field=_MONEY),
            syncs=Count("id"),
        )
    )


def _invoiced_rows(periods: list[Period]) -> list[dict]:
    total = Sum(F("unit_price") * F("quantity"), output_field=_MONEY)
    return list(
        InvoiceItem.objects.filter(
            Q(details__source__in=ARROW_INVOICE_ITEM_SOURCES), details__period__in=[str(period) for period in periods]
        )
        .annotate(item_period=KT("details__period"), item_currency=KT("details__currency"))
        .order_by()
        .values("item_period", "item_currency")
        .annotate(total=Coalesce(total, _ZERO, output_field=_MONEY))
    )


def months_billed_vs_invoiced(*, last: Period, months: int = DEFAULT_MONTHS) -> list[MonthBilling]:
    """The ``months`` months up to ``last``, oldest first, one row per month and currency.

    A month without any data still has one row (zeros, currency ""), so a chart shows every
    month. Compensations record no currency: they count in their month's currency when the
    month has only one, else under "".
    """
    periods = list(Period.range(last.shift(1 - months), last))
    bills: dict[tuple[Period, str], dict] = {}
    for row in _bill_rows(periods):
        bills[(Period.from_date(row["report_period"]), row["currency"] or "")] = row
    currencies_by_period: dict[Period, set[str]] = defaultdict(set)
    for period, currency in bills:
        currencies_by_period[period].add(currency)
    invoiced: dict[tuple[Period, str], Decimal] = defaultdict(lambda: ZERO)
    for row in _invoiced_rows(periods):
        period = Period.parse(row["item_period"])
        currency = row["item_currency"] or ""
        if not currency and len(currencies_by_period[period]) == 1:
            currency = next(iter(currencies_by_period[period]))
        invoiced[(period, currency)] += row["total"]
        currencies_by_period[period].add(currency)
    result = []
    for period in periods:
        for currency in sorted(currencies_by_period[period] or {""}):
            bill = bills.get((period, currency), {})
            result.append(MonthBilling(
                period=period,
                currency=currency,
                arrow_bill=bill.get("bill", ZERO),
                arrow_buy=bill.get("buy", ZERO),
                invoiced=invoiced.get((period, currency), ZERO),
                billing_syncs=bill.get("syncs", 0),
            ))
    return result
