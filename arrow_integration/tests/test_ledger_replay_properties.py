"""Property: the ledger replays. For every invoice, the deltas of its ledger entries add up to its
Arrow-sourced total, after any sequence of what happens to a month.

Hypothesis draws sequences of operations on two closed months against the emulator: billing
imports, Arrow changing a line's final price (the emulator's control API), consumption syncs and
Arrow changing a license's consumption, invoices issued, statement and consumption
reconciliations, a cleanup of consumption records through the API and a correction of an item in
the Django admin. After every operation the replay must hold. Each example starts from the same
state (its writes are rolled back, the emulator reset).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrow_integration.choices import ARROW_INVOICE_ITEM_SOURCES
from arrow_integration.models import ArrowLedgerEntry
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.services.consumption.reconciliation import consumption_reconciliation_run_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.billing_support import MAPPED, NORDIC
from arrow_integration.tests.consumption_support import PRODUCTION_LICENSE, resource_link
from arrow_integration.tests.ledger_support import replay_differences
from arrow_integration.tests.periods import early_in_current_month, previous_period
from core.models import Invoice, InvoiceItem
from core.services.invoices import invoice_issue
from core.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

MONTHS = st.sampled_from([0, 1])  # the previous month (not validated yet), the one before (validated)
AMOUNTS = st.decimals(min_value=-80, max_value=80, places=2, allow_nan=False, allow_infinity=False)
IMPORT = st.tuples(st.just("import_"), MONTHS)
# A few lines only, so that a line's price changes more than once (its compensation then changes).
PRICE = st.tuples(st.just("price"), MONTHS, st.integers(0, 2), AMOUNTS)
OPERATIONS = st.one_of(
    IMPORT,
    PRICE,
    IMPORT,  # twice, and prices twice: most changes show only once the month is read again
    PRICE,
    st.tuples(st.just("usage"), MONTHS, st.decimals(min_value=0, max_value=3000, places=2, allow_nan=False)),
    st.tuples(st.just("issue"), MONTHS),
    st.tuples(st.just("reconcile"), MONTHS),
    st.tuples(st.just("reconcile_consumption"), MONTHS),
    st.tuples(st.just("cleanup"), MONTHS),
    st.tuples(st.just("consumption"), MONTHS),
    st.tuples(st.just("admin_edit"), st.integers(0, 40), AMOUNTS),
)
# Every example starts with both months' consumption synced, then imported: the linked license is
# charged by consumption, and the statement import links its lines to that charge (SPEC 6.4).
START = [("consumption", 0), ("consumption", 1), ("import_", 0), ("import_", 1)]
MAPPED_CUSTOMER_IDS = {reference.removeprefix("XSP") for reference in MAPPED}


class Month:
    """What the operations do, on the two months of the example."""

    def __init__(self, *, emulator, arrow_settings, staff_client, admin_client):
        self.emulator, self.settings = emulator, arrow_settings
        self.staff_client, self.admin_client = staff_client, admin_client
        self.periods = [previous_period(), previous_period().previous()]

    def apply(self, operation: tuple) -> None:
        kind, *arguments = operation
        getattr(self, kind)(*arguments)

    def import_(self, month: int) -> None:
        billing_sync_import_period(settings=self.settings, period=self.periods[month])

    def price(self, month: int, index: int, change: Decimal) -> None:
        lines = sorted((line for line in self.emulator.control.lines(self.periods[month])
                        if line["End User Company ID"] in MAPPED_CUSTOMER_IDS and line["Classification"] == "IAAS"
                        and line["ARS Subscription ID"] != PRODUCTION_LICENSE),  # charged by consumption
                       key=lambda line: line["Sequence"])
        line = lines[index % len(lines)]
        self.emulator.control.set_line_price(line["Sequence"], sell=Decimal(line["Customer Total Price"]) + change,
                                             buy=line["Total Wholesale Price"])

    def consumption(self, month: int) -> None:
        consumption_sync_period(settings=self.settings, period=self.periods[month])

    def usage(self, month: int, sell: Decimal) -> None:
        """Arrow reports another consumption of the linked license, and it is synced."""
        self.emulator.control.set_consumption(PRODUCTION_LICENSE, self.periods[month], sell=sell,
                                              buy=(sell * Decimal("0.88")).quantize(Decimal("0.01")))
        self.consumption(month)

    def issue(self, month: int) -> None:
        for invoice in Invoice.objects.filter(period=self.periods[month].first_day, state=Invoice.State.PENDING):
            invoice_issue(invoice=invoice)

    def reconcile(self, month: int) -> None:
        reconciliation_run_period(settings=self.settings, period=self.periods[month], force=True)

    def reconcile_consumption(self, month: int) -> None:
        consumption_reconciliation_run_period(settings=self.settings, period=self.periods[month], force=True)

    def cleanup(self, month: int) -> None:
        period = str(self.periods[month])
        response = self.staff_client.post("/api/admin/arrow/billing-syncs/cleanup_consumption/",
                                          {"dry_run": False, "period_from": period, "period_to": period},
                                          format="json")
        assert response.status_code == 200, response.content

    def admin_edit(self, index: int, change: Decimal) -> None:
        items = list(InvoiceItem.objects.filter(invoice__state=Invoice.State.PENDING).order_by("id"))
        items = [item for item in items if item.details.get("source") in ARROW_INVOICE_ITEM_SOURCES]
        if not items:
            return
        item = items[index % len(items)]
        response = self.admin_client.post(f"/admin/core/invoiceitem/{item.pk}/change/",
                                          {"name": item.name, "unit_price": str(item.unit_price + change)})
        assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture
def month(arrow_emulator, billing_settings, mapped, staff_client, admin_client) -> Month:
    """Nordic, Baltic and Tartu mapped, Nordic's XSP5000101 linked to a resource (consumption)."""
    resource_link(project=ProjectFactory(customer=mapped[NORDIC].waldur_customer), license_reference=PRODUCTION_LICENSE)
    return Month(emulator=arrow_emulator, arrow_settings=billing_settings, staff_client=staff_client,
                 admin_client=admin_client)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=10))
def test_the_deltas_of_every_invoice_add_up_to_its_arrow_sourced_total(month, operations):
    month.emulator.control.reset(seed="demo")
    month.emulator.control.set_today(early_in_current_month())
    operations = START + operations
    with transaction.atomic():
        for number, operation in enumerate(operations, start=1):
            month.apply(operation)
            assert replay_differences() == {}, f"after operation {number} of {operations}"
        assert ArrowLedgerEntry.objects.exists() or not InvoiceItem.objects.exists()
        transaction.set_rollback(True)
