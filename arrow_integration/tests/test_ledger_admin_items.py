"""Invoice items in the Django admin: an item of a pending invoice may be corrected or removed,
through the invoice services, and an Arrow-sourced one leaves a ledger entry naming the admin
user; items of issued invoices cannot be changed or removed there."""

import pytest

from arrow_integration.choices import LedgerAction
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.ledger_support import entries, item_entries, replay_differences
from arrow_integration.tests.periods import current_period, previous_period
from core.models import InvoiceItem
from core.services.invoices import invoice_issue, invoice_item_create

pytestmark = pytest.mark.django_db
ITEMS = "/admin/core/invoiceitem/"


@pytest.fixture
def arrow_items(billing_settings, mapped) -> list[InvoiceItem]:
    billing_sync_import_period(settings=billing_settings, period=previous_period())
    return list(InvoiceItem.objects.select_related("invoice").order_by("id"))


def test_a_correction_in_the_admin_is_recorded_with_the_user(admin_client, admin_user, arrow_items):
    item = arrow_items[0]

    response = admin_client.post(f"{ITEMS}{item.pk}/change/", {"name": "Corrected by hand", "unit_price": "99.99"})

    assert response.status_code == 302, response.content.decode()[:2000]
    (entry,) = item_entries(item, LedgerAction.ITEM_CHANGED)
    assert (entry.actor, entry.actor_user_id, entry.run_id) == (f"user {admin_user.username}", admin_user.pk, None)
    assert (entry.amount_before, str(entry.amount_after)) == (item.unit_price, "99.9900000")
    assert entry.item_name == "Corrected by hand" and entry.reason.startswith("changed in the Django admin: ")
    assert replay_differences() == {}


def test_a_removal_in_the_admin_is_recorded(admin_client, arrow_settings, production_resource):
    # A provisional item (a statement line's item is protected by its billing sync item).
    consumption_sync_period(settings=arrow_settings, period=current_period())
    item = InvoiceItem.objects.get()

    response = admin_client.post(f"{ITEMS}{item.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not InvoiceItem.objects.filter(pk=item.pk).exists()
    (entry,) = item_entries(item, LedgerAction.ITEM_REMOVED)
    assert entry.delta == -item.unit_price and entry.actor == "user admin"
    assert replay_differences() == {}


def test_items_of_an_issued_invoice_stay_as_they_are(admin_client, arrow_items):
    item = arrow_items[0]
    invoice_issue(invoice=item.invoice)
    recorded = len(entries())

    changed = admin_client.post(f"{ITEMS}{item.pk}/change/", {"name": "x", "unit_price": "1"})
    deleted = admin_client.post(f"{ITEMS}{item.pk}/delete/", {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert InvoiceItem.objects.get(pk=item.pk).unit_price == item.unit_price and len(entries()) == recorded


def test_other_items_are_corrected_without_an_entry(admin_client, arrow_items):
    other = invoice_item_create(invoice=arrow_items[0].invoice, name="Support", unit_price=arrow_items[0].unit_price,
                                start=arrow_items[0].start, end=arrow_items[0].end, details={"source": "manual"})
    recorded = len(entries())

    response = admin_client.post(f"{ITEMS}{other.pk}/change/", {"name": "Support hours", "unit_price": "80"})

    assert response.status_code == 302 and InvoiceItem.objects.get(pk=other.pk).name == "Support hours"
    assert len(entries()) == recorded
