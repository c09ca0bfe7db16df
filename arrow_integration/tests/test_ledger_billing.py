"""The ledger of the statement path, against the emulator: first import, price change, a change
after the invoice was issued, take-over, reconciliation, the duplicate repair, a run queued
through the API. Each writer leaves one entry per item it wrote, with its actor and reason, and
the ledger replays (the deltas of every invoice add up to its Arrow-sourced total)."""

from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError

from arrow_integration.choices import BILLING_EXPORT_SOURCE, COMPENSATION_SOURCE, LedgerAction
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowCustomerMapping, ArrowLedgerEntry
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.tests.billing_support import NORDIC, TARTU
from arrow_integration.tests.ledger_support import created_entry, entries, item_entries, replay_differences
from arrow_integration.tests.periods import after_validation_of, current_period, previous_period
from arrow_integration.tests.test_repair_duplicate_charges import charge_again, second_mapping_sync
from core.models import InvoiceItem
from core.services.invoices import invoice_issue

pytestmark = pytest.mark.django_db
SYNCS = "/api/admin/arrow/billing-syncs/"


@pytest.fixture
def imported(billing_settings, mapped):
    """The previous month imported once; returns its run."""
    return billing_sync_import_period(settings=billing_settings, period=previous_period())


def tartu_item() -> ArrowBillingSyncItem:
    return ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping__arrow_reference=TARTU).select_related(
        "invoice_item__invoice").order_by("id")[0]


def test_the_first_import_records_every_charge_with_its_run_and_references(billing_settings, mapped, imported):
    period = previous_period()
    items = list(InvoiceItem.objects.filter(details__source=BILLING_EXPORT_SOURCE))

    assert len(entries()) == len(items) > 0
    for item in items:
        entry = created_entry(item)
        assert (entry.actor, entry.run_id, entry.run_uuid) == (f"run {imported.uuid}", imported.pk, imported.uuid)
        assert (entry.amount_before, entry.amount_after, entry.delta) == (None, item.unit_price, item.unit_price)
        assert (entry.invoice_uuid, entry.invoice_period) == (item.invoice.uuid, period.first_day)
        assert (entry.customer_uuid, entry.customer_name) == (item.invoice.customer.uuid, item.invoice.customer.name)
        assert entry.settings_uuid == billing_settings.uuid and entry.customer_reference in mapped
        assert entry.line_reference == item.details["line_reference"] and entry.period == period.first_day
        assert entry.license_reference == item.details["license_reference"] and entry.currency == "EUR"
        assert entry.item_name == item.name and entry.item_source == BILLING_EXPORT_SOURCE
        assert entry.reason.startswith("new Arrow export line: ") and str(period) in entry.reason
    assert replay_differences() == {}

    billing_sync_import_period(settings=billing_settings, period=period)  # nothing changed: nothing recorded
    assert len(entries()) == len(items)


def test_a_price_change_on_a_pending_invoice_records_before_and_after(
    billing_settings, imported, arrow_emulator
):
    item = tartu_item()
    new_price = item.original_price + Decimal("29.60")
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=new_price, buy=item.buy_price)

    run = billing_sync_import_period(settings=billing_settings, period=previous_period())

    (entry,) = item_entries(item.invoice_item, LedgerAction.ITEM_CHANGED)
    assert (entry.amount_before, entry.amount_after, entry.delta) == (item.original_price, new_price, Decimal("29.60"))
    assert entry.actor == f"run {run.uuid}" and entry.line_reference == item.arrow_line_reference
    assert entry.reason == (f"Arrow export line changed: {item.original_price.quantize(Decimal('0.01'))} → "
                            f"{new_price.quantize(Decimal('0.01'))} for {previous_period()}")
    assert replay_differences() == {}


def test_a_price_change_after_the_invoice_was_issued_records_the_compensation(
    billing_settings, imported, arrow_emulator
):
    item = tartu_item()
    invoice_issue(invoice=item.invoice_item.invoice)
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell="1509.60", buy=item.buy_price)

    billing_sync_import_period(settings=billing_settings, period=previous_period())

    item.refresh_from_db()
    entry = created_entry(item.compensation_item)
    assert entry.item_source == COMPENSATION_SOURCE and entry.invoice_period == current_period().first_day
    assert entry.delta == Decimal("1509.60") - item.original_price
    assert entry.reason == (f"Arrow export 1509.60 vs invoiced {item.original_price.quantize(Decimal('0.01'))} "
                            f"for {previous_period()}")
    # What a compensation's details lack comes from the item it corrects.
    assert (entry.customer_reference, entry.currency, entry.period) == (TARTU, "EUR", previous_period().first_day)
    assert entry.line_reference == item.arrow_line_reference
    assert replay_differences() == {}


def test_a_compensation_changed_again_then_undone_is_recorded_each_time(billing_settings, imported, arrow_emulator):
    item = tartu_item()
    invoice_issue(invoice=item.invoice_item.invoice)
    for price in ("1509.60", "1600.00", str(item.original_price)):
        arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=price, buy=item.buy_price)
        billing_sync_import_period(settings=billing_settings, period=previous_period())

    created, adjusted, removed = entries(item_source=COMPENSATION_SOURCE)
    assert [created.action, adjusted.action, removed.action] == [
        LedgerAction.ITEM_CREATED, LedgerAction.ITEM_CHANGED, LedgerAction.ITEM_REMOVED]
    assert created.item_uuid == adjusted.item_uuid == removed.item_uuid
    assert (adjusted.amount_before, adjusted.amount_after) == (created.amount_after, Decimal("1600.00") - item.original_price)
    invoiced = item.original_price.quantize(Decimal("0.01"))
    assert adjusted.reason == f"Arrow export 1600.00 vs invoiced 1509.60 for {previous_period()}"
    assert removed.reason == f"Arrow export {invoiced} vs invoiced 1600.00 for {previous_period()}"
    assert created.delta + adjusted.delta + removed.delta == 0 and replay_differences() == {}


def test_the_reconciliation_records_arrow_final_against_invoiced(billing_settings, imported, arrow_emulator):
    item = tartu_item()
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell="1509.60", buy=item.buy_price)
    invoice_issue(invoice=item.invoice_item.invoice)
    arrow_emulator.control.set_today(after_validation_of(previous_period()))

    run = reconciliation_run_period(settings=billing_settings, period=previous_period())

    item.refresh_from_db()
    entry = created_entry(item.compensation_item)
    invoiced = item.original_price.quantize(Decimal("0.01"))
    assert entry.reason == f"Arrow final 1509.60 vs invoiced {invoiced} for {previous_period()}"
    assert (entry.actor, entry.run_uuid, entry.action) == (f"run {run.uuid}", run.uuid, LedgerAction.ITEM_CREATED)
    assert replay_differences() == {}


def test_a_run_queued_through_the_api_names_the_user_and_the_run(
    staff_client, staff_user, billing_settings, mapped, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(SYNCS + "trigger_sync/", {"year": previous_period().year,
                                                               "month": previous_period().month}, format="json")

    assert response.status_code == 202
    recorded = entries()
    assert recorded and {(entry.actor, entry.actor_user_id) for entry in recorded} == {("user staff-tester",
                                                                                         staff_user.pk)}
    assert len({entry.run_uuid for entry in recorded}) == 1 and recorded[0].run_uuid is not None


def test_a_line_taken_over_by_a_new_mapping_is_recorded_without_a_delta(
    staff_client, billing_settings, mapped, imported
):
    old = mapped[NORDIC]
    assert staff_client.delete(f"/api/admin/arrow/customer-mappings/{old.uuid}/").status_code == 204
    new = ArrowCustomerMapping.objects.create(settings=billing_settings, arrow_reference=NORDIC,
                                              waldur_customer=old.waldur_customer)

    billing_sync_import_period(settings=billing_settings, period=previous_period())

    moved = list(ArrowBillingSync.objects.get(customer_mapping=new).items.select_related("invoice_item"))
    assert moved
    for item in moved:
        (entry,) = item_entries(item.invoice_item, LedgerAction.ITEM_CHANGED)
        assert entry.delta == 0 and entry.amount_before == entry.amount_after == item.invoice_item.unit_price
        assert entry.reason.startswith(f"line taken over by customer mapping {NORDIC}")
    assert replay_differences() == {}


def test_the_duplicate_repair_records_what_it_removes_and_credits(billing_settings, mapped, imported):
    nordic_sync = ArrowBillingSync.objects.get(customer_mapping=mapped[NORDIC])
    removed = charge_again(nordic_sync.items.order_by("id").first(), second_mapping_sync(mapped[NORDIC]))
    tartu_sync = ArrowBillingSync.objects.get(customer_mapping=mapped[TARTU])
    credited = charge_again(tartu_sync.items.order_by("id").first(), second_mapping_sync(mapped[TARTU]))
    invoice_issue(invoice=tartu_sync.invoice)

    call_command("repair_duplicate_charges", "--apply", "--no-progress", stdout=StringIO(), stderr=StringIO())

    (removal,) = item_entries(removed.invoice_item, LedgerAction.ITEM_REMOVED)
    assert removal.actor == "command repair_duplicate_charges" and removal.delta == -removed.original_price
    assert removal.reason.startswith(f"duplicate charge of line {removed.arrow_line_reference}: ")
    credited.refresh_from_db()
    credit = created_entry(credited.compensation_item)
    assert credit.actor == "command repair_duplicate_charges" and credit.delta == -credited.original_price
    assert credit.reason.startswith("Duplicate charge: due 0.00 vs invoiced ")
    assert credit.settings_uuid == billing_settings.uuid


def test_an_import_whose_ledger_write_fails_writes_nothing(billing_settings, mapped):
    with (mock.patch("arrow_integration.services.ledger.record.rows_insert", side_effect=DatabaseError("disk full")),
          pytest.raises(DatabaseError)):
        billing_sync_import_period(settings=billing_settings, period=previous_period())

    assert not InvoiceItem.objects.exists() and not ArrowLedgerEntry.objects.exists()
    assert not ArrowBillingSyncItem.objects.exists()
