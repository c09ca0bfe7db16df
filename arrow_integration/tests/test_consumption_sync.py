"""Consumption sync against the emulator: records, provisional items, idempotency, failures."""

from decimal import Decimal

import pytest

from arrow_integration.choices import PriceSource, SyncRunState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowConsumptionRecord
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.consumption_support import (
    AWS_LICENSE,
    DEVELOPMENT_LICENSE,
    PRODUCTION_LICENSE,
    ZERO_USAGE_LICENSE,
    record_of,
    resource_link,
)
from arrow_integration.tests.periods import current_period
from core.models import Invoice, InvoiceItem, Resource
from core.services.invoices import invoice_get_or_create, invoice_issue, invoice_item_create, period_bounds
from core.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def arrow_totals(client, license_reference, period):
    from arrow_client import consumption_totals

    return consumption_totals(client.consumption(license_reference, period))


@pytest.fixture
def arrow(arrow_settings):
    from arrow_integration.clients import arrow_client_for

    with arrow_client_for(arrow_settings) as client:
        yield client


def test_sync_creates_one_record_and_one_provisional_item_per_license(arrow_settings, nordic_resources, arrow):
    period = current_period()

    run = consumption_sync_period(settings=arrow_settings, period=period)

    assert run.state == SyncRunState.SUCCEEDED, run.outcome
    assert run.outcome["records_created"] == 3 and run.outcome["items_created"] == 3
    for resource in nordic_resources:
        record = record_of(resource, period)
        totals = arrow_totals(arrow, resource.backend_id, period)
        assert record.consumed_sell == totals.sell_total and record.consumed_buy == totals.buy_total
        assert record.invoice_item.unit_price == totals.sell_total
        assert record.invoice_item.quantity == 1
        assert record.invoice_item.invoice.customer == resource.project.customer
        assert record.invoice_item.invoice.period == period.first_day
        assert record.invoice_item.details["license_reference"] == resource.backend_id
        assert record.raw_data["lines"] and record.last_sync_at is not None
    assert InvoiceItem.objects.count() == 3


def test_second_sync_changes_nothing(arrow_settings, nordic_resources):
    period = current_period()
    consumption_sync_period(settings=arrow_settings, period=period)
    before = list(InvoiceItem.objects.order_by("id").values_list("id", "unit_price", "modified"))

    run = consumption_sync_period(settings=arrow_settings, period=period)

    assert run.outcome["records_unchanged"] == 3
    assert run.outcome["records_created"] == run.outcome["items_created"] == run.outcome["items_updated"] == 0
    assert list(InvoiceItem.objects.order_by("id").values_list("id", "unit_price", "modified")) == before
    assert ArrowConsumptionRecord.objects.count() == 3


def test_changed_consumption_updates_the_same_item(arrow_emulator, arrow_settings, production_resource):
    period = current_period()
    consumption_sync_period(settings=arrow_settings, period=period)
    item_id = record_of(production_resource, period).invoice_item_id
    arrow_emulator.control.set_consumption(PRODUCTION_LICENSE, period, sell="1234.56", buy="1000.00")

    run = consumption_sync_period(settings=arrow_settings, period=period)

    record = record_of(production_resource, period)
    assert run.outcome["items_updated"] == 1
    assert record.invoice_item_id == item_id
    assert record.consumed_sell == Decimal("1234.56") and record.consumed_buy == Decimal("1000.00")
    assert record.invoice_item.unit_price == Decimal("1234.56")
    assert InvoiceItem.objects.count() == 1


def test_zero_usage_keeps_a_zero_record_and_corrects_the_item(arrow_emulator, arrow_settings, production_resource):
    period = current_period()
    consumption_sync_period(settings=arrow_settings, period=period)
    arrow_emulator.control.set_consumption(PRODUCTION_LICENSE, period, sell="0", buy="0")

    consumption_sync_period(settings=arrow_settings, period=period)

    record = record_of(production_resource, period)
    assert record.consumed_sell == 0 and record.consumed_buy == 0
    assert record.invoice_item.unit_price == 0
    assert record.raw_data["lines"] == []


def test_license_without_usage_gets_a_zero_record_and_no_item(arrow_settings, baltic, offering):
    resource = resource_link(project=baltic, license_reference=ZERO_USAGE_LICENSE, offering=offering)

    consumption_sync_period(settings=arrow_settings, period=current_period())

    record = record_of(resource, current_period())
    assert record.consumed_sell == 0 and record.invoice_item is None
    assert not InvoiceItem.objects.exists()


def test_buy_price_source_prices_items_with_buy_amounts(arrow_settings, production_resource, arrow):
    arrow_settings.invoice_price_source = PriceSource.BUY
    arrow_settings.save()
    period = current_period()

    consumption_sync_period(settings=arrow_settings, period=period)

    assert record_of(production_resource, period).invoice_item.unit_price == arrow_totals(
        arrow, PRODUCTION_LICENSE, period
    ).buy_total


def test_only_tracked_resources_are_synced(arrow_settings, nordic, offering, production_resource):
    resource_link(project=nordic, license_reference=DEVELOPMENT_LICENSE, offering=offering,
                  state=Resource.State.TERMINATED)
    resource_link(project=nordic, license_reference="", offering=offering)
    resource_link(project=ProjectFactory(), license_reference=AWS_LICENSE, offering=offering)  # not mapped

    run = consumption_sync_period(settings=arrow_settings, period=current_period())

    assert run.outcome["licenses"] == 1
    assert list(ArrowConsumptionRecord.objects.values_list("resource", flat=True)) == [production_resource.pk]


def test_one_resource_only(arrow_settings, nordic_resources):
    run = consumption_sync_period(settings=arrow_settings, period=current_period(), resource=nordic_resources[1])

    assert run.outcome["licenses"] == 1
    assert list(ArrowConsumptionRecord.objects.values_list("license_reference", flat=True)) == [DEVELOPMENT_LICENSE]


def test_a_failing_license_is_reported_and_the_others_sync(arrow_emulator, arrow_settings, nordic_resources,
                                                            settings):
    settings.ARROW_CONSUMPTION_CONCURRENCY = 1
    settings.ARROW_HTTP_MAX_RETRIES = 0
    arrow_emulator.control.inject_fault("consumption/monthly/license/{ref}", status=500, count=1)

    run = consumption_sync_period(settings=arrow_settings, period=current_period())

    assert run.state == SyncRunState.FAILED and "1 of 3" in run.error_message
    assert run.outcome["failed"] == 1 and run.outcome["records_created"] == 2
    [failure] = run.outcome["errors"]
    failed_license = failure["license_reference"]
    assert failed_license in {PRODUCTION_LICENSE, DEVELOPMENT_LICENSE, AWS_LICENSE}
    assert "500" in failure["error"] or "unavailable" in failure["error"].lower()
    synced = set(ArrowConsumptionRecord.objects.values_list("license_reference", flat=True))
    assert synced == {PRODUCTION_LICENSE, DEVELOPMENT_LICENSE, AWS_LICENSE} - {failed_license}


def test_unknown_license_is_reported_with_its_reference(arrow_settings, nordic, offering, production_resource):
    resource_link(project=nordic, license_reference="XSP0000000", offering=offering)

    run = consumption_sync_period(settings=arrow_settings, period=current_period())

    assert [error["license_reference"] for error in run.outcome["errors"]] == ["XSP0000000"]
    assert record_of(production_resource, current_period()).invoice_item is not None


def test_issued_invoice_item_is_never_changed(arrow_emulator, arrow_settings, production_resource):
    period = current_period()
    consumption_sync_period(settings=arrow_settings, period=period)
    record = record_of(production_resource, period)
    invoice_issue(invoice=record.invoice_item.invoice)
    arrow_emulator.control.set_consumption(PRODUCTION_LICENSE, period, sell="99.00", buy="90.00")

    run = consumption_sync_period(settings=arrow_settings, period=period)

    again = record_of(production_resource, period)
    assert run.outcome["invoice_not_pending"] == 1
    assert again.invoice_item.unit_price == record.invoice_item.unit_price == again.consumed_sell


def test_finalized_record_is_never_changed_by_sync(arrow_emulator, arrow_settings, production_resource):
    period = current_period()
    consumption_sync_period(settings=arrow_settings, period=period)
    ArrowConsumptionRecord.objects.update(final_sell=Decimal("1"), final_buy=Decimal("1"),
                                          finalized_at="2026-01-01T00:00:00Z")
    before = record_of(production_resource, period)
    arrow_emulator.control.set_consumption(PRODUCTION_LICENSE, period, sell="5.00", buy="4.00")

    run = consumption_sync_period(settings=arrow_settings, period=period)

    after = record_of(production_resource, period)
    assert run.outcome["finalized_skipped"] == 1
    assert (after.consumed_sell, after.invoice_item.unit_price, after.modified) == (
        before.consumed_sell, before.invoice_item.unit_price, before.modified)


def test_license_month_charged_by_a_statement_gets_no_provisional_item(arrow_settings, production_resource):
    """One path per license-month: a statement line already charged it, so consumption only records."""
    period = current_period()
    customer = production_resource.project.customer
    invoice = invoice_get_or_create(customer=customer, period=period.first_day)
    start, end = period_bounds(period.first_day)
    statement_item = invoice_item_create(invoice=invoice, name="statement line", unit_price=Decimal("10"),
                                         start=start, end=end)
    sync = ArrowBillingSync.objects.create(customer_mapping=customer.arrow_mappings.get(),
                                           report_period=period.first_day, invoice=invoice)
    ArrowBillingSyncItem.objects.create(billing_sync=sync, arrow_line_reference="L1", invoice_item=statement_item,
                                        license_reference=PRODUCTION_LICENSE, report_period=period.first_day,
                                        arrow_account=arrow_settings.arrow_account)

    run = consumption_sync_period(settings=arrow_settings, period=period)

    record = record_of(production_resource, period)
    assert run.outcome["charged_by_statement"] == 1
    assert record.invoice_item is None and record.consumed_sell > 0
    assert list(InvoiceItem.objects.all()) == [statement_item]
    assert Invoice.objects.count() == 1
