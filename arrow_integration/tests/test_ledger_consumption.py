"""The ledger of the consumption path, against the emulator: provisional items created and
corrected by syncs, compensations of the reconciliation, items removed by a cleanup, history
synced through the API; items that are not Arrow-sourced are not recorded."""

import datetime as dt
from decimal import Decimal

import pytest

from arrow_integration.choices import COMPENSATION_SOURCE, PROVISIONAL_ITEM_SOURCE, LedgerAction
from arrow_integration.services.consumption.reconciliation import consumption_reconciliation_run_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.services.ledger.record import ledger_items_created
from arrow_integration.tests.consumption_support import NORDIC_REFERENCE, PRODUCTION_LICENSE, record_of
from arrow_integration.tests.ledger_support import created_entry, entries, item_entries, replay_differences
from arrow_integration.tests.periods import current_period
from core.models import InvoiceItem
from core.services.invoices import invoice_get_or_create, invoice_issue, invoice_item_create, period_bounds

pytestmark = pytest.mark.django_db
BASE = "/api/admin/arrow/billing-syncs/"


def test_consumption_syncs_record_provisional_items_and_their_corrections(
    arrow_emulator, arrow_settings, production_resource
):
    period = current_period()
    first = consumption_sync_period(settings=arrow_settings, period=period)
    item = record_of(production_resource, period).invoice_item

    entry = created_entry(item)
    assert entry.item_source == PROVISIONAL_ITEM_SOURCE and entry.actor == f"run {first.uuid}"
    assert (entry.license_reference, entry.period, entry.currency) == (PRODUCTION_LICENSE, period.first_day, "EUR")
    # A consumption item names no Arrow customer: the customer's mapping under the run's settings does.
    assert (entry.customer_reference, entry.settings_uuid) == (NORDIC_REFERENCE, arrow_settings.uuid)
    assert entry.reason == f"Arrow consumption so far: {item.unit_price.quantize(Decimal('0.01'))} for {period}"

    arrow_emulator.control.set_consumption(PRODUCTION_LICENSE, period, sell="1646.50", buy="1448.92")
    second = consumption_sync_period(settings=arrow_settings, period=period)

    (change,) = item_entries(item, LedgerAction.ITEM_CHANGED)
    assert (change.amount_before, change.amount_after) == (item.unit_price, Decimal("1646.50"))
    assert change.actor == f"run {second.uuid}" and change.delta == Decimal("1646.50") - item.unit_price
    assert replay_differences() == {}


def test_the_consumption_reconciliation_records_its_compensations(arrow_emulator, arrow_settings, nordic_resources):
    closed = current_period().previous()
    arrow_emulator.control.set_today(closed.first_day.replace(day=15))
    consumption_sync_period(settings=arrow_settings, period=closed)
    arrow_emulator.control.set_today(closed.next().first_day + dt.timedelta(days=20))
    invoice_issue(invoice=record_of(nordic_resources[0], closed).invoice_item.invoice)

    run = consumption_reconciliation_run_period(settings=arrow_settings, period=closed)

    record = record_of(nordic_resources[0], closed)
    entry = created_entry(record.compensation_item)
    final, invoiced = record.final_sell.quantize(Decimal("0.01")), record.consumed_sell.quantize(Decimal("0.01"))
    assert entry.item_source == COMPENSATION_SOURCE and entry.actor == f"run {run.uuid}"
    assert entry.reason == f"Arrow final {final} vs invoiced {invoiced} for {closed}"
    assert entry.period == closed.first_day and entry.invoice_period == current_period().first_day
    assert entry.currency == "EUR" and entry.license_reference == PRODUCTION_LICENSE
    assert replay_differences() == {}


def test_a_cleanup_through_the_api_records_the_removals_with_the_user(
    staff_client, staff_user, arrow_settings, nordic_resources
):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    items = list(InvoiceItem.objects.filter(details__source=PROVISIONAL_ITEM_SOURCE))

    response = staff_client.post(f"{BASE}cleanup_consumption/", {"dry_run": False}, format="json")

    assert response.status_code == 200 and not InvoiceItem.objects.exists()
    for item in items:
        (entry,) = item_entries(item, LedgerAction.ITEM_REMOVED)
        assert (entry.actor, entry.actor_user_id, entry.run_id) == ("user staff-tester", staff_user.pk, None)
        assert (entry.amount_before, entry.amount_after, entry.delta) == (item.unit_price, None, -item.unit_price)
        assert entry.reason.startswith("consumption records cleaned up: ") and entry.reason.endswith(" removed")
    assert replay_differences() == {}


def test_history_synced_through_the_api_is_the_users(staff_client, arrow_settings, production_resource):
    period = current_period().previous()
    body = {"resource_uuid": str(production_resource.uuid), "period_from": str(period), "period_to": str(period)}

    response = staff_client.post(f"{BASE}sync_resource_historical_consumption/", body, format="json")

    assert response.status_code == 200, response.content
    (entry,) = entries()
    assert entry.actor == "user staff-tester" and entry.run_uuid is None
    assert entry.item_uuid == record_of(production_resource, period).invoice_item.uuid


def test_items_that_are_not_arrow_sourced_are_not_recorded(nordic):
    invoice = invoice_get_or_create(customer=nordic.customer, period=current_period().first_day)
    start, end = period_bounds(invoice.period)
    item = invoice_item_create(invoice=invoice, name="Support hours", unit_price=Decimal("80"), start=start, end=end,
                               details={"source": "manual"})

    assert ledger_items_created([item], cause="test") == 0 and entries() == []
