"""The fast paths of the bulk jobs change nothing but their speed.

- `core.services.bulk_rows` stores exactly what the ORM stores, and updates only what it is told;
- the billing spool gives back equal lines, grouped and in order;
- a re-import finds changes through its snapshot comparison: a resource linked since the first
  import, a validation date that appeared;
- the client's read-ahead yields the same pages as the sequential loop, and a failing page fails
  at the same place.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from arrow_client import ArrowUnavailable
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowBillingSyncItem, ArrowConsumptionRecord
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.spool import (
    BillingLineSpool,
    line_decode,
    line_encode,
    spool_directories_sweep,
)
from arrow_integration.tests.billing_support import EXPORT_TYPE, NORDIC, PRODUCTION_LICENSE, export_lines
from arrow_integration.tests.periods import after_validation_of, previous_period
from core.models import InvoiceItem
from core.services.bulk_rows import objects_update, rows_insert, rows_update, tables_analyze
from core.services.invoices import InvoiceNotPending, invoice_issue, invoice_items_bulk_insert
from core.tests.factories import InvoiceFactory, ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 1, 31, 23, 59, 59, tzinfo=dt.UTC)
COMPARED_ITEM_FIELDS = ["invoice_id", "name", "resource_id", "project_id", "unit_price", "quantity", "unit",
                        "measured_unit", "article_code", "start", "end", "details"]


def item_fields(resource, **overrides) -> dict:
    return {
        "name": "Arrow Microsoft Azure (2026-01)", "resource": resource, "project": resource.project,
        "unit_price": Decimal("1234.5678912"), "quantity": Decimal("1"), "article_code": "DZH318Z0BPS6:0001",
        "start": START, "end": END, "details": {"source": "arrow_billing_export", "sell_total": "1234.56789",
                                                "nested": {"list": [1, "two", None]}, "unicode": "Pärnu"},
        **overrides,
    }


def stored(item_id: int) -> list:
    return list(InvoiceItem.objects.filter(pk=item_id).values_list(*COMPARED_ITEM_FIELDS).get())


def test_bulk_insert_stores_what_the_orm_stores():
    resource = ResourceFactory()
    invoice = InvoiceFactory(customer=resource.project.customer)
    orm_item = InvoiceItem.objects.create(invoice=invoice, **item_fields(resource))

    [bulk_id] = invoice_items_bulk_insert(invoice=invoice, rows=[item_fields(resource)])

    assert stored(bulk_id) == stored(orm_item.pk)
    bulk_item = InvoiceItem.objects.get(pk=bulk_id)
    assert bulk_item.uuid != orm_item.uuid and bulk_item.created and bulk_item.modified


def test_bulk_insert_returns_ids_in_row_order_and_fills_defaults():
    resource = ResourceFactory()
    invoice = InvoiceFactory(customer=resource.project.customer)
    rows = [{**item_fields(resource, name=f"item {number}"), "resource": None, "project": None}
            for number in range(250)]
    for row in rows:
        del row["details"]

    ids = rows_insert(InvoiceItem, [{**row, "invoice_id": invoice.pk} for row in rows], return_ids=True)

    items = InvoiceItem.objects.in_bulk(ids)
    assert [items[pk].name for pk in ids] == [row["name"] for row in rows]
    assert all(item.details == {} and item.unit == "quantity" for item in items.values())
    assert len({item.uuid for item in items.values()}) == len(rows)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are refreshed on PostgreSQL only")
def test_a_bulk_load_refreshes_the_planner_statistics():
    resource = ResourceFactory()
    invoice = InvoiceFactory(customer=resource.project.customer)
    rows = [{**item_fields(resource, name=f"item {number}"), "invoice_id": invoice.pk} for number in range(2000)]
    rows_insert(InvoiceItem, rows)

    tables_analyze(InvoiceItem)

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [InvoiceItem._meta.db_table])
        assert cursor.fetchone()[0] >= len(rows)


def test_bulk_insert_refuses_an_issued_invoice_and_floats():
    resource = ResourceFactory()
    invoice = InvoiceFactory(customer=resource.project.customer)
    with pytest.raises(TypeError):
        invoice_items_bulk_insert(invoice=invoice, rows=[item_fields(resource, unit_price=1.5)])
    invoice_issue(invoice=invoice)
    with pytest.raises(InvoiceNotPending):
        invoice_items_bulk_insert(invoice=invoice, rows=[item_fields(resource)])
    assert not InvoiceItem.objects.exists()


def test_bulk_update_changes_only_the_given_fields_of_the_given_rows():
    resource = ResourceFactory()
    invoice = InvoiceFactory(customer=resource.project.customer)
    first, second, untouched = (InvoiceItem.objects.create(invoice=invoice, **item_fields(resource, name=name))
                                for name in ("first", "second", "untouched"))
    before = stored(untouched.pk)

    rows_update(InvoiceItem, ["unit_price", "details"], [
        [Decimal("-0.0100000"), {"changed": True}, first.pk],
        [Decimal("99"), {}, second.pk],
    ])
    second.name, second.project = "renamed", None
    objects_update(InvoiceItem, [second], ["name", "project"])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.unit_price, first.details, first.name) == (Decimal("-0.01"), {"changed": True}, "first")
    assert (second.unit_price, second.details, second.name, second.project) == (Decimal(99), {}, "renamed", None)
    assert stored(untouched.pk) == before


def test_spool_gives_back_equal_lines_in_order(billing_settings, mapped):
    lines = export_lines(billing_settings, previous_period())
    sparse = lines[0]._replace(validation_date=None, bill_from=None, unit_sell_price=None)
    assert all(line_decode(line_encode(line)) == line for line in [*lines, sparse])
    assert repr(line_decode(line_encode(lines[0]))) == repr(lines[0])

    with BillingLineSpool() as spool:
        spool.add_many([(1, "f1", line) for line in lines[:3]])
        spool.add_many([(2, "f2", lines[1]), (1, "f1", lines[3])])
        assert list(spool.lines(1)) == [*lines[:4]] and list(spool.lines(2)) == [lines[1]]
        assert list(spool.entries(2)) == [(lines[1], "f2")]
        assert (spool.keys(), spool.count(1), spool.count(3)) == ([1, 2], 4, 0)


def test_spool_directories_of_dead_processes_are_swept(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
    dead = tmp_path / f"arrow-billing-{finished.stdout.strip()}-abc"
    alive = tmp_path / f"arrow-billing-{os.getpid()}-def"
    unrelated = tmp_path / "arrow-billing-notapid-ghi"
    for directory in (dead, alive, unrelated):
        directory.mkdir()
        (directory / "lines.sqlite3").write_bytes(b"x")

    assert spool_directories_sweep(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and unrelated.exists()
    with BillingLineSpool() as spool:
        assert Path(spool._directory.name).name.startswith(f"arrow-billing-{os.getpid()}-")


def test_reimport_links_a_resource_that_was_linked_after_the_first_import(billing_settings, mapped):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    resource = ResourceFactory(project=ProjectFactory(customer=mapped[NORDIC].waldur_customer),
                               backend_id=PRODUCTION_LICENSE)

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    items = InvoiceItem.objects.filter(details__license_reference=PRODUCTION_LICENSE)
    assert outcome["items_updated"] == items.count() == 2
    assert all(item.resource == resource and item.project == resource.project for item in items)


def test_reimport_copies_a_validation_date_that_appeared(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    assert not ArrowBillingSyncItem.objects.filter(validation_date__isnull=False).exists()
    before = list(InvoiceItem.objects.order_by("id").values_list("id", "unit_price", "details", "modified"))
    arrow_emulator.control.set_today(after_validation_of(period))

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert outcome["items_updated"] == 0 and outcome["items_unchanged"] == 0
    assert not ArrowBillingSyncItem.objects.filter(validation_date__isnull=True).exists()
    assert list(InvoiceItem.objects.order_by("id").values_list("id", "unit_price", "details", "modified")) == before


def test_read_ahead_yields_the_pages_of_the_sequential_loop(billing_settings, arrow_emulator):
    arrow_emulator.control.reset("demo", export_page_size=3)
    period = previous_period()
    with arrow_client_for(billing_settings) as client:
        sequential = list(client.iter_billing_export(EXPORT_TYPE, period, period))
        ahead = list(client.iter_billing_export(EXPORT_TYPE, period, period, read_ahead=2))
    assert len(sequential) > 3
    assert [(page.page, page.lines) for page in ahead] == [(page.page, page.lines) for page in sequential]


def test_read_ahead_fails_where_the_sequential_loop_fails(billing_settings, arrow_emulator, settings):
    settings.ARROW_HTTP_MAX_RETRIES = 0
    arrow_emulator.control.reset("demo", export_page_size=3)
    period = previous_period()
    with arrow_client_for(billing_settings) as client:
        pages = client.iter_billing_export(EXPORT_TYPE, period, period, read_ahead=2)
        assert next(pages).page == 1
        arrow_emulator.control.inject_fault("billing/erp/exports/sync", status=503)
        with pytest.raises(ArrowUnavailable):
            next(pages)


@pytest.mark.parametrize(("model", "index_name", "fields"), [
    (ArrowConsumptionRecord, "arrow_consumption_listing", ["-billing_period", "id"]),
    (ArrowBillingSyncItem, "arrow_sync_item_listing", ["billing_sync", "id"]),
])
def test_long_lists_are_read_in_the_order_of_an_index(model, index_name, fields):
    indexes = {index.name: index for index in model._meta.indexes}
    assert indexes[index_name].fields == fields
    assert [name.replace("_id", "") for name in model._meta.ordering] == fields
