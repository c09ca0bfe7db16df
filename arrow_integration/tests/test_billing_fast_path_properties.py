"""Property: a re-import that recognises rows as unchanged writes exactly what a full refresh writes.

The import skips the rows whose fingerprint and stored item show them unchanged (`KnownLines`,
page records). Hypothesis imports the golden export page, then changes what a later import may
meet (cells of any column, the settings' price source, prefix or filter, a resource linked to a
license, an invoice item edited by hand, the month's invoice issued) and re-imports it twice
from the same state: once as the import runs, once with nothing recognised as unchanged (every
row through the full comparison). Both must leave the same invoice items, billing sync items
and syncs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem
from arrow_integration.services.billing.fingerprints import KnownLines
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.golden_support import (
    BIG_BANK_JULY,
    SAMPLE_PERIOD,
    golden_client,
    sample_payload,
    set_cell,
)
from core.models import Invoice, InvoiceItem, Resource
from core.services.invoices import invoice_issue, invoice_item_update
from core.tests.factories import ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 8, 10)  # July is over; its invoice is still pending until a change issues it
SEQUENCES = sorted(BIG_BANK_JULY)
COLUMNS = ["Customer Total Price", "Total Wholesale Price", "Qty", "Description", "Friendly Name", "Vendor Name",
           "Validation Date", "ARS Subscription ID", "Classification", "Order Comment 1", "Arrow SKU"]
CELL_VALUES = st.one_of(
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False).map(str),
    st.sampled_from(["", "IAAS", "SAAS", "07/31/2024", "XSP5000101", "Renamed line", "n/a"]),
)
CHANGES = st.one_of(
    st.tuples(st.just("cell"), st.sampled_from(SEQUENCES), st.sampled_from(COLUMNS), CELL_VALUES),
    st.tuples(st.just("price_source"), st.sampled_from(["buy", "sell"])),
    st.tuples(st.just("prefix"), st.sampled_from(["Arrow", "Cloud", ""])),
    st.tuples(st.just("classification_filter"), st.sampled_from(["", "IAAS", "SAAS"])),
    st.tuples(st.just("link_resource"), st.sampled_from(SEQUENCES)),
    st.tuples(st.just("edit_item"), st.sampled_from(SEQUENCES), st.decimals(0, 500, places=2, allow_nan=False)),
    st.tuples(st.just("issue_invoice")),
)


def _apply(change: tuple, payload: dict, arrow_settings, customer) -> None:
    kind = change[0]
    if kind == "cell":
        set_cell(payload, change[1], change[2], change[3])
    elif kind in ("price_source", "prefix", "classification_filter"):
        setattr(arrow_settings, {"price_source": "invoice_price_source", "prefix": "invoice_item_prefix"}.get(
            kind, kind), change[1])
        arrow_settings.save()
    elif kind == "link_resource":
        item = ArrowBillingSyncItem.objects.filter(arrow_line_reference=change[1]).first()
        if item is not None and item.license_reference and not Resource.objects.filter(
                backend_id=item.license_reference).exists():
            ResourceFactory(project=ProjectFactory(customer=customer), backend_id=item.license_reference)
    elif kind == "edit_item":
        item = ArrowBillingSyncItem.objects.filter(arrow_line_reference=change[1]).select_related(
            "invoice_item__invoice").first()
        if item is not None and item.invoice_item.invoice.is_pending:
            invoice_item_update(item=item.invoice_item, unit_price=change[2])
    elif kind == "issue_invoice":
        for invoice in Invoice.objects.filter(state=Invoice.State.PENDING, period=SAMPLE_PERIOD.first_day):
            invoice_issue(invoice=invoice)


def _state() -> dict:
    """What an import leaves, without ids, uuids and timestamps of rows it may create."""
    invoice_items = sorted(
        repr(row) for row in InvoiceItem.objects.values_list(
            "invoice__period", "invoice__state", "name", "unit_price", "quantity", "article_code", "resource_id",
            "project_id", "start", "end", "details")
    )
    sync_items = sorted(
        repr(row) for row in ArrowBillingSyncItem.objects.values_list(
            "arrow_line_reference", "billing_sync__customer_mapping_id", "original_price", "sell_price", "buy_price",
            "final_price", "vendor_name", "subscription_reference", "license_reference", "classification",
            "description", "quantity", "validation_date", "charged_by_consumption", "line_fingerprint",
            "invoice_item__unit_price", "invoice_item__name", "compensation_item__unit_price",
            "compensation_item__details")
    )
    syncs = sorted(repr(row) for row in ArrowBillingSync.objects.values_list(
        "customer_mapping_id", "state", "sell_total", "buy_total", "currency", "error_message"))
    return {"invoice_items": invoice_items, "sync_items": sync_items, "syncs": syncs}


def _reimport(arrow_settings, payload: dict, *, recognise: bool) -> dict:
    """Re-import in a savepoint that is rolled back; what the import left."""
    with transaction.atomic():
        arrow_settings.refresh_from_db()
        if recognise:
            billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload),
                                       today=TODAY)
        else:
            with mock.patch.object(KnownLines, "is_unchanged", return_value=False):
                billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD,
                                           client=golden_client(payload), today=TODAY)
        state = _state()
        transaction.set_rollback(True)
    return state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(changes=st.lists(CHANGES, max_size=3))
def test_recognised_unchanged_never_disagrees_with_a_full_refresh(golden_settings, changes):
    arrow_settings, big_bank = golden_settings
    with transaction.atomic():
        payload = sample_payload()
        billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload),
                                   today=TODAY)
        billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload),
                                   today=TODAY)  # records the pages, so that the next import may use them
        for change in changes:
            _apply(change, payload, arrow_settings, big_bank.waldur_customer)

        fast = _reimport(arrow_settings, payload, recognise=True)
        full = _reimport(arrow_settings, payload, recognise=False)

        assert fast == full
        transaction.set_rollback(True)


def test_an_unchanged_month_is_recognised_whole_and_equals_a_full_refresh(golden_settings):
    arrow_settings, _big_bank = golden_settings
    payload = sample_payload()
    billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload),
                               today=TODAY)

    again = billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload),
                                       today=TODAY)

    assert again.outcome["lines_recognised_unchanged"] == len(BIG_BANK_JULY) and again.outcome["items_updated"] == 0
    assert _reimport(arrow_settings, payload, recognise=True) == _reimport(arrow_settings, payload, recognise=False)
    assert Decimal(0) < ArrowBillingSync.objects.get().sell_total
