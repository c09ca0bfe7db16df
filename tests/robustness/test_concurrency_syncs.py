"""Two workers syncing the same settings and month at once: no duplicate row, exact totals.

Each "worker" is a thread with its own database connection that calls the service a Celery task
calls (`billing_sync_import_period`, `consumption_sync_period`); a barrier releases them together
and the emulator answers slowly, so the two runs really do overlap. The per-(settings, period)
run lock (PostgreSQL advisory lock, `services.sync_lock`) must serialise them: the billing runs do
not interleave, one run writes everything and the other finds nothing to do, and what is charged
matches Arrow line by line. A billing import and a consumption sync of the same month at once
charge each license-month through one path only (SPEC 6.4), whichever of them takes the lock first.
PostgreSQL only: on SQLite, pytest-django's in-memory test database cannot be shared by two
connections (CI runs this suite again on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.utils import timezone

from arrow_client import Period
from arrow_emulator.seeds import LICENSES, PRODUCTS
from arrow_emulator.state import EXPORT_PAGE_SIZE
from arrow_integration.choices import SyncRunKind, SyncRunState
from arrow_integration.models import ArrowBillingSync, ArrowConsumptionRecord, ArrowSettings, ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from tests.robustness.support import (
    all_customers_map,
    billed_amount_by_line,
    consumption_sell_by_license,
    emulator_settings_create,
    export_lines,
    iaas_licenses,
    licenses_link,
    provisional_items_by_license,
    run_at_once,
    sync_item_references,
)

pytestmark = pytest.mark.django_db(transaction=True)

SCALE_LINES = 3000  # export lines per month: three pages
SCALE_LICENSES = 100  # licenses in the listing, each with consumption
SLOW_ANSWER_SECONDS = 0.3
CONSUMPTION_CONCURRENCY = 8
SCALED_LICENSE_PREFIX = "XSP9"  # licenses added by the scale knob
LOCK_WAIT_SECONDS = 30
# Demo licenses that are not IAAS (no consumption) are left out of the consumption sync.
IAAS_FREE_DEMO_LICENSES = [seed.reference for seed in LICENSES if not PRODUCTS[seed.product_key].is_iaas]


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("two connections cannot share pytest-django's in-memory SQLite database; "
                    "CI runs this on PostgreSQL (DATABASE_URL)")


@pytest.fixture
def previous_period() -> Period:
    return Period.from_date(timezone.now().date()).previous()


@pytest.fixture
def scaled_emulator(arrow_emulator, previous_period):
    """Emulator with a few thousand lines a month, early in the current month (previous month billed)."""
    arrow_emulator.control.reset(scale_lines=SCALE_LINES, scale_licenses=SCALE_LICENSES,
                                 today=previous_period.next().first_day + dt.timedelta(days=1))
    return arrow_emulator


def run_lock_wait_until_taken() -> None:
    """Return once some connection holds a run lock (an advisory lock), so the caller comes second."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the first run never took its lock")


def settings_again(pk: int) -> ArrowSettings:
    """The settings row as a separate worker loads it."""
    return ArrowSettings.objects.get(pk=pk)


def test_two_billing_imports_of_the_same_month_charge_every_line_once(scaled_emulator, previous_period):
    arrow_settings = emulator_settings_create(scaled_emulator)
    mappings = all_customers_map(arrow_settings)
    expected = {line.line_reference: line.sell_total for line in export_lines(arrow_settings, previous_period)}
    scaled_emulator.control.inject_fault("billing/erp/exports/sync", latency=SLOW_ANSWER_SECONDS)

    runs = run_at_once(
        *[lambda: billing_sync_import_period(settings=settings_again(arrow_settings.pk), period=previous_period)] * 2
    )

    assert not [run for run in runs if isinstance(run, BaseException)], runs
    outcomes = [run.outcome for run in runs]
    assert sorted(outcome["items_created"] for outcome in outcomes) == [0, len(expected)]
    assert [outcome["failures"] for outcome in outcomes] == [{}, {}]
    assert len(expected) > 2 * EXPORT_PAGE_SIZE  # several pages
    assert max(sync_item_references().values()) == 1
    assert billed_amount_by_line() == expected
    assert ArrowBillingSync.objects.count() == len(mappings)
    first, second = ArrowSyncRun.objects.filter(kind=SyncRunKind.BILLING).order_by("created")
    assert first.state == second.state == SyncRunState.SUCCEEDED
    assert second.created >= first.finished_at, "the two runs interleaved"


def test_two_consumption_syncs_of_the_same_month_write_each_record_and_item_once(scaled_emulator, previous_period,
                                                                                   settings):
    settings.ARROW_CONSUMPTION_CONCURRENCY = CONSUMPTION_CONCURRENCY
    arrow_settings = emulator_settings_create(scaled_emulator)
    licenses = iaas_licenses(arrow_settings)
    resources = licenses_link(all_customers_map(arrow_settings), licenses)
    expected = consumption_sell_by_license(arrow_settings, licenses, previous_period)
    charged = {reference for reference, amount in expected.items() if amount}
    scaled_emulator.control.inject_fault("consumption/monthly/license", latency=SLOW_ANSWER_SECONDS / 10)

    runs = run_at_once(
        *[lambda: consumption_sync_period(settings=settings_again(arrow_settings.pk), period=previous_period)] * 2
    )

    assert not [run for run in runs if isinstance(run, BaseException)], runs
    assert [run.state for run in runs] == [SyncRunState.SUCCEEDED] * 2, [run.error_message for run in runs]
    assert sorted(run.outcome["records_created"] for run in runs) == [0, len(resources)]
    assert sorted(run.outcome["items_created"] for run in runs) == [0, len(charged)]
    records = ArrowConsumptionRecord.objects.filter(billing_period=previous_period.first_day)
    assert {record.license_reference: record.consumed_sell for record in records} == expected
    assert len(expected) >= SCALE_LICENSES - len(IAAS_FREE_DEMO_LICENSES)
    assert provisional_items_by_license() == dict.fromkeys(charged, 1)


@pytest.mark.parametrize("first", ["billing", "consumption"])
def test_billing_import_and_consumption_sync_at_once_charge_each_license_month_through_one_path(
    scaled_emulator, previous_period, first
):
    arrow_settings = emulator_settings_create(scaled_emulator)
    linked = {reference: customer for reference, customer in iaas_licenses(arrow_settings).items()
              if not reference.startswith(SCALED_LICENSE_PREFIX)}
    licenses_link(all_customers_map(arrow_settings), linked)
    lines = export_lines(arrow_settings, previous_period)
    for endpoint in ("billing/erp/exports/sync", "consumption/monthly/license"):
        scaled_emulator.control.inject_fault(endpoint, latency=SLOW_ANSWER_SECONDS)

    def billing():
        if first != "billing":
            run_lock_wait_until_taken()
        return billing_sync_import_period(settings=settings_again(arrow_settings.pk), period=previous_period).outcome

    def consumption():
        if first != "consumption":
            run_lock_wait_until_taken()
        return consumption_sync_period(settings=settings_again(arrow_settings.pk), period=previous_period)

    results = run_at_once(billing, consumption)

    assert not [result for result in results if isinstance(result, BaseException)], results
    assert max(sync_item_references().values()) == 1 and sum(sync_item_references().values()) == len(lines)
    billed = billed_amount_by_line()
    provisional = provisional_items_by_license()
    for reference in linked:
        license_lines = [line.line_reference for line in lines if line.license_reference == reference]
        if not license_lines:
            continue
        # (provisional items, lines charged by the statement): consumption's item, or every line.
        paths = (provisional.get(reference, 0), len([line for line in license_lines if line in billed]))
        assert paths == ((1, 0) if first == "consumption" else (0, len(license_lines))), f"{reference}: {paths}"
    unlinked_lines = {line.line_reference: line.sell_total for line in lines if line.license_reference not in linked}
    assert {reference: billed[reference] for reference in unlinked_lines} == unlinked_lines
