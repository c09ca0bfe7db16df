"""Importing billing exports from the emulator: lines, invoice items, totals, idempotency, issued invoices."""

from decimal import Decimal

import pytest

from arrow_integration.choices import BillingSyncState, SyncRunState
from arrow_integration.models import (
    ArrowBillingSync,
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowCustomerMapping,
    ArrowSyncRun,
)
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.billing_support import (
    BALTIC,
    NORDIC,
    PRODUCTION_LICENSE,
    TARTU,
    export_lines,
    invoice_snapshot,
    invoiced_total,
    line_totals_by_customer,
)
from arrow_integration.tests.periods import current_period, previous_period
from core.models import Invoice, InvoiceItem
from core.services.invoices import invoice_issue, invoice_item_create, period_bounds
from core.tests.factories import ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def test_each_line_of_a_mapped_customer_is_imported_once_with_exact_totals(billing_settings, mapped):
    period = previous_period()
    lines = export_lines(billing_settings, period)
    mapped_lines = [line for line in lines if line.customer_reference in mapped]

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    items = ArrowBillingSyncItem.objects.all()
    assert sorted(items.values_list("arrow_line_reference", flat=True)) == sorted(
        line.line_reference for line in mapped_lines
    )
    expected = line_totals_by_customer(mapped_lines)
    for reference, mapping in mapped.items():
        assert invoiced_total(mapping.waldur_customer) == expected[reference]
        sync = ArrowBillingSync.objects.get(customer_mapping=mapping)
        assert sync.state == BillingSyncState.SYNCED and sync.error_message == ""
        assert sync.invoice.period == period.first_day and sync.currency == "EUR"
        assert sync.sell_total == expected[reference]
        assert sync.buy_total == sum(line.buy_total for line in mapped_lines if line.customer_reference == reference)
    assert outcome["items_created"] == len(mapped_lines)
    assert outcome["unmapped_lines"] == len(lines) - len(mapped_lines) > 0
    assert set(outcome["unmapped_customers"]) == {"XSP100004", "XSP100005", "XSP100006"}
    run = ArrowSyncRun.objects.get()
    assert run.state == SyncRunState.SUCCEEDED and run.outcome["unmapped_lines"] == outcome["unmapped_lines"]


def test_invoice_items_are_one_unit_at_the_line_total_inside_the_period(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    added = arrow_emulator.control.add_line(period=period, license=PRODUCTION_LICENSE, sell="300.30",
                                            buy="250.25", quantity="3")

    billing_sync_import_period(settings=billing_settings, period=period)

    item = ArrowBillingSyncItem.objects.get(arrow_line_reference=added["Sequence"])
    invoice_item = item.invoice_item
    assert invoice_item.unit_price == Decimal("300.30") and invoice_item.quantity == 1
    assert invoice_item.total == Decimal("300.30")  # a Qty 3 line is not tripled
    assert item.quantity == 3 and invoice_item.details["arrow_quantity"] in {"3", "3.00000"}
    start, end = period_bounds(period.first_day)
    assert start <= invoice_item.start <= invoice_item.end <= end
    assert invoice_item.details["source"] == "arrow_billing_export"
    assert invoice_item.details["line_reference"] == added["Sequence"]
    assert invoice_item.details["license_reference"] == PRODUCTION_LICENSE
    assert invoice_item.details["vendor_name"] == "Microsoft"


def test_price_source_buy_invoices_the_buy_totals(billing_settings, mapped):
    billing_settings.invoice_price_source = "buy"
    billing_settings.save()
    period = previous_period()
    lines = [line for line in export_lines(billing_settings, period) if line.customer_reference == NORDIC]

    billing_sync_import_period(settings=billing_settings, period=period)

    assert invoiced_total(mapped[NORDIC].waldur_customer) == sum(line.buy_total for line in lines)


def test_second_run_with_the_same_data_changes_nothing(billing_settings, mapped):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    fields = ("id", "unit_price", "details", "modified")
    items_before = list(InvoiceItem.objects.order_by("id").values_list(*fields))
    syncs_before = list(ArrowBillingSync.objects.order_by("id").values_list("id", "sell_total", "buy_total", "state"))

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert list(InvoiceItem.objects.order_by("id").values_list(*fields)) == items_before
    assert list(ArrowBillingSync.objects.order_by("id").values_list("id", "sell_total", "buy_total", "state")) == (
        syncs_before
    )
    assert outcome["items_created"] == outcome["items_updated"] == outcome["items_compensated"] == 0
    assert outcome["items_unchanged"] == ArrowBillingSyncItem.objects.count()


def test_changed_amount_updates_the_pending_invoice_item_in_place(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    item = ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping=mapped[TARTU]).first()
    count = InvoiceItem.objects.count()

    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell="1234.56", buy="1000.00")
    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    item.refresh_from_db()
    assert InvoiceItem.objects.count() == count and outcome["items_updated"] == 1
    assert item.invoice_item.unit_price == Decimal("1234.56") and item.original_price == Decimal("1234.56")
    assert item.compensation_item is None


def test_changed_amount_of_an_issued_invoice_becomes_a_compensation(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    sync = ArrowBillingSync.objects.get(customer_mapping=mapped[TARTU])
    invoice_issue(invoice=sync.invoice)
    issued = invoice_snapshot(sync.invoice)
    item = sync.items.first()
    old_price = item.original_price

    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=old_price - Decimal("10.25"), buy="1")
    billing_sync_import_period(settings=billing_settings, period=period)
    billing_sync_import_period(settings=billing_settings, period=period)  # again: nothing more

    item.refresh_from_db()
    compensation = item.compensation_item
    assert compensation.unit_price == Decimal("-10.25") and compensation.invoice.is_pending
    assert compensation.invoice.period == current_period().first_day
    assert "credit" in compensation.name and str(period) in compensation.name
    assert compensation.details["line_reference"] == item.arrow_line_reference
    assert invoice_snapshot(sync.invoice) == issued
    assert InvoiceItem.objects.filter(details__source="arrow_compensation").count() == 1
    assert invoiced_total(mapped[TARTU].waldur_customer) == sum(
        line.sell_total for line in export_lines(billing_settings, period) if line.customer_reference == TARTU
    )


def test_an_amount_back_at_what_was_invoiced_drops_its_compensation(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    sync = ArrowBillingSync.objects.get(customer_mapping=mapped[TARTU])
    invoice_issue(invoice=sync.invoice)
    item = sync.items.first()
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.original_price + 5, buy="1")
    billing_sync_import_period(settings=billing_settings, period=period)
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.original_price, buy="1")

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    item.refresh_from_db()
    assert outcome["failures"] == {} and outcome["items_compensated"] == 1
    assert item.compensation_item is None and not InvoiceItem.objects.filter(details__source="arrow_compensation")
    assert invoiced_total(mapped[TARTU].waldur_customer) == sum(
        line.sell_total for line in export_lines(billing_settings, period) if line.customer_reference == TARTU
    )


def test_new_line_of_an_issued_month_is_charged_on_the_current_invoice(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    sync = ArrowBillingSync.objects.get(customer_mapping=mapped[NORDIC])
    invoice_issue(invoice=sync.invoice)
    issued = invoice_snapshot(sync.invoice)

    added = arrow_emulator.control.add_line(period=period, license=PRODUCTION_LICENSE, sell="42.00", buy="40.00")
    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    item = ArrowBillingSyncItem.objects.get(arrow_line_reference=added["Sequence"])
    assert item.invoice_item.invoice.is_pending and item.invoice_item.invoice.period == current_period().first_day
    assert item.invoice_item.total == Decimal("42.00") and outcome["items_charged_after_issue"] == 1
    assert invoice_snapshot(sync.invoice) == issued


def test_line_missing_from_a_later_export_is_reported_not_deleted(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    item = ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping=mapped[BALTIC]).first()

    arrow_emulator.control.remove_line(item.arrow_line_reference)
    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert outcome["missing_lines"] == {BALTIC: [item.arrow_line_reference]}
    assert ArrowBillingSyncItem.objects.filter(pk=item.pk, invoice_item=item.invoice_item).exists()


def test_lines_are_matched_by_company_name_when_the_reference_differs(billing_settings, arrow_emulator):
    from core.tests.factories import CustomerFactory

    mapping = ArrowCustomerMapping.objects.create(
        settings=billing_settings, arrow_reference="XSP-RENAMED", arrow_company_name="  baltic DATA systems, SIA ",
        waldur_customer=CustomerFactory(),
    )
    period = previous_period()
    expected = [line for line in export_lines(billing_settings, period) if line.customer_reference == BALTIC]

    billing_sync_import_period(settings=billing_settings, period=period)

    assert ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping=mapping).count() == len(expected) > 0


def test_inactive_mappings_are_not_imported(billing_settings, mapped):
    ArrowCustomerMapping.objects.filter(arrow_reference=TARTU).update(is_active=False)

    outcome = billing_sync_import_period(settings=billing_settings, period=previous_period()).outcome

    assert not ArrowBillingSync.objects.filter(customer_mapping=mapped[TARTU]).exists()
    assert TARTU in outcome["unmapped_customers"]


def test_license_month_charged_by_consumption_is_linked_not_charged_twice(billing_settings, mapped):
    period = previous_period()
    customer = mapped[NORDIC].waldur_customer
    resource = ResourceFactory(project=ProjectFactory(customer=customer), backend_id=PRODUCTION_LICENSE)
    invoice = Invoice.objects.create(customer=customer, period=period.first_day)
    start, end = period_bounds(period.first_day)
    provisional = invoice_item_create(invoice=invoice, name="consumption", unit_price=Decimal("1800"),
                                      quantity=Decimal(1), start=start, end=end, resource=resource)
    ArrowConsumptionRecord.objects.create(resource=resource, license_reference=PRODUCTION_LICENSE,
                                          billing_period=period.first_day, consumed_sell=Decimal("1800"),
                                          invoice_item=provisional)

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    linked = ArrowBillingSyncItem.objects.filter(license_reference=PRODUCTION_LICENSE)
    assert linked.count() == 2  # the license bills two lines a month
    assert all(item.charged_by_consumption and item.invoice_item_id == provisional.pk for item in linked)
    assert InvoiceItem.objects.filter(details__license_reference=PRODUCTION_LICENSE).count() == 0
    assert outcome["items_linked_to_consumption"] == 2
    other = ArrowBillingSyncItem.objects.exclude(license_reference=PRODUCTION_LICENSE).filter(
        billing_sync__customer_mapping=mapped[NORDIC]
    )
    assert other.exists() and not any(item.charged_by_consumption for item in other)


def test_resource_of_the_license_is_named_on_the_invoice_item(billing_settings, mapped):
    customer = mapped[NORDIC].waldur_customer
    resource = ResourceFactory(project=ProjectFactory(customer=customer), backend_id=PRODUCTION_LICENSE)

    billing_sync_import_period(settings=billing_settings, period=previous_period())

    items = InvoiceItem.objects.filter(details__license_reference=PRODUCTION_LICENSE)
    assert items.count() == 2 and all(item.resource == resource and item.project == resource.project for item in items)


def test_only_the_given_license_is_imported(billing_settings, mapped):
    outcome = billing_sync_import_period(settings=billing_settings, period=previous_period(),
                                         license_reference=PRODUCTION_LICENSE).outcome

    assert set(ArrowBillingSyncItem.objects.values_list("license_reference", flat=True)) == {PRODUCTION_LICENSE}
    assert outcome["items_created"] == 2 and outcome["missing_lines"] == {}
