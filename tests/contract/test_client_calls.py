"""One contract test per ArrowClient call, against the emulator running as a real process."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import httpx
import pytest

from arrow_client import (
    EXPORT_DATE_FORMATS,
    ArrowAuthError,
    ArrowClient,
    ArrowNotFound,
    BillingExportPage,
    ExportFilters,
    Period,
    consumption_totals,
)

JANUARY = Period(2025, 1)


def test_whoami_over_plain_http(emulator):
    response = httpx.get(emulator.base_url + "whoami", headers={"apiKey": emulator.api_key})
    assert response.status_code == 200
    assert response.json()["data"]["reference"] == "XSP100000"
    wrong = httpx.get(emulator.base_url + "whoami", headers={"apiKey": "not-the-key"})
    assert wrong.status_code == 401 and wrong.json()["status"] == 401


def test_whoami(client):
    partner = client.whoami()
    assert (partner.reference, partner.company_name) == ("XSP100000", "Demo Reseller Partner")


def test_whoami_with_wrong_key_raises_auth_error(emulator):
    with ArrowClient(emulator.base_url, "wrong-key-123") as client, pytest.raises(ArrowAuthError) as caught:
        client.whoami()
    assert caught.value.status == 401 and "wrong-key-123" not in str(caught.value)


def test_iter_customers_per_page_two_returns_each_customer_once(client, emulator):
    references = [customer.reference for customer in client.iter_customers(per_page=2)]
    assert sorted(references) == [f"XSP10000{n}" for n in range(1, 7)]
    assert len(references) == len(set(references))
    assert emulator.control.counters()["customers"] == 3
    assert [customer.reference for customer in client.customers(per_page=4)] == references


def test_get_customer(client):
    customer = client.get_customer("XSP100002")
    assert customer.company_name == "Baltic Data Systems SIA" and customer.country_code == "LV"


def test_get_customer_unknown_raises_not_found(client):
    with pytest.raises(ArrowNotFound, match="XSP999999"):
        client.get_customer("XSP999999")


def test_iter_licenses(client):
    licenses = list(client.iter_licenses(per_page=10))
    assert len(licenses) >= 25 and len({item.license_id for item in licenses}) == len(licenses)
    # The listing has the detail's shape: programs and program codes, no vendor name.
    assert {(item.program, item.associated_program) for item in licenses} == {
        ("Microsoft", "MSCSP"), ("Amazon", "AWS-RESELLER")}
    assert {item.vendor_name for item in licenses} == {None}
    assert [item.license_id for item in licenses if item.state == "canceled"] == ["XSP5000205"]


def test_iter_license_search(client, emulator):
    licenses = list(client.iter_license_search(per_page=10))
    assert len(licenses) >= 25 and len({item.license_id for item in licenses}) == len(licenses)
    assert {item.vendor_name for item in licenses} == {"Microsoft", "Amazon Web Services"}
    assert emulator.control.counters()["licenses/v2/find"] == -(-len(licenses) // 10)


def test_find_licenses_of_a_customer_and_by_reference(client):
    nordic = client.find_licenses(customer_ref="XSP100001")
    assert {item.customer_ref for item in nordic} == {"XSP100001"} and len(nordic) == 5
    assert {item.customer_name for item in nordic} == {"Nordic Cloud Solutions OÜ"}
    (aws,) = client.find_licenses(license_reference="XSP5000103")
    assert (aws.vendor_name, aws.vendor_code, aws.friendly_name) == ("Amazon Web Services", "aws", "nordic-prod-aws")
    assert client.find_licenses(customer_ref="XSP999999") == []


def test_iter_license_search_sorted_by_keywords(client):
    found = list(client.iter_license_search(
        keywords={"license.friendly_name": {"values": ["m365"], "operator": "OR"}},
        sort={"license.seat": "desc"}))
    assert [item.seats for item in found] == sorted((item.seats for item in found), reverse=True)
    assert found and all("m365" in item.friendly_name.casefold() for item in found)


def test_customer_licenses(client):
    licenses = client.customer_licenses("XSP100001")
    assert {item.customer_ref for item in licenses} == {"XSP100001"}
    assert "Azure Production Subscr." in {item.friendly_name for item in licenses}
    with pytest.raises(ArrowNotFound):
        client.customer_licenses("XSP999999")


def test_get_license(client):
    license = client.get_license("XSP5000104")
    assert license.classification == "SAAS" and license.seats == 25
    assert license.unit_sell_price == Decimal("20.60000") and license.currency == "EUR"
    assert (license.program, license.associated_program, license.vendor_code) == ("Microsoft", "MSCSP", "Microsoft")
    assert license.vendor_name is None and license.customer_name is None


def test_get_license_unknown_raises_not_found(client):
    with pytest.raises(ArrowNotFound) as caught:
        client.get_license("XSP0000001")
    assert caught.value.status == 404 and "licenses/XSP0000001" in str(caught.value)


def test_consumption(client):
    lines = client.consumption("XSP5000301", Period(2024, 12), JANUARY)
    assert {line.report_period for line in lines} == {Period(2024, 12), JANUARY}
    assert all(line.currency == "EUR" and line.sell_total is not None for line in lines)
    assert any(line.meter_subcategory is None for line in lines)


def test_consumption_without_usage_is_empty(client):
    assert client.consumption("XSP5000203", JANUARY) == []


def test_iaas_vendors(client):
    assert client.iaas_vendor_names() == ["Amazon Web Services", "Google Cloud", "Microsoft"]
    vendors = client.iaas_vendors()
    assert {vendor.category for vendor in vendors} == {"IAAS"}
    assert {(vendor.reference, vendor.associated_program) for vendor in vendors} == {
        ("microsoft", "MSCSP"), ("aws", "AWS-RESELLER"), ("google", "GCP")}


def test_programs_of_other_categories(client):
    assert [vendor.name for vendor in client.programs("SAAS")] == ["Microsoft"]
    assert client.programs("PAAS") == []


def test_export_types(client):
    assert {(t.reference, t.name) for t in client.export_types()} == {
        ("MSP_EXTENDED", "MSP (Extended)"), ("LIGHT", "Light")}


def test_iter_billing_export_matches_consumption(client):
    (page,) = list(client.iter_billing_export("MSP_EXTENDED", JANUARY, JANUARY, classifications=["IAAS"]))
    assert isinstance(page, BillingExportPage)
    assert len(page.headers) == 70 and (page.page, page.total_pages) == (1, 1)
    assert page.errors == () and page.total == len(page.lines) > 0
    assert {line.currency for line in page.lines} == {"EUR"}
    assert all(line.is_validated for line in page.lines)
    billed = defaultdict(Decimal)
    for line in page.lines:
        billed[line.license_reference] += line.sell_total
    adjusted = {"XSP5000101", "XSP5000302", "XSP5000502"}
    for reference, amount in billed.items():
        consumed = consumption_totals(client.consumption(reference, JANUARY)).sell_total
        assert (consumed == amount) is (reference not in adjusted), reference


def test_iter_billing_export_streams_pages(client, emulator):
    emulator.control.reset(export_page_size=40)
    pages = client.iter_billing_export("MSP_EXTENDED", Period(2024, 10), JANUARY)
    first = next(pages)
    assert first.total_pages > 2 and len(first.lines) == 40
    rest = list(pages)
    lines = [*first.lines, *(line for page in rest for line in page.lines)]
    assert len(lines) == first.total and len({line.line_reference for line in lines}) == len(lines)
    assert [line.row_number for line in lines] == list(range(1, first.total + 1))
    assert emulator.control.counters()["billing/erp/exports/sync"] == first.total_pages


def test_billing_export_filters(client):
    lines = [line for page in client.iter_billing_export(
        "MSP_EXTENDED", JANUARY, JANUARY, customer_refs=["XSP100003"], classifications=["SAAS"])
        for line in page.lines]
    assert lines and {(line.customer_reference, line.classification) for line in lines} == {("XSP100003", "SAAS")}
    assert all(line.quantity > 1 for line in lines)


@pytest.mark.parametrize("date_format", sorted(EXPORT_DATE_FORMATS))
def test_billing_export_in_each_date_format_gives_the_same_lines(client, emulator, date_format):
    emulator.control.reset(export_page_size=20)
    default = [line for page in client.iter_billing_export("MSP_EXTENDED", JANUARY, JANUARY) for line in page.lines]
    asked = [line for page in client.iter_billing_export("MSP_EXTENDED", JANUARY, JANUARY, date_format=date_format)
             for line in page.lines]
    assert len(default) > 20 and asked == default
    assert {line.bill_from for line in asked if line.license_reference == "XSP5000301"} == {dt.date(2025, 2, 1)}


def test_billing_export_filters_of_the_php_sdk(client):
    filters = ExportFilters(vendors=("Amazon Web Services",), programs=("AWS-RESELLER",), arrow_sku="AWS-SUB-0006",
                            friendly_names=("tartu-genomics", "helios-erp"))
    lines = [line for page in client.iter_billing_export("MSP_EXTENDED", JANUARY, JANUARY, filters=filters)
             for line in page.lines]
    assert {line.license_reference for line in lines} == {"XSP5000302", "XSP5000403"}


def test_billing_export_headers_for_a_period_without_lines(client):
    headers = client.billing_export_headers("MSP_EXTENDED", Period(2019, 1))
    assert len(headers) == 70 and "Customer Total Price" in headers
    (page,) = list(client.iter_billing_export("MSP_EXTENDED", Period(2019, 1), Period(2019, 1)))
    assert page.lines == () and page.total == 0


def test_export_type_compatibility(client):
    assert client.export_type_compatibility("MSP_EXTENDED").recommended
    light = client.export_type_compatibility("LIGHT", JANUARY)
    assert not light.compatible and light.missing_required == ["Classification", "Vendor Subscription ID"]


def test_light_export_parses_with_fallback_titles(client):
    (page,) = list(client.iter_billing_export("LIGHT", JANUARY, JANUARY))
    assert page.errors == () and page.lines
    assert all(line.sequence is None and line.line_reference == line.order_id for line in page.lines)


def test_unknown_export_type_raises_not_found(client):
    with pytest.raises(ArrowNotFound):
        client.billing_export_headers("NOPE", JANUARY)
