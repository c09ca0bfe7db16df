"""Malformed input aimed where the fuzzers rarely go: numbers a filter cannot hold, JSON nested too
deep, full-width digits, months in the future, and the two forms of every period filter.

The filter and body tests read the collections from `/api/` and the operations and parameters
from our own `/api/schema/`, so a filter or a write endpoint added later is covered as well. Every
refusal is a 400 (or 413) with a JSON body naming the parameter or saying what is wrong; nothing
here may answer 5xx, on SQLite as on PostgreSQL (where an integer overflow is a database error).
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.utils import timezone

from arrow_client import Period
from tests.robustness.world import KNOWN, admin_path

pytestmark = pytest.mark.django_db

BILLING = "/api/admin/arrow/billing-syncs/"
QUEUED_ACTIONS = ["trigger_sync", "reconcile", "trigger_consumption_sync", "trigger_reconciliation"]
# Numbers no integer filter can take: beyond 64 bits, not in ASCII digits, not whole.
UNREADABLE_NUMBERS = ["99999999999999999999999", "-99999999999999999999999", "1e20", "２", "2_0", "1.5"]
# One of each kind: too big a number, a float, a full-width digit, zero, an impossible date, a NUL.
ODD_VALUES = ["99999999999999999999999", "1e20", "２", "0", "9999-99-99", "\x00"]
NESTING = 950
DEEP_BODIES = {"arrays": "[" * NESTING + "]" * NESTING, "objects": '{"a":' * NESTING + "1" + "}" * NESTING}
# Objects of the admin world that the core paths' `{uuid}` can name.
CORE_KNOWN = {
    "customers": KNOWN.customer,
    "projects": KNOWN.project,
    "marketplace-provider-offerings": KNOWN.offering,
    "marketplace-plans": KNOWN.plan,
    "marketplace-resources": KNOWN.linked_resource,
}
PERIOD_FILTERS = [
    ("/api/admin/arrow/billing-syncs/", "report_period"),
    ("/api/admin/arrow/billing-syncs/", "report_period_from"),
    ("/api/admin/arrow/billing-syncs/", "report_period_to"),
    ("/api/admin/arrow/billing-sync-items/", "report_period"),
    ("/api/admin/arrow/consumption-records/", "billing_period"),
    ("/api/admin/arrow/consumption-records/", "billing_period_from"),
    ("/api/admin/arrow/consumption-records/", "billing_period_to"),
]


def our_schema(client) -> dict:
    return client.get("/api/schema/?format=json").json()


def collection_paths(client) -> list[str]:
    """The path of every collection the API root lists."""
    entry_points = client.get("/api/").json()
    return [urlparse(url).path for name, url in entry_points.items() if name not in ("schema", "docs")]


def integer_filters(schema: dict, path: str) -> list[str]:
    parameters = schema["paths"][path]["get"].get("parameters", [])
    return [parameter["name"] for parameter in parameters
            if parameter["in"] == "query" and parameter["schema"].get("type") == "integer"
            and parameter["name"] not in ("page", "page_size")]


def object_path(path: str) -> str:
    """``path`` with its ``{uuid}`` naming an object of the admin world."""
    parts = [part for part in path.split("/") if part]
    if "{uuid}" in parts and parts[parts.index("{uuid}") - 1] in CORE_KNOWN:
        return path.replace("{uuid}", str(CORE_KNOWN[parts[parts.index("{uuid}") - 1]]))
    return admin_path(path)


def test_every_integer_filter_refuses_a_number_it_cannot_hold(staff_client, admin_world):
    schema = our_schema(staff_client)
    filters = [(path, name) for path in collection_paths(staff_client) for name in integer_filters(schema, path)]

    assert {("/api/invoices/", "year"), ("/api/invoices/", "month"), (BILLING, "state")} <= set(filters)
    for path, name in filters:
        for value in UNREADABLE_NUMBERS:
            response = staff_client.get(path, {name: value})
            assert response.status_code == 400, (path, name, value, response.status_code, response.content[:200])
            assert name in response.json()
            assert staff_client.head(path, {name: value}).status_code == 400


def test_no_query_parameter_of_any_collection_ends_in_a_server_error(staff_client, user_client, admin_world):
    """Every parameter of every FilterSet. HEAD runs the filters as GET does, without rendering rows."""
    schema = our_schema(staff_client)
    for path in collection_paths(staff_client):
        names = [parameter["name"] for parameter in schema["paths"][path]["get"].get("parameters", [])
                 if parameter["in"] == "query"]
        clients = (staff_client,) if path.startswith("/api/admin/") else (staff_client, user_client)
        for name in names:
            for value in ODD_VALUES:
                for client in clients:
                    response = client.head(path, {name: value})
                    assert response.status_code < 500, (path, name, value, response.status_code)


@pytest.mark.parametrize("shape", sorted(DEEP_BODIES))
def test_a_json_body_nested_too_deep_is_a_400_on_every_write_endpoint(staff_client, admin_world, shape):
    schema = our_schema(staff_client)
    writes = [(method, path, operation) for path, item in schema["paths"].items()
              for method, operation in item.items() if method in ("post", "put", "patch")]

    assert len(writes) > 30
    for method, path, operation in writes:
        response = staff_client.generic(method.upper(), object_path(path), DEEP_BODIES[shape],
                                        content_type="application/json")
        assert response.status_code < 500, (method, path, response.status_code)
        if "requestBody" in operation:
            assert response.status_code == 400, (method, path, response.status_code, response.content[:200])
            assert "nested deeper" in response.json()["detail"]


@pytest.mark.parametrize("path, name", PERIOD_FILTERS)
def test_every_period_filter_takes_a_month_or_a_day_of_it(staff_client, admin_world, path, name):
    month = admin_world.period
    as_month = staff_client.get(path, {name: str(month)})
    as_day = staff_client.get(path, {name: str(month.first_day.replace(day=15))})
    malformed = staff_client.get(path, {name: f"{month.year}-13"})

    assert as_month.status_code == as_day.status_code == 200, (as_month.content, as_day.content)
    assert as_month["X-Result-Count"] == as_day["X-Result-Count"] != "0"
    assert malformed.status_code == 400 and name in malformed.json()


@pytest.mark.parametrize("action", QUEUED_ACTIONS)
@pytest.mark.parametrize("body, field", [
    ({"year": "２０２６", "month": 1}, "year"),
    ({"year": 2026, "month": "０１"}, "month"),
    ({"year": "2_026", "month": 1}, "year"),
])
def test_queued_actions_read_years_and_months_in_ascii_digits_only(staff_client, admin_world, action, body, field):
    response = staff_client.post(f"{BILLING}{action}/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("action", QUEUED_ACTIONS)
def test_queued_actions_refuse_a_month_in_the_future_and_take_the_current_one(staff_client, admin_world, action):
    current = Period.from_date(timezone.localdate())
    next_month, next_year = current.next(), Period(min(current.year + 1, 2100), 1)

    early = staff_client.post(f"{BILLING}{action}/", {"year": next_month.year, "month": next_month.month},
                              format="json")
    late = staff_client.post(f"{BILLING}{action}/", {"year": next_year.year, "month": next_year.month},
                             format="json")
    now = staff_client.post(f"{BILLING}{action}/", {"year": current.year, "month": current.month}, format="json")

    assert early.status_code == 400 and set(early.json()) & {"year", "month"}, early.content
    assert late.status_code == 400 and "year" in late.json(), late.content
    assert now.status_code == 202, now.content
