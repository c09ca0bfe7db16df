"""The overview in a real browser: a chart that drew the month's figures, each month's status and
open differences, the warnings, the runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F, Sum

from arrow_client.periods import Period
from arrow_integration.choices import ARROW_INVOICE_ITEM_SOURCES, UnchargedReason
from arrow_integration.models import ArrowBillingSyncItem, ArrowUnchargedLine
from arrow_integration.tests.browser.pages import axe_violations, chart_state, horizontal_overflow
from core.models import InvoiceItem

CENT = Decimal("0.01")


def _expected_amounts(period: Period) -> tuple[str, str]:
    """Arrow's bill in scope (the charged lines and those of customers without a mapping) and the
    invoiced amount of ``period``, summed from the tables themselves."""
    charged = ArrowBillingSyncItem.objects.filter(report_period=period.first_day, duplicate_of__isnull=True)
    unmapped = ArrowUnchargedLine.objects.filter(report_period=period.first_day,
                                                 reason=UnchargedReason.UNMAPPED_CUSTOMER)
    bill = charged.aggregate(total=Sum("sell_price"))["total"] + unmapped.aggregate(total=Sum("sell_price"))["total"]
    invoiced = InvoiceItem.objects.filter(
        details__source__in=ARROW_INVOICE_ITEM_SOURCES, details__period=str(period)
    ).aggregate(total=Sum(F("unit_price") * F("quantity")))["total"]
    return str(bill.quantize(CENT)), str(invoiced.quantize(CENT))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_overview_draws_the_imported_month(open_page, browser_log, live_server, imported_month, viewport):
    period, run = imported_month
    expected_bill, expected_invoiced = _expected_amounts(period)
    assert Decimal(expected_bill) > 0

    page = open_page(viewport)
    page.goto("/dashboard/")
    canvas_id = page.locator("canvas[data-chart-data]").first.get_attribute("id")
    state = chart_state(page, canvas_id)

    assert state is not None, "Chart.js drew no chart on the canvas"
    current = Period.from_date(run.created.date())
    assert state["labels"] == [str(current.shift(offset)) for offset in range(-11, 1)]
    index = state["labels"].index(str(period))
    bill, invoiced = state["datasets"]
    assert (bill["label"], invoiced["label"]) == ("Arrow's bill (in scope)", "Invoiced")
    assert (bill["data"][index], invoiced["data"][index]) == (expected_bill, expected_invoiced)
    # Drawn, not just configured: both bars of the month have a height, and the canvas has ink.
    assert all(heights[index] > 1 for heights in state["barHeights"])
    assert state["paintedPixels"] > state["width"] * state["height"] // 100

    # The same figures in the table, with their currency, the month's status and its open differences.
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=str(period)))
    assert f"€{Decimal(expected_bill):,.2f}" in row.inner_text()
    assert "Provisional" in row.inner_text()  # imported early in the next month: Arrow has not validated it
    assert "Pending" in row.inner_text() and "Unmapped" in row.inner_text()
    # The export's unmapped customers are a warning, each with a link to map it in the admin.
    warnings = page.get_by_role("region", name="Arrow customers without a mapping")
    for reference in run.outcome["unmapped_customers"]:
        assert reference in warnings.inner_text()
    assert warnings.get_by_role("link", name=f"Map {next(iter(run.outcome['unmapped_customers']))}").count() == 1
    latest = page.get_by_role("region", name="Table: Latest runs")
    assert "Billing" in latest.inner_text() and "Succeeded" in latest.inner_text()

    assert axe_violations(page) == []
    assert horizontal_overflow(page) <= 0
    assert browser_log.console_errors == []
    assert browser_log.foreign_requests(live_server.url) == []
    assert any(url.endswith("/static/dashboard/vendor/chart.umd.min.js") for url in browser_log.requests)
