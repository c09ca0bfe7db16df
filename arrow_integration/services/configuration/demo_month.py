"""The demo's closed month: the latest month Arrow validated, imported and reconciled at demo start.

`demo_month_close_seed` makes the month-close report of that month show every everyday case for
the demo customers: lines `matched`; one Nordic line (license XSP5000102) that Arrow billed
50.00 more in its final export than was invoiced (`undercharged`), which the statement
reconciliation then compensated (so it reads `matched`, with the compensation named); the
Microsoft 365 lines `excluded` by the settings' IAAS filter; the lines of the three Arrow
customers without a mapping `unmapped`. Arrow's final price is changed through the emulator's
control API, as an operator would try it by hand.

Idempotent: a month already reconciled is not imported again; only the emulator (which starts
afresh with every demo) is given the changed price again, so that Arrow and the database agree.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import httpx
from django.utils import timezone

from arrow_client import Period
from arrow_integration.choices import SyncRunKind, SyncRunState
from arrow_integration.models import ArrowBillingSyncItem, ArrowSettings, ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period

logger = logging.getLogger(__name__)

REPRICED_LICENSE = "XSP5000102"  # Nordic's "Azure Development"
PRICE_RAISE = Decimal("50.00")
# The emulator validates a month this many days after it ends (its default).
VALIDATION_DELAY_DAYS = 5
CONTROL_TIMEOUT_SECONDS = 10


def latest_validated_month(today: dt.date) -> Period:
    """The latest month the emulator has validated on ``today``."""
    month = Period.from_date(today).previous()
    if today <= month.last_day + dt.timedelta(days=VALIDATION_DELAY_DAYS):
        month = month.previous()
    return month


def _repriced_line(settings: ArrowSettings, period: Period) -> ArrowBillingSyncItem | None:
    return ArrowBillingSyncItem.objects.filter(
        billing_sync__customer_mapping__settings=settings, report_period=period.first_day,
        license_reference=REPRICED_LICENSE, duplicate_of__isnull=True,
    ).order_by("arrow_line_reference").first()


def _raise_final_price(control_url: str, item: ArrowBillingSyncItem, sell: Decimal) -> None:
    response = httpx.post(f"{control_url}lines/{item.arrow_line_reference}/price",
                          json={"sell": str(sell), "buy": str(item.buy_price)}, timeout=CONTROL_TIMEOUT_SECONDS)
    response.raise_for_status()


def demo_month_close_seed(*, settings_uuid: str, control_url: str, today: dt.date | None = None) -> dict:
    """Import and reconcile the demo's latest validated month (see the module); returns keys for
    the demo summary. ``control_url`` is the emulator's control API (`…/_emulator/`)."""
    settings = ArrowSettings.objects.get(uuid=settings_uuid)
    period = latest_validated_month(today or timezone.localdate())
    done = ArrowSyncRun.objects.filter(settings=settings, period=period.first_day, kind=SyncRunKind.RECONCILIATION,
                                       state=SyncRunState.SUCCEEDED).exists()
    if done:
        item = _repriced_line(settings, period)
        if item is not None and item.final_price is not None:
            _raise_final_price(control_url, item, item.final_price)
        return {"month_close_period": str(period)}
    billing_sync_import_period(settings=settings, period=period)
    item = _repriced_line(settings, period)
    if item is not None:
        _raise_final_price(control_url, item, item.sell_price + PRICE_RAISE)
    run = reconciliation_run_period(settings=settings, period=period)
    logger.info("Demo month %s imported and reconciled: %s", period, "; ".join(run.outcome.get("operator_summary", [])))
    return {"month_close_period": str(period)}
