"""Importing the real (sanitised) export page of arrow-samples: grouping, bad rows, repeated references.

The client talks to an in-memory transport that answers the export call with the golden page
(`arrow_client/tests/fixtures/billing-export-sample.json`), edited where a test needs a fault Arrow
is known to produce; everything else (client, parser, importer) is the real code.
"""

from decimal import Decimal

import pytest

from arrow_integration.choices import BillingSyncState, SyncRunState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowCustomerMapping, ArrowSyncRun
from arrow_integration.services.billing.grouping import company_name_key
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.golden_support import (
    ARROW_DEMO,
    BIG_BANK,
    BIG_BANK_JULY,
    SAMPLE_PERIOD,
    golden_client,
    sample_payload,
    set_cell,
)
from core.models import Invoice
from core.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

def test_golden_page_imports_the_periods_lines_of_the_mapped_customer(golden_settings):
    arrow_settings, big_bank = golden_settings

    outcome = billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD,
                                         client=golden_client(sample_payload())).outcome

    items = ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping=big_bank)
    assert {item.arrow_line_reference: item.invoice_item.unit_price for item in items} == {
        reference: Decimal(total) for reference, total in BIG_BANK_JULY.items()
    }
    sync = ArrowBillingSync.objects.get()
    assert sync.sell_total == Decimal("1831.01") and sync.currency == "USD"
    assert outcome["lines_of_other_period"] == 4  # rows of 2024-08 in the same page are not July's
    # Unmapped customers are named by their XSP reference (the row holds the numeric Ref 222222).
    assert outcome["unmapped_customers"] == {"XSP" + ARROW_DEMO: 1}


def test_a_row_with_a_bad_amount_fails_its_customers_month_only(golden_settings):
    arrow_settings, big_bank = golden_settings
    demo = ArrowCustomerMapping.objects.create(settings=arrow_settings, arrow_reference=ARROW_DEMO,
                                               arrow_company_name="Arrow Demo", waldur_customer=CustomerFactory())
    payload = sample_payload()
    set_cell(payload, "AWSIM24-16967007-50344", "Customer Total Price", "215,13")

    outcome = billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload)).outcome

    # Nothing of the failed month is written, not even a sync or an invoice to hold the error:
    # the run and the outcome carry it.
    assert not ArrowBillingSync.objects.filter(customer_mapping=big_bank).exists()
    assert not Invoice.objects.filter(customer=big_bank.waldur_customer).exists()
    assert "AWSIM24-16967007-50344" in outcome["failures"][BIG_BANK]
    assert "Customer Total Price" in outcome["failures"][BIG_BANK]
    assert ArrowBillingSync.objects.get(customer_mapping=demo).items.count() == 1
    assert outcome["failures"].keys() == {BIG_BANK}
    run = ArrowSyncRun.objects.get()
    assert run.state == SyncRunState.FAILED and "AWSIM24-16967007-50344" in run.error_message

    # Arrow fixes the row: the next run imports the month and clears the error. The sample's
    # lines all carry a Validation Date, so the ended month is validated at once.
    billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(sample_payload()))
    imported = ArrowBillingSync.objects.get(customer_mapping=big_bank)
    assert imported.error_message == "" and imported.items.count() == 3
    assert imported.state == BillingSyncState.VALIDATED and imported.synced_at and imported.validated_at

    # The row breaks again: the existing sync gets the error and keeps its state and items.
    billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload))
    imported.refresh_from_db()
    assert imported.state == BillingSyncState.VALIDATED and imported.items.count() == 3
    assert "Customer Total Price" in imported.error_message


def test_a_repeated_line_reference_is_reported_not_merged(golden_settings):
    arrow_settings, big_bank = golden_settings
    payload = sample_payload()
    set_cell(payload, "AWSIM24-16967007-50345", "Sequence", "AWSIM24-16967007-50344")

    outcome = billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload)).outcome

    assert not ArrowBillingSync.objects.exists() and not ArrowBillingSyncItem.objects.exists()
    assert "repeated line reference" in outcome["failures"][BIG_BANK]
    assert "AWSIM24-16967007-50344" in outcome["failures"][BIG_BANK]


def test_a_bad_row_without_customer_is_reported_in_the_run(golden_settings):
    arrow_settings, big_bank = golden_settings
    payload = sample_payload()
    for column in ("End User Company ID", "End User Company Name"):
        set_cell(payload, "AWSIM24-16967007-50343", column, "")
    set_cell(payload, "AWSIM24-16967007-50343", "Total Wholesale Price", "n/a")

    outcome = billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD, client=golden_client(payload)).outcome

    assert len(outcome["unattributed_line_errors"]) == 1 and "50343" in outcome["unattributed_line_errors"][0]
    assert ArrowBillingSync.objects.get(customer_mapping=big_bank).items.count() == 3
    run = ArrowSyncRun.objects.get()
    assert run.state == SyncRunState.FAILED and "without a customer" in run.error_message


@pytest.mark.parametrize(
    ("name", "other"),
    [("Nordic Cloud Solutions OÜ", "nordic cloud solutions oü"), ("Big Bank, Inc.", "BIG BANK INC"),
     ("Baltic  Data-Systems SIA", "baltic data systems sia")],
)
def test_company_names_compare_without_case_whitespace_and_punctuation(name, other):
    assert company_name_key(name) == company_name_key(other) != ""
