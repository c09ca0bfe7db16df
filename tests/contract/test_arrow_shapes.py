"""Arrow's answers as facts: envelopes, key sets, casing and types per endpoint, checked against the
running emulator over plain HTTP, so the emulator cannot drift from Arrow again.

Every expectation names where it comes from: Arrow's official SDKs, ``ArrowSphere/public-api-client``
(PHP) and ``ArrowSphere/nodejs-api-client`` (Node), the live-data fixtures of the third-party client
``shearnie/ArrowSphereApiDotNet`` (re-serialised there in PascalCase: their key names are facts, their
casing is not), the golden export page (``arrow_client/tests/fixtures/billing-export-sample.json``)
and SPEC section 4. The requests are made the way the SDKs make them (paths, parameter placement).
"""

from __future__ import annotations

import re

import httpx
import pytest

NUMBER = (int, float)

# PHP src/General/Entities/Whoami.php: the COLUMN_* constants.
WHOAMI_KEYS = {
    "companyName", "addressLine1", "addressLine2", "zip", "city", "countryCode", "state", "receptionPhone",
    "websiteUrl", "emailContact", "headcount", "taxNumber", "reference", "ref", "billingId", "internalReference",
}
# PHP src/Customers/Entities/Customer.php (COLUMN_* constants; BillingId "present" in its rules) and
# .NET TestData/CustomerList.json, which has BillingId and neither SDK's Partner keys.
CUSTOMER_KEYS = {
    "AddressLine1", "AddressLine2", "BillingId", "City", "CompanyName", "Contact", "CountryCode", "Details",
    "DeletedAt", "EmailContact", "Headcount", "InternalReference", "ReceptionPhone", "Ref", "Reference", "State",
    "TaxNumber", "WebsiteUrl", "Zip",
}
NOT_CUSTOMER_KEYS = {"Partner", "PartnerReference"}
# PHP src/Customers/Entities/Contact.php.
CONTACT_KEYS = {"Email", "FirstName", "LastName", "Phone"}
# The total_page style: PHP tests/Catalog/ProgramClientTest.php; .NET TestData/CustomerList.json.
TOTAL_PAGE_PAGINATION = {"per_page", "current_page", "total_page", "total", "next", "previous"}
# Node src/licenses/entities/getLicense/licenseGetResult.ts (LicenseGetFields; vendor_code is its
# COLUMN_VENDOR_CODE_2, endDate was added in SDK 3.187.0) and SPEC section 4 (attributes, classification).
LICENSE_DETAIL_KEYS = {
    "license_id", "parent_license_id", "friendlyName", "customer_ref", "state", "statusCode", "isTrial", "isAddon",
    "service_ref", "sku", "name", "seats", "activeSeats", "activation_datetime", "expiry_datetime", "marketplace",
    "message", "order_reference", "order", "vendor_license_id", "periodicity", "periodicityCode", "term",
    "termCode", "category", "program", "associatedSubscriptionProgram", "endDate", "attributes", "classification",
    "vendor_code", "price",
}
# The optional LicenseGetFields (the same Node file); .NET TestData/Licenses.json has autoRenew,
# vendorBillingId and arrowSubCategories.
LICENSE_DETAIL_OPTIONAL_KEYS = {
    "autoRenew", "actions", "actionMessages", "arrowSubCategories", "security", "nextRenewalDate", "promotion",
    "assets", "vendorBillingId", "extraData", "priceBand", "vendorCode", "vendorSku", "rates", "organizationUnitId",
    "relation", "marketSegment", "configs", "warnings",
}
# Keys of the search shape that the detail does not have (the emulator used to send them).
NOT_LICENSE_DETAIL_KEYS = {"vendor_name", "customer_name", "partner_ref", "start_date", "is_trial", "is_addon",
                           "parent_line_id"}
# Node getLicense/licensePriceGetResult.ts and getLicense/buySellFindResult.ts (numbers).
LICENSE_DETAIL_PRICE_KEYS = {"priceBandArrowsphereSku", "currency", "unit", "total"}
BUY_SELL_LIST_KEYS = {"buy", "sell", "list"}
# Node src/licenses/entities/license/licenseFindResult.ts (LicenseFindResultFields but highlight,
# which comes only when asked for); the README of src/licenses says partnerRef is the XSP reference.
SEARCH_LICENSE_KEYS = {
    "accept_eula", "active_seats", "auto_renew", "base_seat", "category", "cloud_type", "configs", "warnings",
    "customer_name", "customer_ref", "end_date", "friendly_name", "id", "isEnabled", "lastUpdate", "marketplace",
    "message", "offer", "parent_line_id", "parent_order_ref", "partner_ref", "periodicity", "price",
    "reseller_name", "reseller_ref", "seat", "service_ref", "sku", "start_date", "status_code", "status_label",
    "subscription_id", "subsidiary_name", "term", "trial", "type", "uom", "vendor_code", "vendor_name",
    "vendor_subscription_id",
}
# Node src/licenses/entities/license/priceFindResult.ts; PHP src/Licenses/Entities/License/Price.php.
SEARCH_PRICE_KEYS = {"priceBandArrowsphereSku", "buy_price", "sell_price", "list_price", "currency"}
# Node tests/licenses/licensesClient.test.ts (MOCK_FIND_RESPONSE) and src/licenses/entities/findResult.ts.
SEARCH_ANSWER_KEYS = {"results", "filters", "pagination"}
SEARCH_PAGINATION = {"currentPage", "totalPage", "total"}
# PHP src/Catalog/Entities/Program.php and the listing of tests/Catalog/ProgramClientTest.php.
PROGRAM_KEYS = {"reference", "name", "associatedSubscriptionProgram", "logo", "category", "links"}
# The golden sample's pagination; PHP ErpExportsClient::createErpExportSync reads totalPages.
EXPORT_PAGINATION = {"perPage", "currentPage", "total", "totalPages"}
# PHP src/Billing/Enum/FormatDateEnum.php → the shape of a date cell.
DATE_SHAPES = {"MM/DD/YYYY": r"\d\d/\d\d/\d{4}", "DD/MM/YYYY": r"\d\d/\d\d/\d{4}", "DD-MM-YYYY": r"\d\d-\d\d-\d{4}"}
EXPORT_DATE_COLUMNS = ("Bill From", "Bill To", "Subscription Start Date", "Validation Date")
# SPEC section 4 (the columns our notes confirm).
CONSUMPTION_COLUMNS = {"Report Period", "Vendor Product Name", "Vendor Meter Category", "UOM",
                       "Level Chargeable Quantity", "Country currency code", "Total buy price", "Total sell price"}
# SPEC section 4.
ERROR_KEYS = {"status", "error", "messages"}


def get(emulator, path: str, **params) -> httpx.Response:
    return httpx.get(emulator.base_url + path, params=params, headers={"apiKey": emulator.api_key}, timeout=30)


def post(emulator, path: str, body: dict, **params) -> httpx.Response:
    return httpx.post(emulator.base_url + path, params=params, json=body, headers={"apiKey": emulator.api_key},
                      timeout=30)


def ok_data(response: httpx.Response):
    """``data`` of the ``{status, data, pagination?}`` envelope."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == 200 and set(body) <= {"status", "data", "pagination"}
    return body["data"]


def is_number(value) -> bool:
    return isinstance(value, NUMBER) and not isinstance(value, bool)


def export(emulator, period: str = "2025-01", *, date_format: str | None = None, query_page: int | None = None,
           **filters) -> httpx.Response:
    body = {"exportTypeReference": "MSP_EXTENDED", "filters": {"reportPeriod": {"from": period, "to": period},
                                                               **filters}}
    if date_format:
        body["outputFormat"] = {"date": date_format}
    params = {} if query_page is None else {"page": query_page}
    return post(emulator, "billing/erp/exports/sync", body, **params)


def rows(response: httpx.Response) -> list[dict]:
    data = response.json()["data"]
    return [dict(zip(data["headers"], row, strict=True)) for row in data["values"]]


def test_whoami(emulator):
    data = ok_data(get(emulator, "whoami"))
    assert set(data) == WHOAMI_KEYS
    assert data["reference"] == "XSP" + data["ref"]
    assert all(isinstance(data[key], str) for key in WHOAMI_KEYS - {"headcount"})
    assert data["headcount"] is None or isinstance(data["headcount"], str)  # PHP getter: ?string


def test_customers_listing_and_one_customer(emulator):
    response = get(emulator, "customers", page=1, per_page=4)
    data = ok_data(response)
    assert set(response.json()["pagination"]) == TOTAL_PAGE_PAGINATION
    for customer in data["customers"]:
        assert set(customer) == CUSTOMER_KEYS and not set(customer) & NOT_CUSTOMER_KEYS
        assert set(customer["Contact"]) == CONTACT_KEYS
        assert customer["Reference"] == "XSP" + customer["Ref"]  # .NET CustomerList.json: XSP111111 / 111111
        assert isinstance(customer["BillingId"], str) and isinstance(customer["Details"], dict)
    (one,) = ok_data(get(emulator, "customers/XSP100001"))["customers"]
    assert set(one) == CUSTOMER_KEYS


def check_license_detail(license: dict) -> None:
    assert LICENSE_DETAIL_KEYS <= set(license) <= LICENSE_DETAIL_KEYS | LICENSE_DETAIL_OPTIONAL_KEYS
    assert not set(license) & NOT_LICENSE_DETAIL_KEYS
    assert isinstance(license["isTrial"], bool) and isinstance(license["isAddon"], bool)
    for key in ("statusCode", "periodicityCode", "termCode", "seats"):
        assert isinstance(license[key], int) and not isinstance(license[key], bool), key
    assert set(license["activeSeats"]) == {"number", "lastUpdate"}
    assert set(license["order"]) == {"reference", "link"}
    price = license["price"]
    assert set(price) == LICENSE_DETAIL_PRICE_KEYS
    for part in ("unit", "total"):
        assert set(price[part]) == BUY_SELL_LIST_KEYS and all(is_number(value) for value in price[part].values())
    assert isinstance(license["attributes"], list)


def test_license_detail(emulator):
    license = ok_data(get(emulator, "licenses/XSP5000104"))["license"]
    check_license_detail(license)
    assert license["price"]["unit"]["sell"] == 20.6 and license["price"]["total"]["sell"] == 515
    assert (license["program"], license["associatedSubscriptionProgram"]) == ("Microsoft", "MSCSP")


def test_license_listings_have_the_details_shape(emulator):
    # .NET TestData/Licenses.json: the listing's items carry the detail's keys, not the search's.
    response = get(emulator, "licenses", page=1, per_page=5)
    assert set(response.json()["pagination"]) == TOTAL_PAGE_PAGINATION
    for license in ok_data(response)["licenses"]:
        check_license_detail(license)
    for license in ok_data(get(emulator, "customers/XSP100003/licenses"))["licenses"]:
        check_license_detail(license)
        assert license["customer_ref"] == "XSP100003"


def test_license_search(emulator):
    # Node licensesClient.ts: POST licenses/v2/find, page and per_page in the query string.
    response = post(emulator, "licenses/v2/find", {"filters": {"license.customer_ref": "XSP100001"}},
                    page=1, per_page=2)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SEARCH_ANSWER_KEYS  # no status/data envelope
    assert set(body["pagination"]) == SEARCH_PAGINATION and body["pagination"]["total"] == 5
    assert len(body["results"]) == 2
    for result in body["results"]:
        assert set(result) == {"license", "offer"}
        license = result["license"]
        assert set(license) == SEARCH_LICENSE_KEYS
        assert set(license["price"]) == SEARCH_PRICE_KEYS
        assert all(is_number(license["price"][key]) for key in ("buy_price", "sell_price", "list_price"))
        assert isinstance(license["id"], int) and re.fullmatch(r"XSP\d+", license["partner_ref"])
        assert isinstance(license["periodicity"], int) and isinstance(license["term"], int)
        assert set(license["active_seats"]) == {"number", "lastUpdate"}
        assert license["customer_ref"] == "XSP100001" and license["customer_name"] and license["vendor_name"]
        assert {"name", "classification", "priceBand"} <= set(result["offer"])
    # PHP src/Licenses/Entities/FilterFindResult.php: {name, values: [{value, count}]}
    for facet in body["filters"]:
        assert set(facet) == {"name", "values"}
        assert all(set(entry) == {"value", "count"} for entry in facet["values"])


def test_license_search_pages_by_the_query_string(emulator):
    first = post(emulator, "licenses/v2/find", {}, page=1, per_page=10).json()
    second = post(emulator, "licenses/v2/find", {"page": 1}, page=2, per_page=10).json()
    assert second["pagination"]["currentPage"] == 2
    refs = [result["license"]["partner_ref"] for page in (first, second) for result in page["results"]]
    assert len(refs) == len(set(refs)) == 20


def test_license_search_refuses_unknown_fields(emulator):
    response = post(emulator, "licenses/v2/find", {"filters": {"license.colour": "blue"}})
    assert response.status_code == 400 and set(response.json()) == ERROR_KEYS


def test_programs(emulator):
    response = get(emulator, "catalog/categories/IAAS/programs")
    programs = ok_data(response)
    assert set(response.json()["pagination"]) == TOTAL_PAGE_PAGINATION
    for program in programs:
        assert set(program) == PROGRAM_KEYS and set(program["links"]) == {"program", "products"}
        assert isinstance(program["logo"], str)  # PHP Program::getLogo(): string
        assert re.fullmatch(r"[a-z0-9-]+", program["reference"])  # a vendor slug, e.g. "microsoft"
    assert {program["name"] for program in programs} == {"Microsoft", "Amazon Web Services", "Google Cloud"}


def test_export_types(emulator):
    # PHP tests/Billing/ErpExportsClientTest.php: data.exportTypes is an object {reference: name}.
    body = get(emulator, "billing/erp/exports/types").json()
    assert body["code"] == 200 and body["message"] == "success"
    assert isinstance(body["data"]["exportTypes"], dict)
    assert all(isinstance(name, str) for name in body["data"]["exportTypes"].values())


def test_billing_export_envelope(emulator):
    body = export(emulator).json()
    assert set(body) == {"code", "message", "data", "pagination"} and body["code"] == 200
    assert set(body["data"]) == {"headers", "values"} and set(body["pagination"]) == EXPORT_PAGINATION
    assert all(value is None or isinstance(value, str) for row in body["data"]["values"] for value in row)


def test_billing_export_customer_columns_follow_live_rows(emulator):
    # Golden sample: End User Company ID is the numeric Ref (111111 for customer XSP111111).
    for row in rows(export(emulator, customerXspRefs=["XSP100002"])):
        assert row["End User Company ID"] == "100002"
        assert row["End User Company Reference ID"] and row["Billing ID"]


@pytest.mark.parametrize("date_format", sorted(DATE_SHAPES))
def test_billing_export_writes_dates_in_the_requested_format(emulator, date_format):
    found = rows(export(emulator, date_format=date_format))
    assert found
    for row in found:
        for column in EXPORT_DATE_COLUMNS:
            assert re.fullmatch(DATE_SHAPES[date_format], row[column]), (column, row[column])
    assert {row["Validation Date"] for row in found} == {
        {"MM/DD/YYYY": "02/05/2025", "DD/MM/YYYY": "05/02/2025", "DD-MM-YYYY": "05-02-2025"}[date_format]}


def test_billing_export_reads_the_page_from_the_query_string(emulator):
    emulator.control.reset(export_page_size=10)
    first, second = export(emulator, query_page=1).json(), export(emulator, query_page=2).json()
    assert (first["pagination"]["currentPage"], second["pagination"]["currentPage"]) == (1, 2)
    assert first["data"]["values"] != second["data"]["values"]


@pytest.mark.parametrize(("filters", "column", "expected"), [
    ({"vendors": ["Amazon Web Services"]}, "Vendor Name", {"Amazon Web Services"}),
    ({"programs": ["MSCSP"]}, "Arrow Reference ID", {"MSCSP"}),
    ({"arrowSku": "AWS-SUB-0006"}, "Arrow SKU", {"AWS-SUB-0006"}),
    ({"friendlyNames": ["Tartu HPC Research"]}, "Friendly Name", {"Tartu HPC Research"}),
    ({"classifications": ["SAAS"], "customerXspRefs": ["XSP100004"]}, "Classification", {"SAAS"}),
])
def test_billing_export_filters_of_the_php_sdk(emulator, filters, column, expected):
    # PHP src/Billing/ErpExportsClient.php EXPORT_FILTERS_*; tests/Billing/ErpExportsClientTest.php gives
    # the types: lists of strings, arrowSku one string.
    everything = rows(export(emulator))
    found = rows(export(emulator, **filters))
    assert found and {row[column] for row in found} == expected
    assert len(found) < len(everything)


def test_billing_export_filters_by_line_and_subscription(emulator):
    everything = rows(export(emulator))
    sequence, subscription = everything[0]["Sequence"], everything[-1]["Vendor Subscription ID"]
    assert [row["Sequence"] for row in rows(export(emulator, sequences=[sequence]))] == [sequence]
    by_subscription = rows(export(emulator, vendorSubscriptionIds=[subscription]))
    assert by_subscription and {row["Vendor Subscription ID"] for row in by_subscription} == {subscription}


@pytest.mark.parametrize(("start", "end"), [("reportPeriodStart", "reportPeriodEnd"),
                                            ("billingMonthStart", "billingMonthEnd")])
def test_monthly_consumption_in_both_parameter_styles(emulator, start, end):
    # Node tests/consumption/mocks/consumption.mocks.ts sends billingMonthStart/End.
    data = ok_data(get(emulator, "consumption/monthly/license/XSP5000301", **{start: "2025-01", end: "2025-01"}))
    assert set(data) == {"headers", "lines"} and set(data["headers"]) >= CONSUMPTION_COLUMNS
    assert data["lines"] and all(isinstance(value, str) for line in data["lines"] for value in line)


def test_error_bodies(emulator):
    unknown = get(emulator, "licenses/XSP0000001")
    assert unknown.status_code == 404 and set(unknown.json()) == ERROR_KEYS
    refused = httpx.get(emulator.base_url + "whoami", headers={"apiKey": "wrong"})
    assert refused.status_code == 401 and set(refused.json()) == ERROR_KEYS
