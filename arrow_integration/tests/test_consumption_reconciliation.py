"""Consumption reconciliation against the emulator: finalize, compensate once, one path per license-month."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from arrow_client import ArrowUnavailable
from arrow_integration.choices import COMPENSATION_THRESHOLD, SyncRunKind, SyncRunState
from arrow_integration.models import ArrowBillingSyncItem, ArrowConsumptionRecord, ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.consumption.reconciliation import consumption_reconciliation_run_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.consumption_support import PRODUCTION_LICENSE, record_of
from arrow_integration.tests.periods import current_period
from core.models import InvoiceItem
from core.services.invoices import invoice_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_period():
    return current_period().previous()


@pytest.fixture
def synced_mid_month(arrow_emulator, arrow_settings, nordic_resources, closed_period):
    """Consumption of a closed month synced while it was still running (mid-month for the emulator)."""
    arrow_emulator.control.set_today(closed_period.first_day.replace(day=15))
    consumption_sync_period(settings=arrow_settings, period=closed_period)
    return closed_period


def validate_in_emulator(emulator, period):
    emulator.control.set_today(period.next().first_day + dt.timedelta(days=20))


def final_by_license(emulator, period) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in emulator.control.lines(period):
        reference = line["ARS Subscription ID"]
        totals[reference] = totals.get(reference, Decimal(0)) + Decimal(line["Customer Total Price"])
    return totals


def arrow_items_total(resource) -> Decimal:
    return InvoiceItem.objects.filter(resource=resource).aggregate(total=Sum("unit_price"))["total"] or Decimal(0)


def test_unvalidated_period_is_not_finalized(arrow_settings, synced_mid_month):
    run = consumption_reconciliation_run_period(settings=arrow_settings, period=synced_mid_month)

    assert run.outcome["validated"] is False and run.outcome["records_finalized"] == 0
    assert not ArrowConsumptionRecord.objects.filter(finalized_at__isnull=False).exists()


def test_current_month_is_never_finalized_even_forced(arrow_settings, nordic_resources):
    consumption_sync_period(settings=arrow_settings, period=current_period())

    run = consumption_reconciliation_run_period(settings=arrow_settings, period=current_period(), force=True)

    assert run.outcome["records_finalized"] == 0 and "not ended" in run.outcome["reason"]
    assert not ArrowConsumptionRecord.objects.filter(finalized_at__isnull=False).exists()


def test_validated_period_gets_one_compensation_per_difference(arrow_emulator, arrow_settings, nordic_resources,
                                                               synced_mid_month):
    period = synced_mid_month
    validate_in_emulator(arrow_emulator, period)
    finals = final_by_license(arrow_emulator, period)

    run = consumption_reconciliation_run_period(settings=arrow_settings, period=period)

    assert run.state == SyncRunState.SUCCEEDED, run.error_message
    assert run.outcome["validated"] is True and run.outcome["records_finalized"] == 3
    for resource in nordic_resources:
        record = record_of(resource, period)
        final = finals[resource.backend_id]
        assert record.final_sell == final and record.is_finalized and record.is_reconciled
        assert record.compensation_item.unit_price == final - record.consumed_sell
        assert record.adjustment_amount("sell") == record.compensation_item.unit_price
        assert record.compensation_item.invoice.period == current_period().first_day
        assert arrow_items_total(resource) == final


def test_reconciliation_again_creates_nothing(arrow_emulator, arrow_settings, synced_mid_month):
    validate_in_emulator(arrow_emulator, synced_mid_month)
    consumption_reconciliation_run_period(settings=arrow_settings, period=synced_mid_month)
    items = InvoiceItem.objects.count()

    run = consumption_reconciliation_run_period(settings=arrow_settings, period=synced_mid_month)

    assert run.outcome["records_reconciled"] == 0 and run.outcome["compensations_created"] == 0
    assert InvoiceItem.objects.count() == items


def test_only_a_changed_final_price_is_compensated(arrow_emulator, arrow_settings, nordic_resources, synced_mid_month):
    """After a full-month consumption sync, only XSP5000101 (+2 % in the final bill) differs."""
    period = synced_mid_month
    validate_in_emulator(arrow_emulator, period)
    consumption_sync_period(settings=arrow_settings, period=period)

    run = consumption_reconciliation_run_period(settings=arrow_settings, period=period)

    assert run.outcome["compensations_created"] == 1
    record = record_of(nordic_resources[0], period)
    assert record.license_reference == PRODUCTION_LICENSE
    assert record.compensation_item.unit_price == final_by_license(arrow_emulator, period)[PRODUCTION_LICENSE] - \
        record.consumed_sell
    assert all(record_of(resource, period).compensation_item is None for resource in nordic_resources[1:])


def test_finalized_record_is_not_changed_by_a_later_sync(arrow_emulator, arrow_settings, production_resource,
                                                        synced_mid_month):
    validate_in_emulator(arrow_emulator, synced_mid_month)
    consumption_reconciliation_run_period(settings=arrow_settings, period=synced_mid_month)
    before = record_of(production_resource, synced_mid_month)
    arrow_emulator.control.set_consumption(PRODUCTION_LICENSE, synced_mid_month, sell="1.00", buy="1.00")

    run = consumption_sync_period(settings=arrow_settings, period=synced_mid_month)

    after = record_of(production_resource, synced_mid_month)
    assert run.outcome["finalized_skipped"] == 3 and run.outcome["items_updated"] == 0
    assert (after.consumed_sell, after.final_sell, after.invoice_item.unit_price, after.modified) == (
        before.consumed_sell, before.final_sell, before.invoice_item.unit_price, before.modified)


def test_force_finalizes_an_unvalidated_past_period(arrow_settings, synced_mid_month):
    run = consumption_reconciliation_run_period(settings=arrow_settings, period=synced_mid_month, force=True)

    assert run.outcome["validated"] is False and run.outcome["records_finalized"] == 3


def test_compensation_lands_on_the_current_pending_invoice_when_the_month_is_issued(
    arrow_emulator, arrow_settings, production_resource, synced_mid_month
):
    provisional = record_of(production_resource, synced_mid_month).invoice_item
    invoice_issue(invoice=provisional.invoice)
    validate_in_emulator(arrow_emulator, synced_mid_month)

    consumption_reconciliation_run_period(settings=arrow_settings, period=synced_mid_month)

    record = record_of(production_resource, synced_mid_month)
    assert record.invoice_item.unit_price == provisional.unit_price
    assert record.compensation_item.invoice.is_pending
    assert record.compensation_item.invoice.period == current_period().first_day


def test_full_cycle_every_license_month_is_charged_once_to_the_cent(arrow_emulator, arrow_settings, nordic_resources,
                                                                    synced_mid_month):
    """consumption sync → billing import → Arrow validates with changed prices → reconciliation."""
    period = synced_mid_month
    billing_sync_import_period(settings=arrow_settings, period=period)
    linked = ArrowBillingSyncItem.objects.filter(license_reference__in=[r.backend_id for r in nordic_resources])
    assert linked.exists() and all(item.charged_by_consumption for item in linked)
    validate_in_emulator(arrow_emulator, period)
    first_line = next(line for line in arrow_emulator.control.lines(period)
                      if line["ARS Subscription ID"] == PRODUCTION_LICENSE)
    arrow_emulator.control.set_line_price(first_line["Sequence"], sell="1000.00", buy="900.00")
    finals = final_by_license(arrow_emulator, period)

    consumption_reconciliation_run_period(settings=arrow_settings, period=period)

    for resource in nordic_resources:
        assert abs(arrow_items_total(resource) - finals[resource.backend_id]) < COMPENSATION_THRESHOLD
        assert InvoiceItem.objects.filter(resource=resource, details__source="arrow_consumption").count() == 1


def test_license_month_charged_by_the_statement_is_finalized_without_compensation(
    arrow_emulator, arrow_settings, production_resource
):
    """Billing import first: the statement charges the month, consumption only records it."""
    period = current_period().previous()
    validate_in_emulator(arrow_emulator, period)
    billing_sync_import_period(settings=arrow_settings, period=period)
    consumption_sync_period(settings=arrow_settings, period=period)
    record = record_of(production_resource, period)
    assert record.invoice_item is None

    run = consumption_reconciliation_run_period(settings=arrow_settings, period=period)

    record = record_of(production_resource, period)
    assert run.outcome["compensations_created"] == 0
    assert record.is_finalized and record.is_reconciled and record.compensation_item is None
    assert record.final_sell == final_by_license(arrow_emulator, period)[PRODUCTION_LICENSE]
    assert not InvoiceItem.objects.filter(details__source="arrow_consumption").exists()


def test_periodic_check_reconciles_the_previous_month_when_auto_reconcile_is_on(
    arrow_emulator, arrow_settings, synced_mid_month, django_capture_on_commit_callbacks
):
    from arrow_integration.tasks.consumption import consumption_reconciliation_check

    validate_in_emulator(arrow_emulator, synced_mid_month)
    assert consumption_reconciliation_check() == []
    arrow_settings.auto_reconcile = True
    arrow_settings.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert consumption_reconciliation_check() == [f"{arrow_settings.uuid}:{synced_mid_month}"]
    assert ArrowConsumptionRecord.objects.filter(reconciled_at__isnull=False).count() == 3


def test_arrow_failure_ends_the_run_failed_and_writes_nothing(arrow_emulator, arrow_settings, synced_mid_month,
                                                               settings):
    settings.ARROW_HTTP_MAX_RETRIES = 0
    validate_in_emulator(arrow_emulator, synced_mid_month)
    arrow_emulator.control.inject_fault("billing/erp/exports/sync", status=503)

    # Arrow unavailable: the run records the failure, then the error goes on to the task, which retries.
    with pytest.raises(ArrowUnavailable):
        consumption_reconciliation_run_period(settings=arrow_settings, period=synced_mid_month)

    run = ArrowSyncRun.objects.get(kind=SyncRunKind.CONSUMPTION_RECONCILIATION)
    assert run.state == SyncRunState.FAILED and run.outcome["retryable"] is True and "503" in run.error_message
    assert not ArrowConsumptionRecord.objects.filter(finalized_at__isnull=False).exists()
