"""A full monthly cycle under Arrow faults ends with the same invoices as without them.

The cycle, as the scheduled tasks run it (same services): consumption sync mid-month and again
after the month's end, import of the billing export, the month's invoices issued, the emulator's
clock moved on until Arrow validated the month, then statement and consumption reconciliation.
All six Arrow customers are mapped; four licenses are tracked by consumption, the rest is
charged by the statement.

The cycle runs first against a healthy emulator (inside a savepoint that is rolled back
afterwards), then with faults on the export and consumption endpoints at a steady rate: 429 with
a Retry-After, 500 and 503, slow answers and answers slower than the client's timeout. The client
retries enough to absorb them. Both runs must leave identical invoice totals per customer and
month, equal to Arrow's final billing, and no run may report an error.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from arrow_client import Period
from arrow_emulator.seeds import CUSTOMERS
from arrow_integration.choices import BillingSyncState, SyncRunState
from arrow_integration.models import ArrowBillingSync, ArrowSettings, ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.services.consumption.reconciliation import consumption_reconciliation_run_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from core.models import Invoice
from core.services.invoices import invoice_issue
from tests.robustness.support import (
    all_customers_map,
    emulator_settings_create,
    export_lines,
    invoice_totals,
    licenses_link,
)

pytestmark = pytest.mark.django_db

# Licenses followed by consumption tracking (final price differs from consumption for three of them).
TRACKED_LICENSES = {"XSP5000101": "XSP100001", "XSP5000102": "XSP100001", "XSP5000302": "XSP100003",
                    "XSP5000502": "XSP100005"}
EXPORT_ENDPOINT = "billing/erp/exports/sync"
CONSUMPTION_ENDPOINT = "consumption/monthly/license"
CLIENT_TIMEOUT_SECONDS = 1.0
CLIENT_MAX_RETRIES = 12
# The first requests meet each kind of failure once (so every kind surely occurs; the consumption
# requests run in parallel, so their retries overlap)...
FAULTS_ONCE = (
    (EXPORT_ENDPOINT, {"status": 429, "retry_after": 1, "count": 1}),
    (CONSUMPTION_ENDPOINT, {"status": 500, "count": 1}),
    (CONSUMPTION_ENDPOINT, {"status": 503, "count": 1}),
    (CONSUMPTION_ENDPOINT, {"latency": CLIENT_TIMEOUT_SECONDS + 0.5, "count": 1}),  # times out, retried
)
# ...then both endpoints fail at a steady rate; checked in this order, each fires with its probability.
STEADY_FAULTS = (
    {"status": 429, "probability": 0.08, "retry_after": 1},
    {"status": 503, "probability": 0.06},
    {"status": 500, "probability": 0.06},
    {"latency": CLIENT_TIMEOUT_SECONDS + 0.5, "probability": 0.03},
    {"latency": 0.2, "probability": 0.2},  # slow, but in time
)


def faults_inject(emulator) -> None:
    for endpoint, fault in FAULTS_ONCE:
        emulator.control.inject_fault(endpoint, **fault)
    for endpoint in (EXPORT_ENDPOINT, CONSUMPTION_ENDPOINT):
        for fault in STEADY_FAULTS:
            emulator.control.inject_fault(endpoint, **fault)


@pytest.fixture
def cycle_settings(arrow_emulator, settings) -> ArrowSettings:
    settings.ARROW_HTTP_TIMEOUT = CLIENT_TIMEOUT_SECONDS
    settings.ARROW_HTTP_MAX_RETRIES = CLIENT_MAX_RETRIES
    arrow_settings = emulator_settings_create(arrow_emulator)
    licenses_link(all_customers_map(arrow_settings), TRACKED_LICENSES)
    return arrow_settings


def monthly_cycle(emulator, arrow_settings: ArrowSettings, period: Period) -> dict[tuple[str, str], Decimal]:
    """Run the month's cycle; invoice totals by (customer, invoice month) at its end."""
    emulator.control.set_today(period.first_day.replace(day=15))
    consumption_sync_period(settings=arrow_settings, period=period)
    emulator.control.set_today(period.next().first_day + dt.timedelta(days=1))
    consumption_sync_period(settings=arrow_settings, period=period)
    billing_sync_import_period(settings=arrow_settings, period=period)
    for invoice in Invoice.objects.filter(period=period.first_day, state=Invoice.State.PENDING):
        invoice_issue(invoice=invoice)
    emulator.control.set_today(period.next().first_day + dt.timedelta(days=20))
    reconciliation_run_period(settings=arrow_settings, period=period)
    consumption_reconciliation_run_period(settings=arrow_settings, period=period)
    assert not ArrowSyncRun.objects.exclude(state=SyncRunState.SUCCEEDED).exists(), list(
        ArrowSyncRun.objects.exclude(state=SyncRunState.SUCCEEDED).values_list("kind", "error_message"))
    assert set(ArrowBillingSync.objects.values_list("state", flat=True)) == {BillingSyncState.RECONCILED}
    return invoice_totals()


def final_billing_by_customer(arrow_settings: ArrowSettings, period: Period) -> dict[str, Decimal]:
    """Arrow's final (validated) sell total of the month, by local customer name."""
    names = {seed.reference: seed.company_name for seed in CUSTOMERS}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in export_lines(arrow_settings, period):
        totals[names[line.customer_reference]] += line.sell_total
    return dict(totals)


def by_customer(totals: dict[tuple[str, str], Decimal]) -> dict[str, Decimal]:
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for (customer, _), amount in totals.items():
        summed[customer] += amount
    return dict(summed)


def test_monthly_cycle_under_faults_ends_with_the_same_invoice_totals(arrow_emulator, cycle_settings):
    period = Period.from_date(timezone.now().date()).previous()
    with transaction.atomic():
        healthy = monthly_cycle(arrow_emulator, cycle_settings, period)
        final = final_billing_by_customer(cycle_settings, period)
        transaction.set_rollback(True)
    arrow_emulator.control.reset()
    faults_inject(arrow_emulator)

    faulted = monthly_cycle(arrow_emulator, cycle_settings, period)

    fired = [fault["fired"] for fault in arrow_emulator.control.faults()]
    assert fired[:len(FAULTS_ONCE)] == [1] * len(FAULTS_ONCE) and sum(fired[len(FAULTS_ONCE):]) > 0
    assert by_customer(healthy) == final
    assert faulted == healthy
