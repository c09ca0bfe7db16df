"""Chart payloads of the dashboard: what `static/dashboard/dashboard.js` hands to Chart.js.

Amounts go to the browser as decimal strings rounded to the cent ("1234.50"), computed from
the selectors' Decimals, never through a float on the server: the JSON stays exact, and the
chart only turns them into numbers to place bars. Tooltips show the server's formatted text
(``formatted``), so what a person reads is the Decimal, not a float's rendering of it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from arrow_integration.dashboard.templatetags.dashboard_format import money
from arrow_integration.selectors.billed_vs_invoiced import MonthBilling

CENT = Decimal("0.01")
BILL_LABEL = "Arrow's bill"
INVOICED_LABEL = "Invoiced"


def _amount_text(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_EVEN))


def _dataset(label: str, amounts: list[Decimal], currency: str) -> dict:
    return {
        "label": label,
        "data": [_amount_text(amount) for amount in amounts],
        "formatted": [money(amount, currency) for amount in amounts],
    }


def billing_charts(months: list[MonthBilling]) -> list[dict]:
    """One bar chart per currency: Arrow's bill and what was invoiced, month by month.

    Currencies in order of their total bill (largest first). Months a currency has no row for
    count as zero. A currency with nothing at all is left out, unless no currency has anything
    (then one empty chart keeps the months visible).
    """
    periods = sorted({row.period for row in months})
    by_currency: dict[str, dict] = defaultdict(dict)
    for row in months:
        by_currency[row.currency][row.period] = row
    charts = []
    for currency, rows in by_currency.items():
        bills = [rows[period].arrow_bill if period in rows else Decimal(0) for period in periods]
        invoiced = [rows[period].invoiced if period in rows else Decimal(0) for period in periods]
        total = sum(abs(amount) for amount in bills + invoiced)
        charts.append((total, currency, {
            "id": f"billing-chart-{currency.lower() or 'none'}",
            "currency": currency,
            "labels": [str(period) for period in periods],
            "datasets": [_dataset(BILL_LABEL, bills, currency), _dataset(INVOICED_LABEL, invoiced, currency)],
        }))
    charts.sort(key=lambda entry: (-entry[0], entry[1]))
    kept = [chart for total, _currency, chart in charts if total]
    return kept or [chart for _total, _currency, chart in charts[:1]]
