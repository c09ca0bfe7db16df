"""Fixtures of the FOCUS export tests: the demo's configuration and three billed months, built
against the emulator the way an operator closes them.

`focus_months` seeds the demo (settings, mappings of Nordic, Baltic and Tartu, the Microsoft
vendor mapping, the resource "Azure Production Subscription"), reading every classification so
that seat licenses (Purchase) appear next to IaaS (Usage), then, with C the current month:

- C-3 ("closed"): statement lines imported (plus a credit line Arrow added for Tartu), its
  invoices issued; then Arrow raises the final price of one Nordic line by 50.00 and the
  statement reconciliation puts a +50.00 compensation on Nordic's invoice of C: a correction of
  an invoiced month;
- C-2 ("consumption"): the resource is linked to license XSP5000101, its consumption synced
  (a provisional item) before the statement lines are imported (the license-month stays charged
  by consumption); consumption reconciliation settles the +2 % final price on C's invoice while
  C-2's invoices are still pending (an adjustment, not yet a correction);
- C ("current"): this month's statement lines so far.

It records the amounts the invoices must carry, from the emulator's lines, independently of
the invoice items.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from arrow_client import Period
from arrow_integration.models import ArrowBillingSyncItem, ArrowConsumptionRecord, ArrowCustomerMapping, ArrowSettings
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.services.configuration.demo import demo_seed_with_summary
from arrow_integration.services.consumption.reconciliation import consumption_reconciliation_run_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.services.licenses.links import license_link_resource
from arrow_integration.tests.billing_support import export_lines
from arrow_integration.tests.periods import current_period
from core.models import Customer, Invoice, Resource
from core.services.invoices import invoice_issue

NORDIC, BALTIC, TARTU = "XSP100001", "XSP100002", "XSP100003"
LINKED_LICENSE = "XSP5000101"  # Nordic's "Azure Production Subscr.", finally billed +2 %
REPRICED_LICENSE = "XSP5000102"  # Nordic's "Azure Development"
CREDITED_LICENSE = "XSP5000301"  # Tartu's "Tartu HPC Research"
PRICE_RAISE = Decimal("50.00")
CREDIT_AMOUNT = Decimal("-25.50")


@dataclass
class FocusMonths:
    settings: ArrowSettings
    closed: Period
    consumption: Period
    current: Period
    customers: dict[str, Customer]  # by Arrow reference
    resource: Resource
    # invoice UUID (str) -> the Arrow-sourced amount it must carry, from the emulator's figures
    expected_totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def periods(self) -> list[Period]:
        return [self.closed, self.consumption, self.current]

    def invoice(self, reference: str, period: Period) -> Invoice:
        return Invoice.objects.get(customer=self.customers[reference], period=period.first_day)


def _sell_by_customer(lines, *, leave_out_license: str | None = None) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.license_reference != leave_out_license:
            totals[line.customer_reference] += line.sell_total
    return totals


def _expect(months: FocusMonths, period: Period, totals: dict[str, Decimal]) -> None:
    for reference, amount in totals.items():
        if reference in months.customers:
            key = str(months.invoice(reference, period).uuid)
            months.expected_totals[key] = months.expected_totals.get(key, Decimal(0)) + amount


def _final_sell(emulator, period: Period, license_reference: str) -> Decimal:
    return sum((Decimal(line["Customer Total Price"]) for line in emulator.control.lines(period)
                if line["ARS Subscription ID"] == license_reference), Decimal(0))


def _close_statement_month(months: FocusMonths, emulator) -> None:
    period, settings = months.closed, months.settings
    emulator.control.add_line(period=period, license=CREDITED_LICENSE, sell=CREDIT_AMOUNT, buy=Decimal("-22.00"))
    billing_sync_import_period(settings=settings, period=period)
    _expect(months, period, _sell_by_customer(export_lines(settings, period)))
    for invoice in Invoice.objects.filter(period=period.first_day):
        invoice_issue(invoice=invoice)
    item = ArrowBillingSyncItem.objects.filter(license_reference=REPRICED_LICENSE, report_period=period.first_day)[0]
    emulator.control.set_line_price(item.arrow_line_reference, sell=item.sell_price + PRICE_RAISE, buy=item.buy_price)
    reconciliation_run_period(settings=settings, period=period)
    _expect(months, months.current, {NORDIC: PRICE_RAISE})


def _charge_month_by_consumption(months: FocusMonths, emulator) -> None:
    period, settings = months.consumption, months.settings
    mapping = ArrowCustomerMapping.objects.get(settings=settings, arrow_reference=NORDIC)
    license_link_resource(mapping=mapping, resource=months.resource, license_reference=LINKED_LICENSE)
    consumption_sync_period(settings=settings, period=period)
    billing_sync_import_period(settings=settings, period=period)
    record = ArrowConsumptionRecord.objects.get(license_reference=LINKED_LICENSE, billing_period=period.first_day)
    by_customer = _sell_by_customer(export_lines(settings, period), leave_out_license=LINKED_LICENSE)
    by_customer[NORDIC] += record.consumed_sell
    _expect(months, period, by_customer)
    consumption_reconciliation_run_period(settings=settings, period=period)
    _expect(months, months.current, {NORDIC: _final_sell(emulator, period, LINKED_LICENSE) - record.consumed_sell})


def focus_months_build(arrow_emulator) -> FocusMonths:
    """Three months of the demo in the emulator: a closed statement month, a month charged by
    consumption and reconciled, and the current month imported."""
    summary = demo_seed_with_summary(base_url="http://testserver/", arrow_url=arrow_emulator.base_url,
                                     arrow_key=arrow_emulator.api_key)
    settings = ArrowSettings.objects.get(uuid=summary["arrow_settings_uuid"])
    settings.classification_filter = ""  # every classification: seat licenses too
    settings.save(update_fields=["classification_filter"])
    current = current_period()
    months = FocusMonths(
        settings=settings, closed=current.shift(-3), consumption=current.shift(-2), current=current,
        customers={mapping.arrow_reference: mapping.waldur_customer
                   for mapping in ArrowCustomerMapping.objects.filter(settings=settings)},
        resource=Resource.objects.get(uuid=summary["resource_uuid"]),
    )
    _close_statement_month(months, arrow_emulator)
    _charge_month_by_consumption(months, arrow_emulator)
    billing_sync_import_period(settings=settings, period=current)
    _expect(months, current, _sell_by_customer(export_lines(settings, current)))
    return months


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def api_export(client, **params) -> tuple[int, str]:
    """Status and body of GET focus-export/ (the streamed CSV joined, or the JSON error)."""
    response = client.get("/api/admin/arrow/focus-export/", params)
    if getattr(response, "streaming", False):
        return response.status_code, b"".join(response.streaming_content).decode()
    return response.status_code, response.content.decode()
