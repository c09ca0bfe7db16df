"""Arrow failing in the middle of an export: nothing of the month is written, the reason is kept,
the state stays, and the next good run completes the month."""

import pytest

from arrow_client import ArrowUnavailable
from arrow_integration.choices import BillingSyncState, SyncRunState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.services.runs import period_job as period_job_module
from arrow_integration.tests.billing_support import PRODUCTION_LICENSE, export_lines
from arrow_integration.tests.periods import after_validation_of, early_in_current_month, previous_period
from core.models import Invoice, InvoiceItem

pytestmark = pytest.mark.django_db
EXPORT_ENDPOINT = "billing/erp/exports/sync"
SMALL_PAGE = 4


@pytest.fixture
def paged_export(arrow_emulator, settings):
    """Export pages of a few rows (the month spans several pages) and one quick retry per call."""
    arrow_emulator.control.reset("demo", today=early_in_current_month(), export_page_size=SMALL_PAGE)
    settings.ARROW_HTTP_MAX_RETRIES = 1
    return arrow_emulator


def fail_export_after_first_page(monkeypatch, emulator) -> None:
    """Make Arrow answer 500 to every export call once the first page has been received."""
    report_progress = period_job_module.sync_run_progress

    def progress_then_fault(run, *, done, total=None):
        report_progress(run, done=done, total=total)
        if done == 1 and not emulator.control.faults():
            emulator.control.inject_fault(EXPORT_ENDPOINT, status=500)

    monkeypatch.setattr(period_job_module, "sync_run_progress", progress_then_fault)


def test_permanent_500_mid_export_writes_nothing_then_the_next_run_completes(
    billing_settings, mapped, paged_export, monkeypatch
):
    period = previous_period()
    lines = [line for line in export_lines(billing_settings, period) if line.customer_reference in mapped]
    assert len(lines) > SMALL_PAGE  # the mapped lines alone span more than one page
    fail_export_after_first_page(monkeypatch, paged_export)

    with pytest.raises(ArrowUnavailable):
        billing_sync_import_period(settings=billing_settings, period=period)

    # A failed import writes nothing for the month: no item, and no sync or (empty) invoice
    # created just to hold the error, which the run records.
    assert not ArrowBillingSyncItem.objects.exists() and not InvoiceItem.objects.exists()
    assert not ArrowBillingSync.objects.exists() and not Invoice.objects.exists()
    run = ArrowSyncRun.objects.get()
    assert run.state == SyncRunState.FAILED and "HTTP 500" in run.error_message and run.progress_done == 1

    monkeypatch.undo()
    paged_export.control.clear_faults()
    billing_sync_import_period(settings=billing_settings, period=period)

    assert ArrowBillingSyncItem.objects.count() == len(lines) == InvoiceItem.objects.count()
    for sync in ArrowBillingSync.objects.all():
        assert sync.state == BillingSyncState.SYNCED and sync.error_message == ""


def month_tables() -> dict:
    """Every row of the invoice and billing sync tables (error messages of syncs aside)."""
    return {
        "invoices": list(Invoice.objects.order_by("id").values_list("id", "customer_id", "period", "state",
                                                                    "modified")),
        "invoice_items": list(InvoiceItem.objects.order_by("id").values_list("id", "invoice_id", "unit_price",
                                                                             "modified")),
        "syncs": list(ArrowBillingSync.objects.order_by("id").values_list("id", "customer_mapping_id", "report_period",
                                                                          "state", "sell_total")),
        "items": list(ArrowBillingSyncItem.objects.order_by("id").values_list("id", "billing_sync_id", "modified")),
    }


def test_a_failed_import_writes_nothing_for_the_month(billing_settings, mapped, paged_export, monkeypatch):
    """Only Nordic's month was imported before: the failed run adds no sync and no (empty)
    invoice for the others, changes nothing of Nordic's, and records its error on the run and
    on the sync that exists."""
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period, license_reference=PRODUCTION_LICENSE)
    before = month_tables()
    assert len(before["syncs"]) == 1 and len(before["invoices"]) == 1
    fail_export_after_first_page(monkeypatch, paged_export)

    with pytest.raises(ArrowUnavailable):
        billing_sync_import_period(settings=billing_settings, period=period)

    assert month_tables() == before
    assert "HTTP 500" in ArrowBillingSync.objects.get().error_message
    run = ArrowSyncRun.objects.order_by("created", "id").last()
    assert run.state == SyncRunState.FAILED and "HTTP 500" in run.error_message


def test_failed_reimport_keeps_the_synced_state_and_the_items(billing_settings, mapped, paged_export, monkeypatch):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    items_before = list(InvoiceItem.objects.order_by("id").values_list("id", "unit_price", "modified"))
    fail_export_after_first_page(monkeypatch, paged_export)

    with pytest.raises(ArrowUnavailable):
        billing_sync_import_period(settings=billing_settings, period=period)

    assert list(InvoiceItem.objects.order_by("id").values_list("id", "unit_price", "modified")) == items_before
    for sync in ArrowBillingSync.objects.all():
        assert sync.state == BillingSyncState.SYNCED and "failed" in sync.error_message


def test_reconciliation_during_an_outage_changes_no_state(billing_settings, mapped, paged_export):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    paged_export.control.set_today(after_validation_of(period))
    paged_export.control.inject_fault(EXPORT_ENDPOINT, status=503)

    with pytest.raises(ArrowUnavailable):
        reconciliation_run_period(settings=billing_settings, period=period)

    for sync in ArrowBillingSync.objects.all():
        assert sync.state == BillingSyncState.SYNCED and "HTTP 503" in sync.error_message
    assert not InvoiceItem.objects.filter(details__source="arrow_compensation").exists()

    paged_export.control.clear_faults()
    outcome = reconciliation_run_period(settings=billing_settings, period=period).outcome
    assert set(outcome["reconciled"]) == set(mapped)
    assert set(ArrowBillingSync.objects.values_list("error_message", flat=True)) == {""}


def test_rejected_key_is_recorded_without_retry(billing_settings, mapped):
    billing_settings.api_key = "wrong-key"
    billing_settings.save()

    returned = billing_sync_import_period(settings=billing_settings, period=previous_period())

    assert returned.error_message and not ArrowBillingSync.objects.exists() and not Invoice.objects.exists()
    run = ArrowSyncRun.objects.get()
    assert run == returned and run.state == SyncRunState.FAILED and "401" in run.error_message


def test_settings_without_export_type_fail_clearly(billing_settings, mapped):
    billing_settings.export_type_reference = ""
    billing_settings.save()

    run = billing_sync_import_period(settings=billing_settings, period=previous_period())

    assert "export type" in run.error_message
    assert ArrowSyncRun.objects.get().state == SyncRunState.FAILED
