"""Chart payloads of the dashboard: what `static/dashboard/dashboard.js` hands to Chart.js.

Amounts go to the browser as decimal strings rounded to the cent ("1234.50"), computed from
the selectors' Decimals, never through a float on the server: the JSON stays exact, and the
chart only turns them into numbers to place bars. Tooltips show the server's formatted text
(``formatted``), so what a person reads is the Decimal, not a float's rendering of it.

A payload: ``{id, currency, labels, datasets: [{label, data, formatted, axis}], axes}``; a
dataset's ``axis`` is "amount" (left, in the currency) or "count" (right, a number of lines).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from arrow_integration.dashboard.labels import CLASS_LABELS
from arrow_integration.dashboard.templatetags.dashboard_format import money
from arrow_integration.selectors.month_close_summary import MonthSummary

CENT = Decimal("0.01")
BILL_LABEL = "Arrow's bill (in scope)"
INVOICED_LABEL = "Invoiced"
DIFFERENCE_LABEL = "Difference (Arrow − invoiced)"
LINES_LABEL = "Lines"
AMOUNT_AXIS, COUNT_AXIS = "amount", "count"


def _amount_text(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_EVEN))


def _amounts(label: str, amounts: list[Decimal], currency: str) -> dict:
    return {
        "label": label, "axis": AMOUNT_AXIS,
        "data": [_amount_text(amount) for amount in amounts],
        "formatted": [money(amount, currency) for amount in amounts],
    }


def _counts(label: str, counts: list[int]) -> dict:
    return {"label": label, "axis": COUNT_AXIS, "data": counts, "formatted": [f"{count:,}" for count in counts]}


def _chart_id(prefix: str, currency: str) -> str:
    return f"{prefix}-{currency.lower() or 'none'}"


def billing_charts(summaries: list[MonthSummary]) -> list[dict]:
    """One bar chart per currency: Arrow's bill in scope and what was invoiced, month by month.

    Currencies in order of their total bill (largest first); months a currency has no row for
    count as zero. Without any figure at all, one empty chart keeps the months visible.
    """
    labels = [str(summary.period) for summary in summaries]
    by_currency: dict[str, dict] = {}
    for index, summary in enumerate(summaries):
        for total in summary.totals:
            entry = by_currency.setdefault(total.currency, {"bill": [Decimal(0)] * len(summaries),
                                                            "invoiced": [Decimal(0)] * len(summaries)})
            entry["bill"][index] += total.arrow_in_scope
            entry["invoiced"][index] += total.invoiced
    if not by_currency:
        by_currency[""] = {"bill": [Decimal(0)] * len(summaries), "invoiced": [Decimal(0)] * len(summaries)}
    charts = []
    for currency, entry in by_currency.items():
        size = sum(abs(amount) for amount in entry["bill"] + entry["invoiced"])
        charts.append((size, currency, {
            "id": _chart_id("billing-chart", currency), "currency": currency, "labels": labels,
            "axes": {AMOUNT_AXIS: currency},
            "datasets": [_amounts(BILL_LABEL, entry["bill"], currency),
                         _amounts(INVOICED_LABEL, entry["invoiced"], currency)],
        }))
    charts.sort(key=lambda chart: (-chart[0], chart[1]))
    return [chart for _size, _currency, chart in charts]


def class_charts(summary: MonthSummary) -> list[dict]:
    """One bar chart per currency of the month: per variance class, the lines' difference (amount
    axis) and their number (count axis)."""
    charts = []
    for total in summary.totals:
        classes = [entry for entry in summary.classes if entry.currency == total.currency]
        charts.append({
            "id": _chart_id("class-chart", total.currency), "currency": total.currency,
            "labels": [CLASS_LABELS[entry.variance_class] for entry in classes],
            "axes": {AMOUNT_AXIS: total.currency, COUNT_AXIS: LINES_LABEL},
            "datasets": [_amounts(DIFFERENCE_LABEL, [entry.difference for entry in classes], total.currency),
                         _counts(LINES_LABEL, [entry.lines for entry in classes])],
        })
    return charts
