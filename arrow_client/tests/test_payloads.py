"""Envelopes and objects of the golden payloads: casing, pagination styles, errors, consumption."""

from decimal import Decimal

import pytest

from arrow_client import parsing, payloads
from arrow_client.periods import Period
from arrow_client.types import consumption_totals

from .conftest import load_fixture


def data_of(name):
    return payloads.unwrap(load_fixture(name))[0]


def test_whoami_camel_case():
    partner = payloads.parse_partner(data_of("whoami.json"))
    assert partner.reference == "XSP100000"
    assert partner.company_name == "Demo Reseller Partner"
    assert partner.country_code == "EE"
    assert partner.email == "billing@demo-reseller.example"
    assert (partner.ref, partner.billing_id) == ("100000", "1012662|100123456")


def test_customers_pascal_case_and_total_page_pagination():
    body = load_fixture("customers-page-1.json")
    data, pagination = payloads.unwrap(body)
    customers = payloads.parse_customers(data)
    info = payloads.parse_page_info(pagination, item_count=len(customers))
    assert [customer.reference for customer in customers] == ["XSP100001", "XSP100002", "XSP100003", "XSP100004"]
    assert customers[0].company_name == "Nordic Cloud Solutions OÜ"
    assert customers[0].internal_reference == "CUST-0001"
    assert customers[0].ref == "100001"  # the number of the XSP reference, as in live data
    assert customers[0].billing_id == "5038941|104952694"
    assert "Partner" not in customers[0].raw and "PartnerReference" not in customers[0].raw
    assert customers[0].contact_email == "it@nordic-cloud.example"
    assert customers[0].raw["Contact"]["FirstName"] == "Kadri"
    assert (info.current_page, info.total_pages, info.total, info.per_page) == (1, 2, 6, 4)


def test_one_customer_is_a_list_of_one():
    (customer,) = payloads.parse_customers(data_of("customer-one.json"))
    assert customer.reference == "XSP100001"


def test_totalpages_pagination_style():
    info = payloads.parse_page_info({"perPage": 1000, "currentPage": 2, "total": 2500, "totalPages": 3},
                                    item_count=1000)
    assert (info.current_page, info.total_pages, info.total, info.per_page) == (2, 3, 2500, 1000)


def test_pagination_without_page_count_is_derived_or_rejected():
    assert payloads.parse_page_info({"per_page": 10, "total": 21}, item_count=10).total_pages == 3
    with pytest.raises(payloads.PayloadError):
        payloads.parse_page_info({"current_page": 1}, item_count=1)
    with pytest.raises(payloads.PayloadError):
        payloads.parse_page_info({"total_page": "many"}, item_count=1)


def test_license_listing_has_the_details_shape():
    licenses = payloads.parse_licenses(data_of("licenses-page-1.json"))
    first, _, aws = licenses
    assert first.license_id == first.reference == "XSP5000101"
    assert first.customer_ref == "XSP100001"
    assert first.friendly_name == "Azure Production Subscr."
    assert first.classification == "IAAS"
    assert first.state == "active"
    assert (first.program, first.associated_program, first.vendor_code) == ("Microsoft", "MSCSP", "Microsoft")
    # The detail's shape names no vendor; AWS licenses name their program "Amazon", not the billing vendor.
    assert first.vendor_name is None and first.customer_name is None
    assert (aws.program, aws.associated_program, aws.vendor_code) == ("Amazon", "AWS-RESELLER", "aws")


def test_license_detail_prices_are_numbers_of_unit_and_total():
    data = data_of("license-detail.json")
    assert data["license"]["price"]["unit"]["sell"] == Decimal("20.6")  # a JSON number, not a string
    license = payloads.parse_license_detail(data)
    assert license.license_id == "XSP5000104"
    assert license.seats == Decimal(25)
    assert license.periodicity == "per Month" and license.term == "1 Year"
    assert license.unit_sell_price == Decimal("20.6") == license.unit_list_price
    assert license.unit_buy_price == Decimal("17.51")
    assert license.currency == "EUR" and license.classification == "SAAS"
    assert license.vendor_name is None


def test_license_with_garbage_price_is_rejected():
    data = data_of("license-detail.json")
    data["license"]["price"]["unit"]["sell"] = "twenty"
    with pytest.raises(payloads.PayloadError, match="sell"):
        payloads.parse_license_detail(data)


def test_license_search_results_name_vendor_and_customer():
    licenses, info = payloads.parse_license_search(load_fixture("license-search.json"))
    assert [item.license_id for item in licenses] == ["XSP5000101", "XSP5000102", "XSP5000103"]
    aws = licenses[2]
    assert (aws.vendor_name, aws.vendor_code, aws.customer_name) == (
        "Amazon Web Services", "aws", "Nordic Cloud Solutions OÜ")
    assert aws.classification == "IAAS" and aws.friendly_name == "nordic-prod-aws"
    assert aws.unit_sell_price == 0 and aws.currency == "EUR"
    assert (info.current_page, info.total_pages, info.total) == (1, 2, 5)


def test_license_search_without_results_list_is_rejected():
    with pytest.raises(payloads.PayloadError, match="results"):
        payloads.parse_license_search({"data": {"results": []}, "pagination": {"currentPage": 1, "totalPage": 1}})


def test_export_types_object_form():
    types = payloads.parse_export_types(data_of("export-types.json"))
    assert [(t.reference, t.name) for t in types] == [("MSP_EXTENDED", "MSP (Extended)"), ("LIGHT", "Light")]


def test_programs_give_vendor_names():
    body = load_fixture("programs-iaas.json")
    vendors = payloads.parse_programs(body["data"], category="IAAS")
    assert [vendor.name for vendor in vendors] == ["Microsoft", "Amazon Web Services", "Google Cloud"]
    assert [vendor.reference for vendor in vendors] == ["microsoft", "aws", "google"]  # slugs, as in the PHP SDK
    assert vendors[1].associated_program == "AWS-RESELLER"
    assert payloads.parse_page_info(body["pagination"], item_count=3).total_pages == 1


def test_billing_envelope_has_headers_even_without_rows():
    body = load_fixture("billing-export-empty.json")
    assert body["code"] == 200 and body["message"] == "success"
    headers, values = payloads.table(payloads.unwrap(body)[0], "values")
    assert len(headers) == 70 and values == []
    assert payloads.unwrap(body)[1]["totalPages"] == 0


def test_consumption_lines_with_null_strings():
    headers, lines = payloads.table(data_of("consumption.json"), "lines")
    parsed = parsing.parse_consumption_lines(headers, lines)
    assert {line.report_period for line in parsed} == {Period(2025, 1), Period(2025, 2)}
    bandwidth = [line for line in parsed if line.meter_category == "Bandwidth"][0]
    assert bandwidth.meter_subcategory is None and bandwidth.region is None
    assert bandwidth.raw["Vendor Meter Sub-Category"] == "null"
    february = consumption_totals([line for line in parsed if line.report_period == Period(2025, 2)])
    assert february.sell_total == Decimal("1850.00000")
    assert february.buy_total == Decimal("1628.00000")
    assert february.currency == "EUR" and february.line_count == 3


def test_consumption_without_usage_is_empty():
    headers, lines = payloads.table(data_of("consumption-empty.json"), "lines")
    assert parsing.parse_consumption_lines(headers, lines) == []


def test_consumption_garbage_amount_raises_naming_line_and_column():
    data = data_of("consumption.json")
    data["lines"][1][data["headers"].index("Total sell price")] = "n/a"
    with pytest.raises(parsing.TabularParseError, match="line 2, Total sell price"):
        parsing.parse_consumption_lines(data["headers"], data["lines"])


def test_consumption_null_amount_is_absent_not_zero():
    data = data_of("consumption.json")
    data["lines"][0][data["headers"].index("Total buy price")] = "null"
    line = parsing.parse_consumption_lines(data["headers"], data["lines"])[0]
    assert line.buy_total is None and line.sell_total is not None


def test_error_bodies():
    assert payloads.envelope_status(load_fixture("error-401.json")) == 401
    assert payloads.error_message(load_fixture("error-404.json")) == "Not Found; License XSP0000000 not found"
    assert payloads.error_message({"code": 200, "message": "success"}) is None


@pytest.mark.parametrize("body", [[], "text", {"status": 200}, {"status": 200, "data": {}, "pagination": []}])
def test_bad_envelopes_are_rejected(body):
    with pytest.raises(payloads.PayloadError):
        payloads.unwrap(body)


def test_missing_required_keys_are_rejected():
    with pytest.raises(payloads.PayloadError, match="Reference"):
        payloads.parse_customers({"customers": [{"CompanyName": "No Ref"}]})
    with pytest.raises(payloads.PayloadError, match="customers"):
        payloads.parse_customers({"items": []})
