"""Which customer mapping an export line belongs to, on the golden page's live rows.

Live exports write the customer's numeric ``Ref`` as ``End User Company ID`` (``111111`` for
``XSP111111``): lines are grouped by it against the mapping's XSP reference, and by company name
only as a last resort, which the outcome counts (``lines_matched_by_name``), on a re-import too.
"""

import pytest

from arrow_integration.models import ArrowBillingSyncItem, ArrowCustomerMapping
from arrow_integration.services.billing.grouping import MappingIndex
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.factories import ArrowSettingsFactory
from arrow_integration.tests.test_billing_golden import BIG_BANK_JULY, SAMPLE_PERIOD, golden_client, sample_payload
from core.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrow_settings():
    return ArrowSettingsFactory(export_type_reference="MSP_EXTENDED", classification_filter="")


def mapping_of(arrow_settings, reference: str, company_name: str) -> ArrowCustomerMapping:
    return ArrowCustomerMapping.objects.create(settings=arrow_settings, arrow_reference=reference,
                                               arrow_company_name=company_name, waldur_customer=CustomerFactory())


def imported_references(mapping) -> set[str]:
    return set(ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping=mapping)
               .values_list("arrow_line_reference", flat=True))


def test_the_numeric_ref_of_a_row_finds_the_mapping_of_its_xsp_reference(arrow_settings):
    # Arrow renamed the company since the mapping was made: only the id can tell.
    big_bank = mapping_of(arrow_settings, "XSP111111", "Big Bank Holding Ltd")

    outcome = billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD,
                                         client=golden_client(sample_payload())).outcome

    assert imported_references(big_bank) == set(BIG_BANK_JULY)
    assert outcome["lines_matched_by_name"] == 0
    assert outcome["unmapped_customers"] == {"XSP222222": 1}


def test_grouping_by_company_name_is_a_counted_last_resort_on_every_import(arrow_settings):
    big_bank = mapping_of(arrow_settings, "XSP999111", "BIG BANK")  # a reference the rows do not carry

    first = billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD,
                                       client=golden_client(sample_payload())).outcome
    again = billing_sync_import_period(settings=arrow_settings, period=SAMPLE_PERIOD,
                                       client=golden_client(sample_payload())).outcome

    assert imported_references(big_bank) == set(BIG_BANK_JULY)
    assert first["lines_matched_by_name"] == 3
    # The re-import recognises the rows without writing them, and still reports how they were grouped.
    assert again["lines_recognised_unchanged"] == 3 and again["lines_matched_by_name"] == 3
    assert again["pages_recognised_unchanged"] == 0


def test_mapping_index_compares_ids_in_either_form_and_names_last(arrow_settings):
    by_reference = mapping_of(arrow_settings, "XSP111111", "Big Bank")
    by_name = mapping_of(arrow_settings, "XSP222333", "Arrow Demo")
    index = MappingIndex([by_reference, by_name])

    assert index.find("111111", "Someone Else") == (by_reference, False)
    assert index.find("xsp111111", None) == (by_reference, False)
    assert index.find("222222", "arrow demo") == (by_name, True)
    assert index.find("333333", "Unknown Ltd") == (None, False)
    assert index.match("111111", None) == by_reference
