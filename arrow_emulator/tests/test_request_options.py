"""The request options the SDKs use, in-process: export filters, date formats and page placement,
consumption parameter styles, and the license search's filters, keywords, sort and paging."""

import math

import pytest

from arrow_client.periods import Period
from arrow_emulator.exports import ExportFilter
from arrow_emulator.state import EmulatorConfig, EmulatorState

from .conftest import API, KEY, TODAY, export, rows_of

SEARCH = API + "licenses/v2/find"


def all_lines(query, per_page=300):
    return [line for page in range(1, math.ceil(query.total / per_page) + 1) for line in query.page(page, per_page)]


@pytest.mark.parametrize("options", [
    {"vendors": frozenset({"amazon web services"})},
    {"programs": frozenset({"MSCSP"}), "customer_refs": frozenset({"XSP100003"})},
    {"arrow_sku": "dzh318z0bps6:0001"},
    {"friendly_names": frozenset({"Scale aws 0000011", "Filler 0000008"})},
    {"sequences": frozenset({"SCL25-202501-F0000004"}), "classifications": frozenset({"IAAS"})},
])
def test_scaled_export_filters_match_a_brute_force_filter(options):
    state = EmulatorState(EmulatorConfig(today=TODAY, scale_lines=900, scale_licenses=60, export_page_size=300))
    flt = ExportFilter(Period(2025, 1), Period(2025, 1), **options)
    expected = [line.sequence for line in all_lines(state.export_query(ExportFilter(Period(2025, 1), Period(2025, 1))))
                if flt.accepts(line)]
    assert expected
    assert [line.sequence for line in all_lines(state.export_query(flt))] == expected


def test_export_filter_values_are_compared_without_case(http):
    upper = rows_of(export(http, "2025-01", vendors=["MICROSOFT"], programs=["mscsp"]))
    assert upper and {row["Vendor Name"] for row in upper} == {"Microsoft"}


@pytest.mark.parametrize(("body", "message"), [
    ({"arrowSku": ["A", "B"]}, "arrowSku must be a string"),
    ({"vendors": "Microsoft"}, "vendors must be a list of strings"),
    ({"friendlyNames": [1]}, "friendlyNames must be a list of strings"),
])
def test_bad_filter_types_are_400(http, body, message):
    response = export(http, "2025-01", **body)
    assert response.status_code == 400 and message in response.json()["messages"][0]


def test_output_date_format(http):
    body = {"exportTypeReference": "MSP_EXTENDED", "outputFormat": {"date": "DD-MM-YYYY", "file": "csv"},
            "filters": {"reportPeriod": {"from": "2025-01", "to": "2025-01"}}}
    rows = rows_of(http.post(API + "billing/erp/exports/sync", json=body, headers=KEY))
    assert {row["Bill From"] for row in rows} <= {"01-01-2025", "01-02-2025"}
    body["outputFormat"] = {"date": "YYYY-MM-DD"}
    assert http.post(API + "billing/erp/exports/sync", json=body, headers=KEY).status_code == 400


def test_page_in_the_query_string_or_the_body_but_not_two_different_pages(http, state):
    state.reset(export_page_size=5)
    body = {"exportTypeReference": "LIGHT", "filters": {"reportPeriod": {"from": "2025-01", "to": "2025-01"}}}
    sync = API + "billing/erp/exports/sync"
    by_query = http.post(sync, params={"page": 2}, json=body, headers=KEY).json()
    by_body = http.post(sync, json={**body, "page": 2}, headers=KEY).json()
    by_both = http.post(sync, params={"page": 2}, json={**body, "page": 2}, headers=KEY).json()
    assert by_query == by_body == by_both and by_query["pagination"]["currentPage"] == 2
    conflict = http.post(sync, params={"page": 2}, json={**body, "page": 3}, headers=KEY)
    assert conflict.status_code == 400 and "query string" in conflict.json()["messages"][0]
    assert http.post(sync, params={"page": "two"}, json=body, headers=KEY).status_code == 400


def test_consumption_accepts_both_parameter_styles_but_needs_both_ends(http):
    path = API + "consumption/monthly/license/XSP5000301"
    report = http.get(path, params={"reportPeriodStart": "2025-01", "reportPeriodEnd": "2025-01"}, headers=KEY)
    billing = http.get(path, params={"billingMonthStart": "2025-01", "billingMonthEnd": "2025-01"}, headers=KEY)
    assert report.json() == billing.json() and report.json()["data"]["lines"]
    missing = http.get(path, params={"billingMonthStart": "2025-01"}, headers=KEY)
    assert missing.status_code == 400 and "billingMonthEnd" in missing.json()["messages"][0]


def search(http, body=None, **params):
    return http.post(SEARCH, json=body or {}, params=params, headers=KEY)


def references(response) -> list[str]:
    return [result["license"]["partner_ref"] for result in response.json()["results"]]


def test_search_filters_by_value_list_and_comparison(http):
    assert set(references(search(http, {"filters": {"license.vendor_code": "aws"}}))) == {
        "XSP5000103", "XSP5000202", "XSP5000203", "XSP5000302", "XSP5000403", "XSP5000501", "XSP5000502",
        "XSP5000602"}
    found = references(search(http, {"filters": {"license.customer_ref": ["XSP100005", "XSP100006"],
                                                 "license.id": {"gte": 5000600}}}))
    assert found == ["XSP5000601", "XSP5000602", "XSP5000603", "XSP5000604"]
    assert references(search(http, {"filters": {"offer.priceBand.currency": "USD"}})) == []


def test_search_keywords_keyword_and_sort(http):
    found = search(http, {"keywords": {"license.friendly_name": {"values": ["aurora", "m365"], "operator": "AND"}},
                          "sort": {"license.seat": "desc"}})
    assert references(found) == ["XSP5000603"]
    assert references(search(http, {"keyword": "GENOMICS"})) == ["XSP5000302"]
    by_seats = search(http, {"filters": {"license.cloud_type": "SaaS"}, "sort": {"license.seat": "desc"}})
    seats = [result["license"]["seat"] for result in by_seats.json()["results"]]
    assert seats == sorted(seats, reverse=True) and len(seats) == 7


def test_search_facets_count_the_matching_licenses(http):
    facets = {facet["name"]: facet["values"] for facet in search(http, {"keyword": "nordic"}).json()["filters"]}
    assert {entry["value"]: entry["count"] for entry in facets["vendor_name"]} == {
        "Microsoft": 4, "Amazon Web Services": 1}


@pytest.mark.parametrize("body", [
    [], {"filters": []}, {"filters": {"customer_ref": "x"}}, {"filters": {"license.nope": 1}},
    {"filters": {"license.id": {"above": 1}}}, {"keywords": {"license.sku": {"values": "x"}}},
    {"keywords": {"license.sku": {"values": ["x"], "operator": "XOR"}}}, {"sort": {"license.sku": "up"}},
    {"keyword": 5},
])
def test_search_refuses_malformed_bodies(http, body):
    response = http.post(SEARCH, json=body, headers=KEY)
    assert response.status_code == 400 and response.json()["status"] == 400


def test_search_pages_with_the_query_string(http):
    first, second = search(http, page=1, per_page=20), search(http, page=2, per_page=20)
    assert second.json()["pagination"] == {"currentPage": 2, "totalPage": 2, "total": 26}
    assert len(set(references(first)) | set(references(second))) == 26


def test_programs_are_paged(http):
    body = http.get(API + "catalog/categories/iaas/programs", params={"per_page": 2, "page": 2}, headers=KEY).json()
    assert [program["reference"] for program in body["data"]] == ["google"]
    assert body["pagination"]["total_page"] == 2 and body["pagination"]["total"] == 3
