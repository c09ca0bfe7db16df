"""The emulator's HTTP surface in-process: envelopes, auth, paging, exports, control API, faults."""

import math

import pytest

from arrow_client.periods import Period
from arrow_emulator.exports import ExportFilter
from arrow_emulator.state import EmulatorConfig, EmulatorState

from .conftest import API, KEY, TODAY, export, rows_of


def test_missing_or_wrong_key_is_401_with_error_body(http):
    for headers in ({}, {"apiKey": "wrong"}):
        response = http.get(API + "whoami", headers=headers)
        assert response.status_code == 401
        assert response.json()["status"] == 401 and response.json()["error"] == "Unauthorized"
        assert response.json()["messages"]


def test_unknown_path_and_method_use_arrow_error_bodies(http):
    response = http.get(API + "nothing/here", headers=KEY)
    assert response.status_code == 404 and response.json()["status"] == 404
    response = http.get(API + "billing/erp/exports/sync", headers=KEY)
    assert response.status_code == 405 and response.json()["status"] == 405


def test_whoami_envelope(http):
    body = http.get(API + "whoami", headers=KEY).json()
    assert body["status"] == 200 and body["data"]["reference"] == "XSP100000"
    assert "companyName" in body["data"]


def test_customers_per_page_two_returns_each_once(http):
    seen, page = [], 1
    while True:
        body = http.get(API + "customers", params={"page": page, "per_page": 2}, headers=KEY).json()
        seen += [customer["Reference"] for customer in body["data"]["customers"]]
        if page >= body["pagination"]["total_page"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 6
    assert body["pagination"]["next"] is None and body["pagination"]["previous"]


@pytest.mark.parametrize("params", [{"page": "0"}, {"per_page": "x"}, {"per_page": "5000"}])
def test_bad_paging_parameters_are_400(http, params):
    assert http.get(API + "customers", params=params, headers=KEY).status_code == 400


def test_export_pages_with_totalpages(http):
    body = export(http, "2025-01").json()
    assert body["code"] == 200 and body["message"] == "success"
    assert len(body["data"]["headers"]) == 70
    assert body["pagination"] == {"perPage": 1000, "currentPage": 1, "total": len(body["data"]["values"]),
                                  "totalPages": 1}


def test_export_of_a_period_without_lines_still_has_headers(http):
    body = export(http, "2019-01").json()
    assert len(body["data"]["headers"]) == 70 and body["data"]["values"] == []
    assert body["pagination"]["total"] == 0


def test_export_filters(http):
    rows = rows_of(export(http, "2025-01", customerXspRefs=["XSP100002"], classifications=["SAAS"]))
    # End User Company ID is the customer's numeric Ref, as in live exports.
    assert rows and {(r["End User Company ID"], r["Classification"]) for r in rows} == {("100002", "SAAS")}


@pytest.mark.parametrize(
    ("body", "status"),
    [({"exportTypeReference": "NOPE", "filters": {"reportPeriod": {"from": "2025-01", "to": "2025-01"}}}, 404),
     ({"exportTypeReference": "LIGHT", "filters": {"reportPeriod": {"from": "2025-13", "to": "2025-13"}}}, 400),
     ({"exportTypeReference": "LIGHT", "filters": {}}, 400),
     ({"exportTypeReference": "LIGHT", "filters": {"reportPeriod": {"from": "2025-02", "to": "2025-01"}}}, 400)],
)
def test_bad_export_requests(http, body, status):
    response = http.post(API + "billing/erp/exports/sync", json=body, headers=KEY)
    assert response.status_code == status and response.json()["status"] == status


def test_validation_date_follows_today(http):
    assert all(row["Validation Date"] == "03/05/2025" for row in rows_of(export(http, "2025-02")))
    assert all(row["Validation Date"] == "" for row in rows_of(export(http, "2025-03")))
    http.post("/_emulator/today", json={"date": "2025-03-02"})
    assert all(row["Validation Date"] == "" for row in rows_of(export(http, "2025-02")))


def test_control_changes_a_line_price_and_reset_restores_it(http):
    rows = rows_of(export(http, "2025-01"))
    sequence, original = rows[0]["Sequence"], rows[0]["Customer Total Price"]
    response = http.post(f"/_emulator/lines/{sequence}/price", json={"sell": "999.50", "buy": "900"})
    assert response.status_code == 200
    assert rows_of(export(http, "2025-01"))[0]["Customer Total Price"] == "999.50"
    http.post("/_emulator/reset", json={})
    assert rows_of(export(http, "2025-01"))[0]["Customer Total Price"] == original


def test_control_adds_and_removes_lines(http):
    before = len(rows_of(export(http, "2025-01")))
    added = http.post("/_emulator/lines", json={"period": "2025-01", "license": "XSP5000301", "sell": "10",
                                                 "buy": "9", "quantity": "2"})
    assert added.status_code == 201
    sequence = added.json()["Sequence"]
    rows = rows_of(export(http, "2025-01"))
    assert len(rows) == before + 1 and rows[-1]["Qty"] == "2" and rows[-1]["Customer Total Price"] == "10.00"
    assert http.delete(f"/_emulator/lines/{sequence}").status_code == 204
    first = rows[0]["Sequence"]
    assert http.delete(f"/_emulator/lines/{first}").status_code == 204
    assert len(rows_of(export(http, "2025-01"))) == before - 1
    assert http.delete("/_emulator/lines/NOPE").status_code == 404


def test_control_sets_consumption(http):
    http.put("/_emulator/consumption/XSP5000101/2025-01", json={"sell": "100", "buy": "80"})
    params = {"reportPeriodStart": "2025-01", "reportPeriodEnd": "2025-01"}
    data = http.get(API + "consumption/monthly/license/XSP5000101", params=params, headers=KEY).json()["data"]
    sell = data["headers"].index("Total sell price")
    assert sum(float(line[sell]) for line in data["lines"]) == pytest.approx(100)
    http.put("/_emulator/consumption/XSP5000101/2025-01", json={"sell": "0", "buy": "0"})
    data = http.get(API + "consumption/monthly/license/XSP5000101", params=params, headers=KEY).json()["data"]
    assert data["lines"] == [] and data["headers"]
    bad = http.put("/_emulator/consumption/XSP5000101/2025-01", json={"sell": "lots", "buy": "0"})
    assert bad.status_code == 400


def test_fault_count_retry_after_and_counters(http):
    http.post("/_emulator/faults", json={"endpoint": "whoami", "status": 429, "count": 2, "retry_after": 1})
    statuses = [http.get(API + "whoami", headers=KEY) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "1"
    assert http.get("/_emulator/counters").json()["counters"] == {"whoami": 3}
    http.post("/_emulator/counters/reset")
    assert http.get("/_emulator/counters").json()["counters"] == {}


def test_fault_alias_malformed_and_unknown_endpoint(http):
    http.post("/_emulator/faults", json={"endpoint": "consumption/monthly/license", "malformed": True})
    response = http.get(API + "consumption/monthly/license/XSP5000101",
                        params={"reportPeriodStart": "2025-01", "reportPeriodEnd": "2025-01"}, headers=KEY)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert http.post("/_emulator/faults", json={"endpoint": "nope", "status": 500}).status_code == 400
    assert http.delete("/_emulator/faults").status_code == 204
    assert http.get("/_emulator/faults").json()["faults"] == []


def test_fault_probability_is_repeatable(http):
    http.post("/_emulator/faults", json={"endpoint": "*", "status": 503, "probability": 0.5})
    first = [http.get(API + "whoami", headers=KEY).status_code for _ in range(20)]
    http.delete("/_emulator/faults")
    http.post("/_emulator/faults", json={"endpoint": "*", "status": 503, "probability": 0.5})
    second = [http.get(API + "whoami", headers=KEY).status_code for _ in range(20)]
    assert first == second and {200, 503} == set(first)


def test_reset_rejects_unknown_options(http):
    assert http.post("/_emulator/reset", json={"colour": "blue"}).status_code == 400
    assert http.post("/_emulator/reset", json={"scale_lines": -1}).status_code == 400


def test_scaled_export_pages_match_a_brute_force_filter():
    state = EmulatorState(EmulatorConfig(today=TODAY, scale_lines=2500, scale_licenses=100, export_page_size=300))
    everything = state.export_query(ExportFilter(Period(2025, 1), Period(2025, 2)))
    assert everything.total == 5000
    all_lines = [line for page in range(1, math.ceil(everything.total / 300) + 1)
                 for line in everything.page(page, 300)]
    assert len({line.sequence for line in all_lines}) == 5000
    wanted = frozenset({"XSP100002", "XSP100005"})
    filtered = state.export_query(ExportFilter(Period(2025, 1), Period(2025, 2), frozenset({"IAAS"}), wanted))
    expected = [line.sequence for line in all_lines
                if line.license.customer.reference in wanted and line.license.product.classification == "IAAS"]
    got = [line.sequence for page in range(1, math.ceil(filtered.total / 300) + 1)
           for line in filtered.page(page, 300)]
    assert filtered.total == len(expected) and got == expected


def test_scaled_licenses_listing_and_lookup(http):
    http.post("/_emulator/reset", json={"scale_licenses": 1000})
    body = http.get(API + "licenses", params={"page": 10, "per_page": 100}, headers=KEY).json()
    assert body["pagination"]["total"] == 1000 and len(body["data"]["licenses"]) == 100
    last = body["data"]["licenses"][-1]["license_id"]
    assert http.get(API + f"licenses/{last}", headers=KEY).json()["data"]["license"]["license_id"] == last
    seen = []
    for page in (1, 2, 3):
        seen += http.get(API + "customers/XSP100003/licenses", params={"page": page, "per_page": 100},
                         headers=KEY).json()["data"]["licenses"]
    assert {item["customer_ref"] for item in seen} == {"XSP100003"}
    assert len({item["license_id"] for item in seen}) == len(seen) > 150


def test_a_tenant_is_another_arrow_account_with_the_same_data():
    """``--tenant N``: the partner and customers get references of their own, nothing else changes."""
    from arrow_emulator.app import create_app
    from arrow_emulator.seeds import tenant_reference

    from .conftest import TestClient

    plain = TestClient(create_app(EmulatorState(EmulatorConfig(today=TODAY, scale_lines=50))))
    tenant = TestClient(create_app(EmulatorState(EmulatorConfig(today=TODAY, scale_lines=50, tenant=7))))
    assert tenant_reference("XSP100001", 7) == "XSP107001"
    assert plain.get(API + "whoami", headers=KEY).json()["data"]["reference"] == "XSP100000"
    assert tenant.get(API + "whoami", headers=KEY).json()["data"]["reference"] == "XSP107000"
    references = [customer["Reference"] for customer in
                  tenant.get(API + "customers", headers=KEY).json()["data"]["customers"]]
    assert references == [f"XSP10700{number}" for number in range(1, 7)]

    plain_rows, tenant_rows = rows_of(export(plain, "2025-02")), rows_of(export(tenant, "2025-02"))
    assert len(tenant_rows) == len(plain_rows) >= 50
    for ours, theirs in zip(plain_rows, tenant_rows, strict=True):
        assert theirs["End User Company ID"] == tenant_reference(f"XSP{ours['End User Company ID']}", 7)[3:]
        assert (theirs["Sequence"], theirs["Customer Total Price"]) == (ours["Sequence"], ours["Customer Total Price"])
    with pytest.raises(ValueError):
        EmulatorConfig(tenant=900)
