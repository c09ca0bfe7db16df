"""The pending-invoice rule: services change pending invoices only; the API never writes them."""

import datetime
from decimal import Decimal

import pytest

from core.models import Invoice, InvoiceItem
from core.services import invoices as invoice_services
from core.tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
END = datetime.datetime(2026, 1, 31, 23, 59, 59, tzinfo=datetime.UTC)


def add_item(invoice, amount="10.00"):
    return invoice_services.invoice_item_create(
        invoice=invoice, name="Usage", unit_price=Decimal(amount), start=START, end=END
    )


def test_items_can_be_added_changed_and_removed_on_a_pending_invoice():
    invoice = InvoiceFactory()
    item = add_item(invoice)
    invoice_services.invoice_item_update(item=item, unit_price=Decimal("12.34500"))
    item.refresh_from_db()
    assert item.total == Decimal("12.3450000")
    invoice_services.invoice_item_delete(item=item)
    assert not InvoiceItem.objects.exists()


def test_an_issued_invoice_refuses_every_write():
    invoice = InvoiceFactory()
    item = add_item(invoice)
    invoice_services.invoice_issue(invoice=invoice)
    invoice.refresh_from_db()
    with pytest.raises(invoice_services.InvoiceNotPending):
        add_item(invoice)
    with pytest.raises(invoice_services.InvoiceNotPending):
        invoice_services.invoice_item_update(item=item, unit_price=Decimal("1"))
    with pytest.raises(invoice_services.InvoiceNotPending):
        invoice_services.invoice_item_delete(item=item)
    with pytest.raises(invoice_services.InvoiceNotPending):
        invoice_services.invoice_items_bulk_create(invoice=invoice, items=[])
    item.refresh_from_db()
    assert item.unit_price == Decimal("10.00")
    assert invoice.items.count() == 1


def test_money_must_be_decimal():
    invoice = InvoiceFactory()
    with pytest.raises(TypeError):
        invoice_services.invoice_item_create(invoice=invoice, name="x", unit_price=1.5, start=START, end=END)


def test_current_pending_invoice_skips_an_issued_current_month():
    customer = CustomerFactory()
    today = datetime.date(2026, 3, 15)
    march = invoice_services.invoice_current_pending(customer=customer, today=today)
    assert march.period == datetime.date(2026, 3, 1)
    invoice_services.invoice_issue(invoice=march)
    april = invoice_services.invoice_current_pending(customer=customer, today=today)
    assert april.period == datetime.date(2026, 4, 1)
    assert april.state == Invoice.State.PENDING


def test_invoice_get_or_create_is_one_row_per_customer_and_month():
    customer = CustomerFactory()
    first = invoice_services.invoice_get_or_create(customer=customer, period=datetime.date(2026, 2, 17))
    second = invoice_services.invoice_get_or_create(customer=customer, period=datetime.date(2026, 2, 1))
    assert first.pk == second.pk
    assert first.period == datetime.date(2026, 2, 1)


def test_period_bounds_cover_the_whole_month():
    start, end = invoice_services.period_bounds(datetime.date(2024, 2, 1))
    assert (start.day, end.day, end.hour) == (1, 29, 23)


def test_invoices_and_items_are_read_only_in_the_api(staff_client):
    invoice = InvoiceFactory()
    item = add_item(invoice, "7.5")
    assert staff_client.post("/api/invoices/", {}, format="json").status_code == 405
    assert staff_client.delete(f"/api/invoice-items/{item.uuid}/").status_code == 405
    assert staff_client.patch(f"/api/invoice-items/{item.uuid}/", {"unit_price": "1"}, format="json").status_code == 405
    body = staff_client.get(f"/api/invoices/{invoice.uuid}/").json()
    assert body["total"] == "7.5000000"
    assert body["items_count"] == 1
    assert (body["year"], body["month"], body["state"]) == (2026, 1, "pending")
