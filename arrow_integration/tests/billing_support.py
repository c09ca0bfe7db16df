"""Fixtures and helpers of the billing tests: settings pointing at the emulator, mapped demo
customers, and the emulator's own view of an export to compare against.

Demo data used (see arrow_emulator.seeds): Nordic Cloud Solutions OÜ (XSP100001, licenses
XSP5000101 with two lines a month, XSP5000102, XSP5000103), Baltic Data Systems SIA (XSP100002),
Tartu Research Lab (XSP100003); the three other Arrow customers stay unmapped.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from arrow_client import BillingLine, Period
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from core.models import Customer, InvoiceItem
from core.tests.factories import CustomerFactory

EXPORT_TYPE = "MSP_EXTENDED"
NORDIC = "XSP100001"
BALTIC = "XSP100002"
TARTU = "XSP100003"
MAPPED = {
    NORDIC: ("Nordic Cloud Solutions OÜ", "Nordic Cloud Solutions"),
    BALTIC: ("Baltic Data Systems SIA", "Baltic Data Systems"),
    TARTU: ("Tartu Research Lab", "Tartu Research Lab"),
}
PRODUCTION_LICENSE = "XSP5000101"


def billing_settings_create(emulator, **fields) -> ArrowSettings:
    values = {"export_type_reference": EXPORT_TYPE, "is_active": True, "sync_enabled": True, **fields}
    arrow_settings = ArrowSettings(api_url=emulator.base_url, **values)
    arrow_settings.api_key = emulator.api_key
    arrow_settings.save()
    return arrow_settings


def mappings_create(arrow_settings: ArrowSettings, references=tuple(MAPPED)) -> dict[str, ArrowCustomerMapping]:
    found = {}
    for reference in references:
        arrow_name, local_name = MAPPED[reference]
        customer = CustomerFactory(name=local_name)
        found[reference] = ArrowCustomerMapping.objects.create(
            settings=arrow_settings, arrow_reference=reference, arrow_company_name=arrow_name, waldur_customer=customer
        )
    return found




def export_lines(arrow_settings: ArrowSettings, period: Period) -> list[BillingLine]:
    """The export as the emulator serves it (classification filter applied), all pages."""
    classification = arrow_settings.classification_filter
    with arrow_client_for(arrow_settings) as client:
        return [
            line
            for page in client.iter_billing_export(arrow_settings.export_type_reference, period, period,
                                                   classifications=[classification] if classification else None)
            for line in page.lines
        ]


def line_totals_by_customer(lines: list[BillingLine], price_source: str = "sell") -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.customer_reference] += line.total_for(price_source)
    return dict(totals)


def invoiced_total(customer: Customer, **filters) -> Decimal:
    """Sum of the customer's invoice items (unit price × 1 for Arrow items) over all invoices."""
    items = InvoiceItem.objects.filter(invoice__customer=customer, **filters)
    return items.aggregate(total=Sum("unit_price"))["total"] or Decimal(0)


def invoice_snapshot(invoice) -> list[tuple]:
    """Everything about an invoice's items that must stay as it is once the invoice was issued."""
    return list(invoice.items.order_by("id").values_list("id", "name", "unit_price", "quantity", "details", "modified"))
