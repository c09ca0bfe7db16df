"""Validation and statement reconciliation against the emulator: Arrow validates a month and
changes final prices; reconciliation settles the differences on the current pending invoice."""

from decimal import Decimal

import pytest

from arrow_integration.choices import ArrowState, BillingSyncState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowConsumptionRecord
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.month_validation import (
    billing_sync_validate_if_complete,
    billing_validation_check_period,
)
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.tests.billing_support import (
    NORDIC,
    PRODUCTION_LICENSE,
    TARTU,
    export_lines,
    invoice_snapshot,
    invoiced_total,
)
from arrow_integration.tests.periods import after_validation_of, current_period, previous_period
from core.models import Invoice, InvoiceItem
from core.services.invoices import invoice_issue, invoice_item_create, period_bounds
from core.tests.factories import ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db
COMPENSATIONS = {"details__source": "arrow_compensation"}


@pytest.fixture
def imported_month(billing_settings, mapped):
    """The previous month imported while Arrow has not validated it yet."""
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    assert set(ArrowBillingSync.objects.values_list("state", flat=True)) == {BillingSyncState.SYNCED}
    return period


def tartu_item() -> ArrowBillingSyncItem:
    return ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping__arrow_reference=TARTU).order_by("id")[0]


def test_final_price_change_becomes_one_compensation_with_the_exact_difference(
    billing_settings, mapped, imported_month, arrow_emulator
):
    item = tartu_item()
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.original_price + Decimal("12.34"),
                                          buy=item.buy_price)
    arrow_emulator.control.set_today(after_validation_of(imported_month))

    outcome = reconciliation_run_period(settings=billing_settings, period=imported_month).outcome

    item.refresh_from_db()
    compensation = item.compensation_item
    assert compensation.total == Decimal("12.34") and InvoiceItem.objects.filter(**COMPENSATIONS).count() == 1
    assert compensation.invoice.is_pending and compensation.invoice.period == current_period().first_day
    assert "charge" in compensation.name and str(imported_month) in compensation.name
    assert compensation.details["line_reference"] == item.arrow_line_reference
    assert compensation.details["original_invoice_item_uuid"] == str(item.invoice_item.uuid)
    assert item.final_price == item.original_price + Decimal("12.34")
    assert set(ArrowBillingSync.objects.values_list("state", flat=True)) == {BillingSyncState.RECONCILED}
    assert outcome["compensations"] == 1 and Decimal(outcome["compensated_amount"]) == Decimal("12.34")
    for reference, mapping in mapped.items():
        final = sum(line.sell_total for line in export_lines(billing_settings, imported_month)
                    if line.customer_reference == reference)
        assert invoiced_total(mapping.waldur_customer) == final

    again = reconciliation_run_period(settings=billing_settings, period=imported_month).outcome
    forced = reconciliation_run_period(settings=billing_settings, period=imported_month, force=True).outcome
    assert InvoiceItem.objects.filter(**COMPENSATIONS).count() == 1
    assert again["already_reconciled"] and forced["compensations"] == 0


def test_issued_invoice_stays_untouched_and_the_credit_goes_to_the_open_one(
    billing_settings, mapped, imported_month, arrow_emulator
):
    item = tartu_item()
    invoice = item.invoice_item.invoice
    invoice_issue(invoice=invoice)
    issued = invoice_snapshot(invoice)
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.original_price - Decimal("0.50"),
                                          buy=item.buy_price)
    arrow_emulator.control.set_today(after_validation_of(imported_month))

    reconciliation_run_period(settings=billing_settings, period=imported_month)

    item.refresh_from_db()
    assert item.compensation_item.total == Decimal("-0.50") and "credit" in item.compensation_item.name
    assert item.compensation_item.invoice != invoice and item.compensation_item.invoice.is_pending
    assert invoice_snapshot(Invoice.objects.get(pk=invoice.pk)) == issued


def test_line_missing_from_the_final_export_is_reported_not_credited(
    billing_settings, mapped, imported_month, arrow_emulator
):
    item = tartu_item()
    arrow_emulator.control.remove_line(item.arrow_line_reference)
    arrow_emulator.control.set_today(after_validation_of(imported_month))

    outcome = reconciliation_run_period(settings=billing_settings, period=imported_month).outcome

    sync = item.billing_sync
    sync.refresh_from_db()
    assert sync.state == BillingSyncState.RECONCILED
    assert item.arrow_line_reference in sync.error_message and "not credited" in sync.error_message
    assert outcome["missing_lines"] == {TARTU: [item.arrow_line_reference]}
    assert not InvoiceItem.objects.filter(**COMPENSATIONS).exists()


def test_unvalidated_month_is_reconciled_only_when_forced(billing_settings, mapped, imported_month, arrow_emulator):
    item = tartu_item()
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.original_price + 1, buy=item.buy_price)

    outcome = reconciliation_run_period(settings=billing_settings, period=imported_month).outcome
    assert set(outcome["not_validated"]) == set(mapped) and not InvoiceItem.objects.filter(**COMPENSATIONS).exists()
    assert set(ArrowBillingSync.objects.values_list("state", flat=True)) == {BillingSyncState.SYNCED}

    forced = reconciliation_run_period(settings=billing_settings, period=imported_month, force=True).outcome
    assert set(forced["reconciled"]) == set(mapped) and forced["compensations"] == 1
    assert set(ArrowBillingSync.objects.values_list("state", flat=True)) == {BillingSyncState.RECONCILED}


def test_validation_check_validates_once_arrow_has_and_leaves_amounts_alone(
    billing_settings, mapped, imported_month, arrow_emulator
):
    item = tartu_item()
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell="1.00", buy="1.00")
    before = billing_validation_check_period(settings=billing_settings, period=imported_month).outcome
    assert before["validated"] == []

    arrow_emulator.control.set_today(after_validation_of(imported_month))
    after = billing_validation_check_period(settings=billing_settings, period=imported_month).outcome

    assert set(after["validated"]) == set(mapped)
    sync = ArrowBillingSync.objects.get(customer_mapping=mapped[TARTU])
    assert sync.state == BillingSyncState.VALIDATED and sync.arrow_state == ArrowState.VALIDATED and sync.validated_at
    assert not sync.items.filter(validation_date__isnull=True).exists()
    item.refresh_from_db()
    assert item.invoice_item.unit_price == item.original_price != Decimal("1.00")


def test_the_current_month_is_never_validated(billing_settings, mapped):
    period = current_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    sync = ArrowBillingSync.objects.get(customer_mapping=mapped[NORDIC])
    sync.items.update(validation_date=period.first_day)

    assert billing_sync_validate_if_complete(sync) is False
    assert billing_validation_check_period(settings=billing_settings, period=period).outcome["validated"] == []
    sync.refresh_from_db()
    assert sync.state == BillingSyncState.SYNCED


def test_license_months_charged_by_consumption_are_left_to_consumption_reconciliation(
    billing_settings, mapped, arrow_emulator
):
    period = previous_period()
    customer = mapped[NORDIC].waldur_customer
    resource = ResourceFactory(project=ProjectFactory(customer=customer), backend_id=PRODUCTION_LICENSE)
    invoice = Invoice.objects.create(customer=customer, period=period.first_day)
    start, end = period_bounds(period.first_day)
    provisional = invoice_item_create(invoice=invoice, name="consumption", unit_price=Decimal("1500"),
                                      quantity=Decimal(1), start=start, end=end, resource=resource)
    ArrowConsumptionRecord.objects.create(resource=resource, license_reference=PRODUCTION_LICENSE,
                                          billing_period=period.first_day, consumed_sell=Decimal("1500"),
                                          invoice_item=provisional)
    billing_sync_import_period(settings=billing_settings, period=period)
    arrow_emulator.control.set_today(after_validation_of(period))

    outcome = reconciliation_run_period(settings=billing_settings, period=period).outcome

    assert outcome["left_to_consumption_reconciliation"] == 2 and outcome["compensations"] == 0
    linked = ArrowBillingSyncItem.objects.filter(license_reference=PRODUCTION_LICENSE)
    assert all(item.compensation_item is None and item.final_price is not None for item in linked)
    provisional.refresh_from_db()
    assert provisional.unit_price == Decimal("1500")


def test_line_that_appears_only_in_the_final_export_is_charged(
    billing_settings, mapped, imported_month, arrow_emulator
):
    added = arrow_emulator.control.add_line(period=imported_month, license=PRODUCTION_LICENSE, sell="77.70",
                                            buy="70.00")
    arrow_emulator.control.set_today(after_validation_of(imported_month))

    outcome = reconciliation_run_period(settings=billing_settings, period=imported_month).outcome

    item = ArrowBillingSyncItem.objects.get(arrow_line_reference=added["Sequence"])
    assert item.invoice_item.total == Decimal("77.70") and outcome["lines_added"] == 1
    assert ArrowBillingSync.objects.get(customer_mapping=mapped[NORDIC]).state == BillingSyncState.RECONCILED
