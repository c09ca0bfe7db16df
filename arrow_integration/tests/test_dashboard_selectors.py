"""Selectors behind the dashboard's overview: each month's close (bill, invoiced, the customers
without a mapping) from the month-close report, and the warnings an operator must act on, from
real runs against the emulator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F, Sum

from arrow_client.periods import Period
from arrow_integration.choices import (
    ARROW_INVOICE_ITEM_SOURCES,
    PriceSource,
    SyncRunKind,
    SyncRunState,
    UnchargedReason,
)
from arrow_integration.dashboard.overview import unmapped_customers
from arrow_integration.models import ArrowBillingSyncItem, ArrowCustomerMapping, ArrowSyncRun, ArrowUnchargedLine
from arrow_integration.selectors.attention import failed_runs_unresolved, operator_warnings, settings_with_refused_key
from arrow_integration.selectors.month_close_summary import month_close_summaries, month_close_summary
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.services.runs.pause import scheduled_syncs_pause
from arrow_integration.tests.billing_support import NORDIC
from arrow_integration.tests.periods import after_validation_of, current_period, early_in_current_month, previous_period
from core.models import InvoiceItem

pytestmark = pytest.mark.django_db
FINAL_PRICE_CHANGE = Decimal("7.77")


def _import(settings, period: Period | None = None, **kwargs) -> ArrowSyncRun:
    return billing_sync_import_period(settings=settings, period=period or previous_period(),
                                      today=early_in_current_month(), **kwargs)


def _invoiced_in_table(period: Period) -> Decimal:
    items = InvoiceItem.objects.filter(details__source__in=ARROW_INVOICE_ITEM_SOURCES, details__period=str(period))
    return items.aggregate(total=Sum(F("unit_price") * F("quantity")))["total"]


def _in_tables(period: Period, price: str) -> tuple[Decimal, Decimal]:
    """Arrow's bill of ``period`` from the tables: the charged lines, and the unmapped customers' lines."""
    charged = ArrowBillingSyncItem.objects.filter(report_period=period.first_day, duplicate_of__isnull=True)
    unmapped = ArrowUnchargedLine.objects.filter(report_period=period.first_day,
                                                 reason=UnchargedReason.UNMAPPED_CUSTOMER)
    return (charged.aggregate(total=Sum(f"{price}_price"))["total"],
            unmapped.aggregate(total=Sum(f"{price}_price"))["total"])


def test_month_bill_and_invoiced_match_the_tables_and_follow_compensations(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    _import(billing_settings, period)
    summaries = month_close_summaries(last=current_period(), months=12)

    assert [summary.period for summary in summaries] == list(Period.range(current_period().shift(-11),
                                                                         current_period()))
    [total] = next(summary for summary in summaries if summary.period == period).totals
    charged, unmapped = _in_tables(period, "sell")
    assert charged > 0 and unmapped > 0
    assert total.arrow_in_scope == charged + unmapped and total.currency == "EUR"
    assert total.invoiced == _invoiced_in_table(period) == charged
    assert total.difference == unmapped  # the unmapped customers' lines, not invoiced
    assert all(summary.totals == [] and summary.status == "not_checked"
               for summary in summaries if summary.period != period)

    # Arrow's final bill of one line is higher: the compensation sits on the current month's
    # invoice and still counts for the month it corrects.
    item = ArrowBillingSyncItem.objects.filter(billing_sync__report_period=period.first_day).order_by("id").first()
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.sell_price + FINAL_PRICE_CHANGE,
                                          buy=item.buy_price)
    today = after_validation_of(period)
    arrow_emulator.control.set_today(today)
    reconciliation_run_period(settings=billing_settings, period=period, today=today)
    compensation = InvoiceItem.objects.get(details__source="arrow_compensation")
    assert compensation.invoice.period != period.first_day and compensation.unit_price == FINAL_PRICE_CHANGE

    [total] = month_close_summary(period).totals
    assert total.invoiced == _invoiced_in_table(period) == charged + FINAL_PRICE_CHANGE
    assert total.compensated == FINAL_PRICE_CHANGE and total.difference == unmapped


def test_month_bill_is_in_the_settings_price_source(billing_settings, mapped):
    billing_settings.invoice_price_source = PriceSource.BUY
    billing_settings.save()
    period = previous_period()
    _import(billing_settings, period)

    [total] = month_close_summary(period).totals
    charged, unmapped = _in_tables(period, "buy")
    assert total.arrow_in_scope == charged + unmapped and total.invoiced == charged > 0


def test_unmapped_customers_come_from_the_month_close_report(billing_settings, mapped):
    reported = _import(billing_settings).outcome["unmapped_customers"]
    assert reported, "the emulator's demo seed has customers without a local match"

    def found():
        summaries = month_close_summaries(last=current_period(), months=12)
        return {entry.reference: entry for entry in unmapped_customers(summaries, {})}

    unmapped = found()
    assert {reference: entry.lines for reference, entry in unmapped.items()} == reported
    assert all(entry.periods == [previous_period()] and entry.amount > 0 for entry in unmapped.values())
    _charged, in_tables = _in_tables(previous_period(), "sell")
    assert sum(entry.amount for entry in unmapped.values()) == in_tables

    # A one-license import reads no other customer's lines: it does not hide the warning.
    _import(billing_settings, license_reference="XSP5000101")
    assert set(found()) == set(reported)

    # Mapped since: gone at once, before any new run (its lines are now missing from the invoices).
    newly_mapped = next(iter(reported))
    ArrowCustomerMapping.objects.create(settings=billing_settings, arrow_reference=newly_mapped,
                                        waldur_customer=mapped[NORDIC].waldur_customer)
    assert set(found()) == set(reported) - {newly_mapped}


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

    with django_assert_num_queries(6):
        warnings = operator_warnings()
    assert warnings.global_pause is not None and warnings.global_pause.scheduled_syncs_paused
    assert warnings.paused_settings == [billing_settings]
    assert warnings.count == 2
