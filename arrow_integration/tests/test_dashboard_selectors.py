"""Selectors behind the dashboard's overview: the month's bill against what was invoiced, and the
warnings an operator must act on, from real runs against the emulator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F, Sum

from arrow_client.periods import Period
from arrow_integration.choices import ARROW_INVOICE_ITEM_SOURCES, PriceSource, SyncRunKind, SyncRunState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowCustomerMapping, ArrowSyncRun
from arrow_integration.selectors.attention import (
    failed_runs_unresolved,
    operator_warnings,
    settings_with_refused_key,
    unmapped_customers_with_charges,
)
from arrow_integration.selectors.billed_vs_invoiced import months_billed_vs_invoiced
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.services.runs.pause import scheduled_syncs_pause
from arrow_integration.tests.billing_support import BALTIC, NORDIC
from arrow_integration.tests.periods import after_validation_of, current_period, early_in_current_month, previous_period
from core.models import InvoiceItem

pytestmark = pytest.mark.django_db
FINAL_PRICE_CHANGE = Decimal("7.77")


def _import(settings, period: Period | None = None, **kwargs) -> ArrowSyncRun:
    return billing_sync_import_period(settings=settings, period=period or previous_period(),
                                      today=early_in_current_month(), **kwargs)


def _month(rows, period: Period):
    found = [row for row in rows if row.period == period]
    assert len(found) == 1
    return found[0]


def _invoiced_in_table(period: Period) -> Decimal:
    items = InvoiceItem.objects.filter(details__source__in=ARROW_INVOICE_ITEM_SOURCES, details__period=str(period))
    return items.aggregate(total=Sum(F("unit_price") * F("quantity")))["total"]


def test_month_bill_and_invoiced_match_the_tables_and_follow_compensations(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    _import(billing_settings, period)
    rows = months_billed_vs_invoiced(last=current_period())

    assert [row.period for row in rows] == list(Period.range(current_period().shift(-11), current_period()))
    month = _month(rows, period)
    syncs = ArrowBillingSync.objects.filter(report_period=period.first_day)
    assert month.arrow_bill == syncs.aggregate(total=Sum("sell_total"))["total"] > 0
    assert month.arrow_buy == syncs.aggregate(total=Sum("buy_total"))["total"]
    assert month.invoiced == _invoiced_in_table(period) == month.arrow_bill
    assert month.currency == syncs.first().currency != ""
    assert month.billing_syncs == len(mapped) and month.difference == 0
    assert all(row.arrow_bill == row.invoiced == 0 for row in rows if row.period != period)

    # Arrow's final bill of one line is higher: the compensation sits on the current month's
    # invoice, records no currency, and still counts for the month it corrects.
    item = ArrowBillingSyncItem.objects.filter(billing_sync__report_period=period.first_day).order_by("id").first()
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.sell_price + FINAL_PRICE_CHANGE,
                                          buy=item.buy_price)
    today = after_validation_of(period)
    arrow_emulator.control.set_today(today)
    reconciliation_run_period(settings=billing_settings, period=period, today=today)
    compensation = InvoiceItem.objects.get(details__source="arrow_compensation")
    assert compensation.invoice.period != period.first_day and "currency" not in compensation.details

    month = _month(months_billed_vs_invoiced(last=current_period()), period)
    assert month.invoiced == _invoiced_in_table(period)
    assert month.invoiced == month.arrow_bill  # the bill was refreshed by the same reconciliation
    assert compensation.unit_price == FINAL_PRICE_CHANGE


def test_month_bill_is_in_the_settings_price_source(billing_settings, mapped):
    billing_settings.invoice_price_source = PriceSource.BUY
    billing_settings.save()
    period = previous_period()
    _import(billing_settings, period)

    month = _month(months_billed_vs_invoiced(last=current_period()), period)
    assert month.arrow_bill == month.arrow_buy == month.invoiced > 0


def test_unmapped_customers_come_from_the_latest_whole_month_import(billing_settings, mapped):
    reported = _import(billing_settings).outcome["unmapped_customers"]
    assert reported, "the emulator's demo seed has customers without a local match"

    found = unmapped_customers_with_charges(since=previous_period())
    assert {entry.customer: entry.lines for entry in found} == reported
    assert all(entry.periods == (previous_period(),) for entry in found)

    # A one-license import reads no other customer's lines: it does not hide the warning.
    _import(billing_settings, license_reference="XSP5000101")
    assert {entry.customer for entry in unmapped_customers_with_charges(since=previous_period())} == set(reported)

    # Mapped since: gone at once, before any new run.
    newly_mapped = next(iter(reported))
    ArrowCustomerMapping.objects.create(settings=billing_settings, arrow_reference=newly_mapped,
                                        waldur_customer=mapped[NORDIC].waldur_customer)
    remaining = {entry.customer for entry in unmapped_customers_with_charges(since=previous_period())}
    assert remaining == set(reported) - {newly_mapped}
    # Months before ``since`` are not read.
    assert unmapped_customers_with_charges(since=current_period()) == []


def test_refused_key_is_recognised_from_the_run_arrow_failed(billing_settings, mapped, arrow_emulator):
    billing_settings.api_key = "not-the-emulator-key"
    billing_settings.save()
    returned = _import(billing_settings)

    run = ArrowSyncRun.objects.get(kind=SyncRunKind.BILLING)
    assert run == returned and run.state == SyncRunState.FAILED and "401" in run.error_message
    refused = settings_with_refused_key()
    assert [(entry.settings, entry.run) for entry in refused] == [(billing_settings, run)]
    assert failed_runs_unresolved().get() == run

    # The right key again: the next run succeeds, and neither warning stays.
    billing_settings.api_key = arrow_emulator.api_key
    billing_settings.save()
    _import(billing_settings)
    assert settings_with_refused_key() == []
    assert not failed_runs_unresolved().exists()


def test_a_failure_other_than_the_key_is_not_a_refused_key(billing_settings, mapped):
    billing_settings.export_type_reference = ""
    billing_settings.save()
    _import(billing_settings)

    assert ArrowSyncRun.objects.get().state == SyncRunState.FAILED
    assert settings_with_refused_key() == []
    assert failed_runs_unresolved().count() == 1


def test_failed_runs_stay_until_a_later_run_of_the_same_scope_succeeds(billing_settings):
    def run(kind, period, state):
        return ArrowSyncRun.objects.create(settings=billing_settings, kind=kind, state=state,
                                           period=period.first_day if period else None)

    january, february = Period(2025, 1), Period(2025, 2)
    fixed = run(SyncRunKind.BILLING, january, SyncRunState.FAILED)
    run(SyncRunKind.BILLING, january, SyncRunState.SUCCEEDED)
    other_month = run(SyncRunKind.BILLING, february, SyncRunState.FAILED)
    run(SyncRunKind.RECONCILIATION, february, SyncRunState.SUCCEEDED)  # another kind fixes nothing
    without_period = run(SyncRunKind.RESOURCES, None, SyncRunState.FAILED)
    failed_again = run(SyncRunKind.BILLING, january, SyncRunState.FAILED)

    assert set(failed_runs_unresolved()) == {other_month, without_period, failed_again}
    run(SyncRunKind.RESOURCES, None, SyncRunState.SUCCEEDED)
    assert set(failed_runs_unresolved()) == {other_month, failed_again}
    assert fixed not in failed_runs_unresolved()


def test_paused_syncs_and_a_constant_number_of_queries(billing_settings, mapped, django_assert_num_queries):
    _import(billing_settings)
    scheduled_syncs_pause(settings_uuid=billing_settings.uuid, pause_global=True)
    billing_settings.refresh_from_db()

    with django_assert_num_queries(8):
        warnings = operator_warnings(since=previous_period())
    assert warnings.global_pause is not None and warnings.global_pause.scheduled_syncs_paused
    assert warnings.paused_settings == [billing_settings]
    assert warnings.count == 2 + len(warnings.unmapped_customers)
    assert {entry.customer for entry in warnings.unmapped_customers} >= {"XSP100004"}
    assert BALTIC not in {entry.customer for entry in warnings.unmapped_customers}
