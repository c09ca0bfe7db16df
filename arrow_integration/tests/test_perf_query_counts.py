"""A list page costs the same number of SQL queries whatever its size (no N+1), on every list
endpoint of /api/admin/arrow/ and of the core objects.

The data fills every relation a list shows (plans, components, compensation items, embedded
items…), with several objects per list, so a relation read row by row would show up as more
queries on the 50-row page than on the 1-row page. Timing is the job of `bench/api.py`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrow_client import Period
from arrow_integration.choices import BILLING_EXPORT_SOURCE, SyncRunKind, SyncRunTrigger
from arrow_integration.models import (
    ArrowBillingSync,
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowSyncRun,
)
from arrow_integration.services.ledger.actor import ledger_actor_of_run
from arrow_integration.services.ledger.record import ledger_items_created
from arrow_integration.services.runs.records import sync_run_queue
from arrow_integration.tests.factories import (
    ArrowCustomerMappingFactory,
    ArrowSettingsFactory,
    ArrowVendorOfferingMappingFactory,
)
from core.models import InvoiceItem
from core.tests.factories import (
    CustomerFactory,
    InvoiceFactory,
    OfferingComponentFactory,
    OfferingFactory,
    PlanFactory,
    ProjectFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db
OBJECTS = 3
SMALL_PAGE, LARGE_PAGE = 1, 50
PERIOD = dt.date(2026, 1, 1)
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 1, 31, 23, 59, 59, tzinfo=dt.UTC)

ARROW_LISTS = [
    "/api/admin/arrow/settings/",
    "/api/admin/arrow/customer-mappings/",
    "/api/admin/arrow/vendor-offering-mappings/",
    "/api/admin/arrow/billing-syncs/",
    "/api/admin/arrow/billing-sync-items/",
    "/api/admin/arrow/consumption-records/",
    "/api/admin/arrow/sync-runs/",
    "/api/admin/arrow/ledger/",
]
CORE_LISTS = [
    "/api/customers/",
    "/api/projects/",
    "/api/marketplace-provider-offerings/",
    "/api/marketplace-plans/",
    "/api/marketplace-resources/",
    "/api/invoices/",
    "/api/invoice-items/",
]


def invoice_item(invoice, resource, name: str, source: str = "test") -> InvoiceItem:
    return InvoiceItem.objects.create(
        invoice=invoice, name=name, resource=resource, project=resource.project, unit_price=Decimal("10.50"),
        quantity=Decimal(1), start=START, end=END, details={"source": source, "period": "2026-01"},
    )


@pytest.fixture
def filled_lists(plain_user):
    """Several objects of every listed kind, each with all its relations set."""
    settings_rows = [ArrowSettingsFactory(is_active=index == 0) for index in range(OBJECTS)]
    active = settings_rows[0]
    for index in range(OBJECTS):
        customer = CustomerFactory()
        customer.members.add(plain_user)
        project = ProjectFactory(customer=customer)
        offering = OfferingFactory(customer=customer)
        OfferingComponentFactory(offering=offering, type=f"cost{index}")
        plan = PlanFactory(offering=offering)
        resource = ResourceFactory(project=project, offering=offering, plan=plan, backend_id=f"XSP70000{index}")
        invoice = InvoiceFactory(customer=customer, period=PERIOD)
        mapping = ArrowCustomerMappingFactory(settings=active, waldur_customer=customer)
        ArrowVendorOfferingMappingFactory(settings=active, offering=offering, plan=plan)
        sync = ArrowBillingSync.objects.create(customer_mapping=mapping, report_period=PERIOD, invoice=invoice)
        for line in range(OBJECTS):
            ArrowBillingSyncItem.objects.create(
                billing_sync=sync, arrow_line_reference=f"L{index}-{line}", arrow_account=active.arrow_account,
                report_period=PERIOD,
                invoice_item=invoice_item(invoice, resource, f"line {index}-{line}"),
                compensation_item=invoice_item(invoice, resource, f"compensation {index}-{line}"),
                license_reference=resource.backend_id,
            )
        ArrowConsumptionRecord.objects.create(
            resource=resource, license_reference=resource.backend_id, billing_period=PERIOD,
            invoice_item=invoice_item(invoice, resource, f"consumption {index}"),
            compensation_item=invoice_item(invoice, resource, f"consumption compensation {index}"),
            final_sell=Decimal("11"), final_buy=Decimal("9"), finalized_at=END,
        )
        ArrowSyncRun.objects.create(settings=settings_rows[index], kind=SyncRunKind.BILLING, period=PERIOD,
                                    triggered_by=SyncRunTrigger.USER, triggered_by_user=plain_user)
        with ledger_actor_of_run(sync_run_queue(settings=active, kind=SyncRunKind.BILLING, period=Period(2026, 1),
                                                triggered_by=SyncRunTrigger.USER, user=plain_user)):
            ledger_items_created([invoice_item(invoice, resource, f"ledgered {index}-{entry}", BILLING_EXPORT_SOURCE)
                                  for entry in range(OBJECTS)], cause="new Arrow export line")
    return settings_rows


def queries_and_rows(client, path: str, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries), len(response.json())


@pytest.mark.parametrize("path", ARROW_LISTS + CORE_LISTS)
def test_a_list_page_costs_the_same_queries_whatever_its_size(staff_client, filled_lists, path):
    small_queries, small_rows = queries_and_rows(staff_client, path, SMALL_PAGE)
    large_queries, large_rows = queries_and_rows(staff_client, path, LARGE_PAGE)
    assert small_rows == 1 and large_rows >= OBJECTS
    assert large_queries == small_queries


@pytest.mark.parametrize("path", CORE_LISTS)
def test_a_members_list_page_costs_the_same_queries_whatever_its_size(user_client, filled_lists, path):
    small_queries, small_rows = queries_and_rows(user_client, path, SMALL_PAGE)
    large_queries, large_rows = queries_and_rows(user_client, path, LARGE_PAGE)
    assert small_rows == 1 and large_rows >= OBJECTS
    assert large_queries == small_queries
