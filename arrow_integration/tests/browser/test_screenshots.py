"""The screenshot tool of the dashboard (README "Dashboard"): not a test of behaviour.

Skipped unless pytest gets ``--dashboard-screenshots DIR`` (``make screenshots`` writes into
docs/). It seeds the demo data against the emulator as ``make demo`` does, imports four months
of billing with real runs, reconciles the validated month with a changed final price, and takes
full-page screenshots of the overview, of that month, of one of its customers and of a billing
run at 1280 px, plus the overview and the month at 375 px.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunKind
from arrow_integration.models import ArrowBillingSyncItem, ArrowSettings, ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.services.configuration.demo import demo_seed_with_summary
from arrow_integration.tests.month_close_support import NORDIC

IMPORTED_MONTHS = 4
# Days into the current month: the previous month is validated by then (the emulator's delay is 5).
DAY_OF_MONTH = 10
FINAL_PRICE_CHANGE = Decimal("12.34")


@pytest.fixture
def screenshot_dir(request) -> Path:
    directory = request.config.getoption("dashboard_screenshots", default=None)
    if not directory:
        pytest.skip("screenshots are taken with --dashboard-screenshots DIR (make screenshots)")
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _demo_history(emulator, live_server) -> ArrowSyncRun:
    """Demo settings and mappings, then months of real runs; returns the previous month's import
    (the month shown: validated, one line repriced by Arrow and reconciled)."""
    today = Period.current().first_day + dt.timedelta(days=DAY_OF_MONTH - 1)
    emulator.control.set_today(today)
    demo_seed_with_summary(base_url=f"{live_server.url}/", arrow_url=emulator.base_url, arrow_key=emulator.api_key)
    settings = ArrowSettings.objects.get(is_active=True)
    current = Period.from_date(today)
    for offset in range(1 - IMPORTED_MONTHS, 1):
        billing_sync_import_period(settings=settings, period=current.shift(offset), today=today)
    previous = current.previous()
    # Arrow's final bill of one line differs from what was imported: reconciliation compensates it.
    item = ArrowBillingSyncItem.objects.filter(billing_sync__report_period=previous.first_day).order_by("id").first()
    emulator.control.set_line_price(item.arrow_line_reference, sell=item.sell_price + FINAL_PRICE_CHANGE,
                                    buy=item.buy_price)
    reconciliation_run_period(settings=settings, period=previous, today=today)
    return ArrowSyncRun.objects.filter(kind=SyncRunKind.BILLING, period=previous.first_day).latest("created")


def test_take_dashboard_screenshots(screenshot_dir, arrow_emulator, open_page, live_server, browser_log):
    run = _demo_history(arrow_emulator, live_server)
    month = f"/dashboard/months/{Period.from_date(run.period)}/"
    shots = [
        ("desktop", "/dashboard/", "dashboard-overview.png"),
        ("desktop", month, "dashboard-month.png"),
        ("desktop", f"{month}customer/?settings={run.settings.uuid}&arrow_customer={NORDIC}", "dashboard-customer.png"),
        ("desktop", f"/dashboard/runs/{run.uuid}/", "dashboard-run.png"),
        ("phone", "/dashboard/", "dashboard-overview-phone.png"),
        ("phone", month, "dashboard-month-phone.png"),
    ]
    for viewport, url, name in shots:
        page = open_page(viewport)
        page.goto(url)
        page.screenshot(path=str(screenshot_dir / name), full_page=True)
    assert browser_log.console_errors == []
    assert all((screenshot_dir / name).stat().st_size > 0 for _viewport, _url, name in shots)
