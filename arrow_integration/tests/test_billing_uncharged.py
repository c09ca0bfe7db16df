"""Every Arrow line of a month is accounted for (SPEC 6.10): lines left out are counted and kept.

The default classification filter (IAAS) leaves Nordic's Microsoft 365 licenses (SAAS:
XSP5000104 with 25 seats, XSP5000105 with 10; 852.00 a month together) uninvoiced. They used to
be filtered out by Arrow itself and never counted (`lines_of_other_classification: 0`). Now
every classification is read, and what the filter or a missing mapping leaves out is counted per
customer in the run's outcome and recorded in `ArrowUnchargedLine`.
"""

from decimal import Decimal

import pytest

from arrow_client.references import xsp_reference
from arrow_integration.choices import UnchargedReason
from arrow_integration.models import ArrowBillingSyncItem, ArrowUnchargedLine
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.billing_support import MAPPED, NORDIC
from arrow_integration.tests.periods import previous_period
from core.models import InvoiceItem

pytestmark = pytest.mark.django_db
M365_LICENSES = {"XSP5000104", "XSP5000105"}
M365_MONTH_SELL = Decimal("852.00")


def emulator_lines(emulator, period) -> list[dict]:
    return emulator.control.lines(period)


def test_lines_outside_the_classification_filter_are_counted_and_recorded(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    lines = emulator_lines(arrow_emulator, period)
    saas = [line for line in lines if line["ARS Subscription ID"] in M365_LICENSES]
    assert len(saas) == 2 and all(line["Classification"] == "SAAS" for line in saas)

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert outcome["lines_of_other_classification"] == len([line for line in lines if line["Classification"] != "IAAS"])
    excluded = outcome["excluded_by_classification"][NORDIC]
    assert excluded == {"customer_name": MAPPED[NORDIC][0], "lines": 2, "sell": "852.00000",
                        "buy": str(sum(Decimal(line["Total Wholesale Price"]) for line in saas))}
    assert Decimal(excluded["sell"]) == M365_MONTH_SELL
    recorded = ArrowUnchargedLine.objects.filter(reason=UnchargedReason.CLASSIFICATION, customer_reference=NORDIC)
    assert {row.license_reference for row in recorded} == M365_LICENSES
    row = recorded.get(license_reference="XSP5000104")
    assert (row.classification, row.vendor_name, row.currency, row.report_period) == (
        "SAAS", "Microsoft", "EUR", period.first_day)
    assert row.customer_name == MAPPED[NORDIC][0] and row.description and row.settings == billing_settings
    assert row.arrow_account == billing_settings.arrow_account
    assert sum(recorded.values_list("sell_price", flat=True)) == M365_MONTH_SELL
    assert not ArrowBillingSyncItem.objects.filter(license_reference__in=M365_LICENSES).exists()
    assert not InvoiceItem.objects.filter(details__license_reference__in=list(M365_LICENSES)).exists()


def test_lines_of_unmapped_customers_are_counted_with_their_amounts_and_recorded(billing_settings, mapped,
                                                                                 arrow_emulator):
    period = previous_period()
    lines = [line for line in emulator_lines(arrow_emulator, period) if line["Classification"] == "IAAS"]
    unmapped = [line for line in lines if xsp_reference(line["End User Company ID"]) not in MAPPED]

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    by_customer = outcome["unmapped_by_customer"]
    assert set(by_customer) == {xsp_reference(line["End User Company ID"]) for line in unmapped}
    for reference, counted in by_customer.items():
        mine = [line for line in unmapped if xsp_reference(line["End User Company ID"]) == reference]
        assert counted["lines"] == len(mine) and counted["customer_name"]
        assert Decimal(counted["sell"]) == sum(Decimal(line["Customer Total Price"]) for line in mine)
        assert Decimal(counted["buy"]) == sum(Decimal(line["Total Wholesale Price"]) for line in mine)
    recorded = ArrowUnchargedLine.objects.filter(reason=UnchargedReason.UNMAPPED_CUSTOMER)
    assert {row.arrow_line_reference for row in recorded} == {line["Sequence"] for line in unmapped}


def test_each_full_import_replaces_the_months_record(billing_settings, mapped, arrow_emulator):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    recorded = ArrowUnchargedLine.objects.count()

    again = billing_sync_import_period(settings=billing_settings, period=period).outcome
    assert again["uncharged_lines_recorded"] == ArrowUnchargedLine.objects.count() == recorded

    # The filter taken off: the Microsoft 365 lines are charged now, and leave the record.
    billing_settings.classification_filter = ""
    billing_settings.save()
    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert outcome["excluded_by_classification"] == {} and outcome["lines_of_other_classification"] == 0
    assert not ArrowUnchargedLine.objects.filter(reason=UnchargedReason.CLASSIFICATION).exists()
    unmapped = [line for line in emulator_lines(arrow_emulator, period) if xsp_reference(line["End User Company ID"]) not in MAPPED]
    assert ArrowUnchargedLine.objects.count() == len(unmapped) < recorded
    assert ArrowBillingSyncItem.objects.filter(license_reference__in=M365_LICENSES).count() == 2


def test_a_one_license_import_leaves_the_record_alone(billing_settings, mapped):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    before = list(ArrowUnchargedLine.objects.order_by("id").values_list("id", "modified"))

    billing_sync_import_period(settings=billing_settings, period=period, license_reference="XSP5000101")

    assert list(ArrowUnchargedLine.objects.order_by("id").values_list("id", "modified")) == before
