"""A re-import recognises unchanged export rows by their fingerprint, and never wrongly.

Every row of an unchanged month is recognised (not parsed, not compared, not written). A row is
taken through the full comparison, and its item brought in step, whenever anything that decides
its invoice item changed: the row itself, the settings' price source, the resource linked to its
license, or the invoice item edited out of band. Items without a fingerprint (imported before
fingerprints existed) are compared once, get one, and are recognised from then on.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowBillingExportPage, ArrowBillingSyncItem
from arrow_integration.services.billing.fingerprints import KnownLines
from arrow_integration.services.billing.grouping import MappingIndex, billing_export_group
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.billing_support import EXPORT_TYPE, NORDIC, PRODUCTION_LICENSE, export_lines
from arrow_integration.tests.periods import previous_period
from core.models import InvoiceItem
from core.tests.factories import ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def invoice_items() -> list[tuple]:
    return list(InvoiceItem.objects.order_by("id").values_list(
        "id", "invoice_id", "name", "resource_id", "project_id", "unit_price", "quantity", "details", "modified"))


def sync_items() -> list[tuple]:
    return list(ArrowBillingSyncItem.objects.order_by("id").values_list(
        "id", "arrow_line_reference", "original_price", "sell_price", "buy_price", "line_fingerprint", "modified"))


@pytest.fixture
def imported(billing_settings, mapped):
    """The previous month imported once; returns the number of lines it holds."""
    outcome = billing_sync_import_period(settings=billing_settings, period=previous_period()).outcome
    assert outcome["failures"] == {} and outcome["items_created"] >= 10
    assert not ArrowBillingSyncItem.objects.filter(line_fingerprint="").exists()
    return outcome["items_created"]


def test_an_unchanged_month_is_recognised_row_by_row_and_nothing_is_written(billing_settings, imported):
    before_items, before_sync_items = invoice_items(), sync_items()

    outcome = billing_sync_import_period(settings=billing_settings, period=previous_period()).outcome

    assert outcome["lines_recognised_unchanged"] == outcome["items_unchanged"] == imported
    assert (outcome["items_created"], outcome["items_updated"], outcome["items_compensated"]) == (0, 0, 0)
    assert outcome["missing_lines"] == {} and outcome["failures"] == {}
    assert invoice_items() == before_items and sync_items() == before_sync_items


def test_a_changed_row_is_compared_in_full_and_the_others_are_recognised(billing_settings, imported, arrow_emulator):
    period = previous_period()
    line = next(line for line in export_lines(billing_settings, period) if line.license_reference == PRODUCTION_LICENSE)
    arrow_emulator.control.set_line_price(line.line_reference, sell="1111.11111", buy="999.99999")

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert outcome["lines_recognised_unchanged"] == imported - 1
    assert (outcome["items_updated"], outcome["items_unchanged"]) == (1, imported - 1)
    item = ArrowBillingSyncItem.objects.select_related("invoice_item").get(arrow_line_reference=line.line_reference)
    assert item.invoice_item.unit_price == item.sell_price == Decimal("1111.11111")
    again = billing_sync_import_period(settings=billing_settings, period=period).outcome
    assert again["lines_recognised_unchanged"] == imported and again["items_updated"] == 0


def test_a_new_price_source_reprices_every_row(billing_settings, imported):
    period = previous_period()
    billing_settings.invoice_price_source = "buy"
    billing_settings.save()

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert outcome["lines_recognised_unchanged"] == 0 and outcome["items_updated"] == imported
    assert all(item.invoice_item.unit_price == item.buy_price
               for item in ArrowBillingSyncItem.objects.select_related("invoice_item"))
    assert billing_sync_import_period(settings=billing_settings, period=period).outcome["lines_recognised_unchanged"] == imported


def test_linking_and_unlinking_a_resource_brings_its_rows_back_into_the_comparison(billing_settings, mapped, imported):
    period = previous_period()
    resource = ResourceFactory(project=ProjectFactory(customer=mapped[NORDIC].waldur_customer),
                               backend_id=PRODUCTION_LICENSE)
    charged = InvoiceItem.objects.filter(details__license_reference=PRODUCTION_LICENSE)

    linked = billing_sync_import_period(settings=billing_settings, period=period).outcome
    assert linked["lines_recognised_unchanged"] == imported - 2 and linked["items_updated"] == 2
    assert {(item.resource_id, item.project_id) for item in charged.all()} == {(resource.pk, resource.project_id)}

    resource.backend_id = ""
    resource.save()
    unlinked = billing_sync_import_period(settings=billing_settings, period=period).outcome
    assert unlinked["lines_recognised_unchanged"] == imported - 2 and unlinked["items_updated"] == 2
    assert {(item.resource_id, item.project_id) for item in charged.all()} == {(None, None)}


def test_an_invoice_item_edited_out_of_band_is_restored(billing_settings, imported):
    item = ArrowBillingSyncItem.objects.select_related("invoice_item").order_by("id").first()
    InvoiceItem.objects.filter(pk=item.invoice_item_id).update(unit_price=Decimal("0.01"))

    outcome = billing_sync_import_period(settings=billing_settings, period=previous_period()).outcome

    assert outcome["lines_recognised_unchanged"] == imported - 1 and outcome["items_updated"] == 1
    assert InvoiceItem.objects.get(pk=item.invoice_item_id).unit_price == item.original_price


def test_items_without_a_fingerprint_get_one_without_other_writes(billing_settings, imported):
    period = previous_period()
    ArrowBillingSyncItem.objects.update(line_fingerprint="")
    before_items = invoice_items()
    before_modified = list(ArrowBillingSyncItem.objects.order_by("id").values_list("modified", "sell_price"))

    first = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert first["lines_recognised_unchanged"] == 0 and first["items_unchanged"] == imported
    assert first["items_updated"] == first["items_created"] == 0
    assert invoice_items() == before_items
    assert list(ArrowBillingSyncItem.objects.order_by("id").values_list("modified", "sell_price")) == before_modified
    assert not ArrowBillingSyncItem.objects.filter(line_fingerprint="").exists()
    after_first = sync_items()
    second = billing_sync_import_period(settings=billing_settings, period=period).outcome
    assert second["lines_recognised_unchanged"] == imported and sync_items() == after_first


def test_a_recognised_row_repeated_in_the_export_is_still_reported(billing_settings, mapped, imported):
    """Grouping with a client whose export repeats a row that the month already holds."""
    period = previous_period()
    with arrow_client_for(billing_settings) as client:
        table = client.billing_export_table(EXPORT_TYPE, period, period,
                                            classifications=[billing_settings.classification_filter])
    first = table.values[0]
    assert "XSP" + first[table.headers.index("End User Company ID")] == NORDIC  # the row holds the numeric Ref
    table.values.append(list(first))

    class RepeatingClient:
        def iter_billing_export_tables(self, *args, **kwargs):
            yield table

    index = MappingIndex.for_settings(billing_settings)
    known = KnownLines.load(account=billing_settings.arrow_account, mappings=index.mappings.values(), period=period)
    grouping = billing_export_group(client=RepeatingClient(), settings=billing_settings, period=period, index=index,
                                    known=known)
    with grouping.spool:
        assert grouping.unchanged_lines == imported  # the repeat is reported, not counted
        assert dict(grouping.duplicates) == {mapped[NORDIC].pk: [first[table.headers.index("Sequence")]]}


@pytest.fixture
def small_pages(arrow_emulator, billing_settings):
    """The export in pages of three rows, so that a month has many pages."""
    arrow_emulator.control.reset("demo", export_page_size=3, today=arrow_emulator.control.health()["today"])
    return billing_settings


def test_pages_read_before_are_taken_whole_from_their_record(small_pages, mapped):
    period = previous_period()
    first = billing_sync_import_period(settings=small_pages, period=period).outcome
    records = ArrowBillingExportPage.objects.filter(settings=small_pages, report_period=period.first_day)
    # Pages with a row of an unmapped customer are read row by row every time.
    assert 0 < records.count() < first["pages"]
    before_items, before_sync_items = invoice_items(), sync_items()
    before_records = list(records.order_by("id").values_list("id", "number", "digest"))

    again = billing_sync_import_period(settings=small_pages, period=period).outcome

    assert again["pages_recognised_unchanged"] == records.count()
    assert list(records.order_by("id").values_list("id", "number", "digest")) == before_records
    assert again["lines_recognised_unchanged"] == again["items_unchanged"] == first["items_created"]
    assert again["items_created"] == again["items_updated"] == 0 and again["missing_lines"] == {}
    assert invoice_items() == before_items and sync_items() == before_sync_items


def test_a_changed_row_takes_its_page_row_by_row(small_pages, mapped, arrow_emulator):
    period = previous_period()
    billing_sync_import_period(settings=small_pages, period=period)
    recorded = ArrowBillingExportPage.objects.filter(settings=small_pages, report_period=period.first_day).count()
    line = next(line for line in export_lines(small_pages, period) if line.license_reference == PRODUCTION_LICENSE)
    arrow_emulator.control.set_line_price(line.line_reference, sell="2222.22222", buy="1999.99999")

    outcome = billing_sync_import_period(settings=small_pages, period=period).outcome

    assert outcome["pages_recognised_unchanged"] == recorded - 1 and outcome["items_updated"] == 1
    item = ArrowBillingSyncItem.objects.select_related("invoice_item").get(arrow_line_reference=line.line_reference)
    assert item.invoice_item.unit_price == Decimal("2222.22222")
    assert billing_sync_import_period(settings=small_pages, period=period).outcome["pages_recognised_unchanged"] == recorded


def test_a_recorded_page_whose_items_changed_locally_is_read_row_by_row(small_pages, mapped):
    period = previous_period()
    billing_sync_import_period(settings=small_pages, period=period)
    resource = ResourceFactory(project=ProjectFactory(customer=mapped[NORDIC].waldur_customer),
                               backend_id=PRODUCTION_LICENSE)

    outcome = billing_sync_import_period(settings=small_pages, period=period).outcome

    charged = InvoiceItem.objects.filter(details__license_reference=PRODUCTION_LICENSE)
    assert outcome["items_updated"] == charged.count() == 2
    assert {item.resource_id for item in charged} == {resource.pk}


def test_a_changed_mapping_retires_every_page_record(small_pages, mapped):
    period = previous_period()
    billing_sync_import_period(settings=small_pages, period=period)
    mapping = mapped[NORDIC]
    mapping.arrow_company_name = "Nordic Cloud Solutions Oy"
    mapping.save()

    outcome = billing_sync_import_period(settings=small_pages, period=period).outcome

    assert outcome["pages_recognised_unchanged"] == 0 and outcome["items_updated"] == 0
    assert billing_sync_import_period(settings=small_pages, period=period).outcome["pages_recognised_unchanged"] > 0
