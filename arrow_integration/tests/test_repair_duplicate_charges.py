"""`manage repair_duplicate_charges`: second charges of a line, written directly into the database
as the defect (and migration 0005) left them, are listed, then removed or credited, once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowCustomerMapping
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.billing_support import MAPPED, NORDIC, TARTU, export_lines, invoiced_total
from arrow_integration.tests.periods import current_period, previous_period
from core.models import InvoiceItem
from core.services.invoices import invoice_issue, invoice_item_create

pytestmark = pytest.mark.django_db


def charge_again(item: ArrowBillingSyncItem, holder: ArrowBillingSync) -> ArrowBillingSyncItem:
    """A second charge of ``item``'s line by ``holder``, as an older version imported it."""
    first = item.invoice_item
    invoice_item = invoice_item_create(invoice=first.invoice, name=first.name, unit_price=first.unit_price,
                                       start=first.start, end=first.end, details=first.details)
    return ArrowBillingSyncItem.objects.create(
        billing_sync=holder, arrow_account=item.arrow_account, report_period=item.report_period,
        arrow_line_reference=item.arrow_line_reference, invoice_item=invoice_item, original_price=item.original_price,
        sell_price=item.sell_price, buy_price=item.buy_price, duplicate_of=item,
    )


def second_mapping_sync(mapping: ArrowCustomerMapping) -> ArrowBillingSync:
    """The sync of a second (since archived) mapping of the same customer, on the same invoice."""
    again = ArrowCustomerMapping.objects.create(settings=mapping.settings, arrow_reference=mapping.arrow_reference,
                                                waldur_customer=mapping.waldur_customer, is_active=False,
                                                archived_at=timezone.now())
    sync = ArrowBillingSync.objects.get(customer_mapping=mapping)
    return ArrowBillingSync.objects.create(customer_mapping=again, report_period=sync.report_period,
                                           invoice=sync.invoice)


def run(*args) -> str:
    out = StringIO()
    call_command("repair_duplicate_charges", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def billed(arrow_settings, period, reference):
    return sum(line.sell_total for line in export_lines(arrow_settings, period) if line.customer_reference == reference)


def test_duplicates_are_listed_then_removed_or_credited_once(billing_settings, mapped):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    nordic_sync = ArrowBillingSync.objects.get(customer_mapping=mapped[NORDIC])
    nordic_holder = second_mapping_sync(mapped[NORDIC])
    for item in nordic_sync.items.all():
        charge_again(item, nordic_holder)
    tartu_sync = ArrowBillingSync.objects.get(customer_mapping=mapped[TARTU])
    tartu_line = tartu_sync.items.order_by("id").first()
    charge_again(tartu_line, second_mapping_sync(mapped[TARTU]))
    invoice_issue(invoice=tartu_sync.invoice)
    nordic, tartu = mapped[NORDIC].waldur_customer, mapped[TARTU].waldur_customer
    doubled = {nordic: 2 * billed(billing_settings, period, NORDIC),
               tartu: billed(billing_settings, period, TARTU) + tartu_line.original_price}
    assert {customer: invoiced_total(customer) for customer in doubled} == doubled
    items_before = InvoiceItem.objects.count()

    listed = run()

    assert "Dry run" in listed and listed.count("would remove it from its pending invoice") == nordic_sync.items.count()
    assert listed.count("would credit it") == 1 and tartu_line.arrow_line_reference in listed
    assert MAPPED[TARTU][1] in listed and str(tartu_sync.invoice.uuid) in listed
    assert InvoiceItem.objects.count() == items_before

    applied = run("--apply")

    assert f"{nordic_sync.items.count()} removed" in applied and "1 credited" in applied
    assert invoiced_total(nordic) == billed(billing_settings, period, NORDIC)
    assert invoiced_total(tartu) == billed(billing_settings, period, TARTU)
    credit = InvoiceItem.objects.get(invoice__customer=tartu, details__source="arrow_compensation")
    assert credit.unit_price == -tartu_line.original_price and credit.invoice.period == current_period().first_day
    assert tartu_line.arrow_line_reference in credit.name + credit.details["reason"]
    assert not ArrowBillingSyncItem.objects.filter(billing_sync=nordic_holder).exists()

    assert "No duplicate charges" in run("--apply")
    assert invoiced_total(tartu) == billed(billing_settings, period, TARTU)


def test_nothing_to_repair(billing_settings, mapped):
    billing_sync_import_period(settings=billing_settings, period=previous_period())
    assert "No duplicate charges" in run()
