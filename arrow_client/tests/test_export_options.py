"""Export options and the license search over a mock transport, with SDK-shaped payloads.

Exports: the golden sample rewritten in each ``outputFormat.date`` of the PHP SDK's ``FormatDateEnum``,
servers that read ``page`` from the query string (the PHP SDK's placement) or from the body, and the
filters of ``ErpExportsClient::EXPORT_FILTERS_*``. License search: ``POST licenses/v2/find`` with the
page in the query string and the query in the body, as the Node and PHP SDKs send them.
"""

import copy
import datetime as dt
import json

import httpx
import pytest

from arrow_client import ArrowBadResponse, ArrowClient, ExportFilters, Period, parsing, payloads
from arrow_client.export_dates import EXPORT_DATE_FORMATS, parse_export_date

from .conftest import load_fixture

BASE_URL = "https://xsp.example/index.php/api/"
JULY = Period(2024, 7)
DATE_COLUMNS = ("Order Creation Date", "Purchase Date", "Bill From", "Bill To", "End User Account Creation Date",
                "Subscription Start Date", "Subscription End Date", "Validation Date")


def in_date_format(sample: dict, date_format: str) -> dict:
    """The sample page with its MM/DD/YYYY dates rewritten in ``date_format``."""
    body = copy.deepcopy(sample)
    headers = body["data"]["headers"]
    pattern = EXPORT_DATE_FORMATS[date_format]
    for row in body["data"]["values"]:
        for column in DATE_COLUMNS:
            index = headers.index(column)
            if row[index]:
                row[index] = dt.datetime.strptime(row[index], "%m/%d/%Y").strftime(pattern)
    return body


def lines_of(body: dict, date_format: str):
    data, pagination = payloads.unwrap(body)
    headers, values = payloads.table(data, "values")
    info = payloads.parse_page_info(pagination, item_count=len(values))
    page = parsing.billing_export_page(headers, values, info, date_format=date_format)
    return page.lines, page.errors


def client_for(answer) -> ArrowClient:
    return ArrowClient(BASE_URL, "key", max_retries=0, http_transport=httpx.MockTransport(answer))


@pytest.mark.parametrize("date_format", sorted(EXPORT_DATE_FORMATS))
def test_golden_sample_in_each_date_format_parses_to_the_same_lines(billing_sample, date_format):
    expected, _ = lines_of(billing_sample, "MM/DD/YYYY")
    rewritten = in_date_format(billing_sample, date_format)
    assert rewritten["data"]["values"] != billing_sample["data"]["values"] or date_format == "MM/DD/YYYY"
    lines, errors = lines_of(rewritten, date_format)
    assert errors == () and lines == expected
    assert lines[0].bill_from == dt.date(2024, 7, 1) and lines[0].validation_date == dt.date(2024, 8, 30)


def test_ambiguous_dates_follow_the_requested_format():
    assert parse_export_date("03/04/2025", "MM/DD/YYYY") == dt.date(2025, 3, 4)
    assert parse_export_date("03/04/2025", "DD/MM/YYYY") == dt.date(2025, 4, 3)
    assert parse_export_date("03-04-2025", "MM/DD/YYYY") == dt.date(2025, 4, 3)  # dashes: only DD-MM-YYYY
    assert parse_export_date("2025-04-03", "DD/MM/YYYY") == dt.date(2025, 4, 3)
    with pytest.raises(ValueError, match="DD/MM/YYYY"):
        parse_export_date("08/30/2024", "DD/MM/YYYY")


def test_dates_in_the_other_slash_form_are_line_errors_where_they_cannot_be_read(billing_sample):
    # Only the requested format tells 09/05/2024 apart; 08/30/2024 cannot be DD/MM and is reported.
    _, errors = lines_of(billing_sample, "DD/MM/YYYY")  # the sample is MM/DD/YYYY
    assert errors and all("DD/MM/YYYY" in error.reason for error in errors)
    assert {error.value for error in errors if error.column == "Validation Date"} == {"08/30/2024"}


def exporting_server(sample: dict, *, page_from: str, honour_date_format: bool = True, total_pages: int = 2):
    """A mock export endpoint answering ``total_pages`` copies of ``sample`` (8 rows each).

    ``page_from``: where it reads the page number, "query", "body" or "nowhere" (always page 1).
    """
    requests = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        requests.append((dict(request.url.params), body))
        page = {"query": int(request.url.params.get("page", 1)), "body": body.get("page", 1), "nowhere": 1}[page_from]
        date_format = body.get("outputFormat", {}).get("date", "MM/DD/YYYY") if honour_date_format else "MM/DD/YYYY"
        values = in_date_format(sample, date_format)["data"]["values"]
        values = [[f"{cell}-p{page}" if index == 61 else cell for index, cell in enumerate(row)] for row in values]
        pagination = {"perPage": 8, "currentPage": page, "total": 8 * total_pages, "totalPages": total_pages}
        return httpx.Response(200, json={"code": 200, "message": "success",
                                         "data": {"headers": sample["data"]["headers"], "values": values},
                                         "pagination": pagination})

    return answer, requests


@pytest.mark.parametrize("page_from", ["query", "body"])
def test_pages_are_read_whichever_place_the_server_reads_the_page_from(billing_sample, page_from):
    assert billing_sample["data"]["headers"][61] == "Sequence"
    answer, requests = exporting_server(billing_sample, page_from=page_from)
    pages = list(client_for(answer).iter_billing_export("MSP_EXTENDED", JULY, JULY))
    assert [page.page for page in pages] == [1, 2]
    sequences = [line.sequence for page in pages for line in page.lines]
    assert len(sequences) == len(set(sequences)) == 16
    assert [(params["page"], body["page"]) for params, body in requests] == [("1", 1), ("2", 2)]


def test_a_server_answering_page_one_again_is_an_error_not_a_duplicate(billing_sample):
    answer, _ = exporting_server(billing_sample, page_from="nowhere")
    pages = client_for(answer).iter_billing_export("MSP_EXTENDED", JULY, JULY)
    assert next(pages).page == 1
    with pytest.raises(ArrowBadResponse, match="asked for page 2 but the answer is page 1"):
        next(pages)


@pytest.mark.parametrize("date_format", sorted(EXPORT_DATE_FORMATS))
def test_the_client_requests_a_date_format_and_reads_it(billing_sample, date_format):
    answer, requests = exporting_server(billing_sample, page_from="query", total_pages=1)
    (page,) = client_for(answer).iter_billing_export("MSP_EXTENDED", JULY, JULY, date_format=date_format)
    assert requests[0][1]["outputFormat"] == {"date": date_format}
    assert page.errors == () and page.lines[0].bill_to == dt.date(2024, 7, 31)


def test_a_server_ignoring_the_dashed_format_is_still_read(billing_sample):
    answer, _ = exporting_server(billing_sample, page_from="query", honour_date_format=False, total_pages=1)
    (page,) = client_for(answer).iter_billing_export("MSP_EXTENDED", JULY, JULY, date_format="DD-MM-YYYY")
    assert page.errors == () and page.lines[0].bill_to == dt.date(2024, 7, 31)


def test_every_filter_goes_in_the_body_with_the_sdks_types(billing_sample):
    answer, requests = exporting_server(billing_sample, page_from="query", total_pages=1)
    filters = ExportFilters(vendors=("Microsoft",), programs=("MSCSP",), sequences=("MSM24-1",),
                            vendor_subscription_ids=("43C73055",), friendly_names=("Research",),
                            arrow_sku="DZH318Z0BPS6:0001")
    list(client_for(answer).iter_billing_export("MSP_EXTENDED", JULY, JULY, classifications=["IAAS"],
                                                customer_refs=["XSP111111"], filters=filters))
    assert requests[0][1]["filters"] == {
        "reportPeriod": {"from": "2024-07", "to": "2024-07"}, "classifications": ["IAAS"],
        "customerXspRefs": ["XSP111111"], "vendors": ["Microsoft"], "programs": ["MSCSP"],
        "sequences": ["MSM24-1"], "vendorSubscriptionIds": ["43C73055"], "friendlyNames": ["Research"],
        "arrowSku": "DZH318Z0BPS6:0001"}


def test_an_unknown_date_format_is_refused_before_calling_arrow(billing_sample):
    answer, requests = exporting_server(billing_sample, page_from="query")
    with pytest.raises(ValueError, match="YYYY/MM/DD"):
        client_for(answer).billing_export_page("MSP_EXTENDED", JULY, JULY, date_format="YYYY/MM/DD")
    assert requests == []


def test_license_search_pages_with_the_query_string_and_sends_the_query_in_the_body():
    first = load_fixture("license-search.json")
    second = copy.deepcopy(first)
    second["results"] = second["results"][:2]
    for number, result in enumerate(second["results"], start=4):
        result["license"]["partner_ref"] = f"XSP500010{number}"
    second["pagination"] = {"currentPage": 2, "totalPage": 2, "total": 5}
    requests = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        body = first if request.url.params["page"] == "1" else second
        return httpx.Response(200, content=json.dumps(body, default=str).encode())

    found = client_for(answer).find_licenses(customer_ref="XSP100001", per_page=3)
    assert [item.license_id for item in found] == [f"XSP500010{n}" for n in range(1, 6)]
    assert {item.customer_name for item in found} == {"Nordic Cloud Solutions OÜ"}
    assert [(r.method, r.url.path, r.url.params["page"], r.url.params["per_page"]) for r in requests] == [
        ("POST", "/index.php/api/licenses/v2/find", "1", "3"), ("POST", "/index.php/api/licenses/v2/find", "2", "3")]
    assert json.loads(requests[0].content) == {"filters": {"license.customer_ref": "XSP100001"}}


def test_programs_are_paged():
    page = load_fixture("programs-iaas.json")
    first = {**page, "data": page["data"][:2], "pagination": {**page["pagination"], "total_page": 2}}
    second = {**page, "data": page["data"][2:], "pagination": {**page["pagination"], "current_page": 2,
                                                               "total_page": 2}}
    requests = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=first if request.url.params["page"] == "1" else second)

    vendors = client_for(answer).programs("IAAS")
    assert [vendor.name for vendor in vendors] == ["Microsoft", "Amazon Web Services", "Google Cloud"]
    assert len(requests) == 2
