"""A month built in the emulator to hold every variance class of the month-close report.

`closing_month_build` uses the demo customers with the settings' default filter (IAAS), with C
the current month and the emulator's today early in C (so C-2 is validated, C-1 is not):

- Nordic (XSP100001) and Tartu (XSP100003) have one license each linked to a resource whose
  consumption of C-2 is synced before the statement import: XSP5000101 (finally +2 %:
  `undercharged` until consumption reconciliation) and XSP5000302 (−5 %: `overcharged`);
- after the import, Arrow raises the final price of a Nordic line (XSP5000102) by 50.00 and
  the statement reconciliation compensates it: `matched`, with a compensation on C's invoice;
- the Microsoft 365 lines (SAAS) are `excluded`; Quantum (XSP100005) and Aurora (XSP100006)
  are `unmapped`; Helios (XSP100004) is mapped after the import: its IAAS lines are `missing`;
- written directly (the code cannot make them): a second charge of a Baltic line
  (`duplicated`) and an Arrow statement item naming no line of the month (`unexpected`).

Amounts the report must show are taken from the emulator's own lines, not from the invoices.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from arrow_client import Period
from arrow_integration.choices import ARROW_INVOICE_ITEM_SOURCES, BILLING_EXPORT_SOURCE
from arrow_integration.models import ArrowBillingSyncItem, ArrowCustomerMapping, ArrowSettings
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.billing_support import billing_settings_create, mappings_create
from arrow_integration.tests.consumption_support import resource_link
from arrow_integration.tests.periods import current_period, early_in_current_month
from core.models import Customer, Invoice, InvoiceItem
from core.services.invoices import invoice_item_create, period_bounds
from core.tests.factories import CustomerFactory, ProjectFactory

NORDIC, BALTIC, TARTU = "XSP100001", "XSP100002", "XSP100003"
HELIOS, QUANTUM, AURORA = "XSP100004", "XSP100005", "XSP100006"
RAISED_LICENSE = "XSP5000101"  # Nordic, consumption, finally +2 %
LOWERED_LICENSE = "XSP5000302"  # Tartu, consumption, finally −5 %
REPRICED_LICENSE = "XSP5000102"  # Nordic, statement line raised by PRICE_RAISE, then reconciled
DUPLICATED_LICENSE = "XSP5000202"  # Baltic, a second charge written by the test
EXCLUDED_LICENSE = "XSP5000104"  # Nordic, Microsoft 365 (SAAS)
PRICE_RAISE = Decimal("50.00")
UNEXPECTED_AMOUNT = Decimal("12.34")
GHOST_LINE = "GHOST-0001"


@dataclass
class ClosingMonth:
    settings: ArrowSettings
    period: Period
    mappings: dict[str, ArrowCustomerMapping]
    duplicate: ArrowBillingSyncItem
    unexpected: InvoiceItem

    def customer(self, reference: str) -> Customer:
        return self.mappings[reference].waldur_customer


def _linked_resources(mappings: dict[str, ArrowCustomerMapping]) -> None:
    for reference, license_reference in ((NORDIC, RAISED_LICENSE), (TARTU, LOWERED_LICENSE)):
        project = ProjectFactory(customer=mappings[reference].waldur_customer, name="Cloud Infrastructure")
        resource_link(project=project, license_reference=license_reference)


def _reprice_and_reconcile(emulator, settings: ArrowSettings, period: Period) -> None:
    item = ArrowBillingSyncItem.objects.get(license_reference=REPRICED_LICENSE, report_period=period.first_day)
    emulator.control.set_line_price(item.arrow_line_reference, sell=item.sell_price + PRICE_RAISE, buy=item.buy_price)
    reconciliation_run_period(settings=settings, period=period)


def duplicate_charge_write(period: Period, license_reference: str) -> ArrowBillingSyncItem:
    """A second charge of the license's first line, as data of earlier versions held them."""
    original = ArrowBillingSyncItem.objects.select_related("invoice_item__invoice").filter(
        license_reference=license_reference, report_period=period.first_day).order_by("id")[0]
    first = original.invoice_item
    charge = invoice_item_create(
        invoice=first.invoice, name=first.name, unit_price=first.unit_price, quantity=first.quantity,
        start=first.start, end=first.end, details=first.details,
    )
    return ArrowBillingSyncItem.objects.create(
        billing_sync=original.billing_sync, arrow_account=original.arrow_account, report_period=original.report_period,
        arrow_line_reference=original.arrow_line_reference, duplicate_of=original, invoice_item=charge,
        original_price=original.original_price, sell_price=original.sell_price, buy_price=original.buy_price,
        license_reference=original.license_reference, classification=original.classification,
    )


def unexpected_item_write(customer: Customer, period: Period, reference: str) -> InvoiceItem:
    """An Arrow statement item of ``period`` that names a line Arrow never billed."""
    invoice = Invoice.objects.get(customer=customer, period=period.first_day)
    start, end = period_bounds(period.first_day)
    return invoice_item_create(
        invoice=invoice, name="Arrow line nobody imported", unit_price=UNEXPECTED_AMOUNT, quantity=Decimal(1),
        start=start, end=end, details={"source": BILLING_EXPORT_SOURCE, "period": str(period),
                                       "line_reference": GHOST_LINE, "arrow_customer_reference": reference,
                                       "currency": "EUR"},
    )


def closing_month_build(emulator) -> ClosingMonth:
    """C-2 of the demo holding every variance class (see the module)."""
    settings = billing_settings_create(emulator)
    emulator.control.set_today(early_in_current_month())
    period = current_period().shift(-2)
    mappings = mappings_create(settings)
    _linked_resources(mappings)
    consumption_sync_period(settings=settings, period=period)
    billing_sync_import_period(settings=settings, period=period)
    _reprice_and_reconcile(emulator, settings, period)
    mappings[HELIOS] = ArrowCustomerMapping.objects.create(
        settings=settings, arrow_reference=HELIOS, arrow_company_name="Helios Manufacturing",
        waldur_customer=CustomerFactory(name="Helios Manufacturing"))
    duplicate = duplicate_charge_write(period, DUPLICATED_LICENSE)
    unexpected = unexpected_item_write(mappings[BALTIC].waldur_customer, period, BALTIC)
    return ClosingMonth(settings=settings, period=period, mappings=mappings, duplicate=duplicate,
                        unexpected=unexpected)


def emulator_sell_by_customer(emulator, period: Period) -> dict[str, Decimal]:
    """Arrow's sell total of every line of ``period`` per XSP customer reference (all classifications)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in emulator.control.lines(period):
        totals[f"XSP{line['End User Company ID']}"] += Decimal(line["Customer Total Price"])
    return dict(totals)


def emulator_sell_of_license(emulator, period: Period, license_reference: str) -> Decimal:
    return sum((Decimal(line["Customer Total Price"]) for line in emulator.control.lines(period)
                if line["ARS Subscription ID"] == license_reference), Decimal(0))


def arrow_items_total(customer: Customer, period: Period) -> Decimal:
    """Every Arrow-sourced invoice item of ``customer`` naming ``period``, on any invoice (the table itself)."""
    items = InvoiceItem.objects.filter(invoice__customer=customer, details__period=str(period),
                                       details__source__in=ARROW_INVOICE_ITEM_SOURCES)
    return items.aggregate(total=Sum("unit_price"))["total"] or Decimal(0)


def items_total_of(uuids) -> Decimal:
    """The sum of the invoice items with these UUIDs, from the invoice-items table."""
    found = InvoiceItem.objects.filter(uuid__in=list(uuids))
    assert found.count() == len(set(uuids))
    return sum((item.total for item in found), Decimal(0))
