"""Property-based tests of malformed input: periods, year/month, API keys, UUIDs, paths and bodies.

Hypothesis draws the input and DRF's test client sends it (in-process, so hundreds of requests
take seconds). The oracles are the project's own rules: `Period.parse` decides whether a period
string is valid (a period filter also takes a real day, standing for its month), the ranges
(2000–2100, 1–12, not after the current month) whether a year/month pair is, and an API
key must be printable ASCII because it travels in an HTTP header. Whatever is drawn, the answer is
never a 5xx, and a refusal is a JSON 4xx naming the offending field.
Bounded and repeatable: derandomized, no example database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import quote

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrow_client import Period
from tests.robustness.official_schema import official_operations
from tests.robustness.world import KNOWN, LINKED_LICENSE, admin_path

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(max_examples=60, derandomize=True, database=None, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BILLING = "/api/admin/arrow/billing-syncs/"
SETTINGS = "/api/admin/arrow/settings/"
HEADER_BREAKING_KEYS = ["ключ", "key\u00fc", "k\r\nX-Injected: 1", "tab\tkey"]
QUEUED_ACTIONS = ["trigger_sync", "reconcile", "trigger_consumption_sync", "trigger_reconciliation"]
BODY_OPERATIONS = [(method, path) for method, path in official_operations() if method in ("POST", "PUT", "PATCH")]

period_like = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"\A-?\d{1,5}-\d{1,3}\Z"),
    st.sampled_from(["2025-13", "25-01", "2025-00", "2025-1", "1999-12", "2101-01", "2025-01-01", "2025/01",
                     "２０２５-０１", "2025-01\x00", " 2025-02 "]),
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)
year_month_values = st.one_of(st.integers(min_value=-10**6, max_value=10**6), st.integers(), json_scalars,
                              st.sampled_from([2025, 1, 12, 2000, 2100, "2025", "07", 2025.0, True]))


def is_period(text) -> bool:
    try:
        Period.parse(text)
    except ValueError:
        return False
    return True


def is_month_or_day(text) -> bool:
    """What a period filter takes: a period, or a real day (YYYY-MM-DD in ASCII digits) of 2000–2100."""
    if is_period(text):
        return True
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
        return False
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return 2000 <= day.year <= 2100


def is_past_or_current(year: int, month: int) -> bool:
    return Period(year, month) <= Period.from_date(timezone.localdate())


def assert_json_refusal(response, *fields: str) -> None:
    """A 400 whose JSON body names at least one of ``fields``."""
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) & set(fields), body


def assert_no_server_error(response, method: str = "GET") -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400 and method != "HEAD":
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        json.loads(response.content)


@PROPERTY_SETTINGS
@given(text=period_like)
def test_a_period_is_accepted_exactly_when_it_parses(text, staff_client, admin_world):
    filtered = staff_client.get(f"{BILLING}?report_period={quote(text)}")
    fetched = staff_client.post(f"{BILLING}fetch_consumption/", {"license_reference": LINKED_LICENSE, "period": text},
                                format="json")

    if is_period(text):
        assert fetched.status_code == 200, fetched.content
    else:
        assert_json_refusal(fetched, "period")
    # A filter also takes a day, standing for its month; an empty value means "no filter".
    if is_month_or_day(text) or not text.strip():
        assert filtered.status_code == 200, filtered.content
    else:
        assert_json_refusal(filtered, "report_period")


@PROPERTY_SETTINGS
@given(action=st.sampled_from(QUEUED_ACTIONS), year=year_month_values, month=year_month_values)
def test_queued_actions_take_only_past_or_current_months_of_2000_to_2100(action, year, month, staff_client,
                                                                       admin_world):
    response = staff_client.post(f"{BILLING}{action}/", {"year": year, "month": month}, format="json")

    in_range = (type(year) is int and 2000 <= year <= 2100) and (type(month) is int and 1 <= month <= 12)
    if in_range and is_past_or_current(year, month):
        assert response.status_code == 202, response.content
    elif response.status_code != 202:  # "2025", 2025.0 and alike are integers to DRF, hence 202
        assert_json_refusal(response, "year", "month")


@PROPERTY_SETTINGS
@given(reference=st.one_of(st.text(max_size=60), st.uuids().map(str), json_values))
def test_object_references_are_a_uuid_or_a_url_else_a_named_400(reference, staff_client, admin_world):
    period = admin_world.period
    response = staff_client.post(f"{BILLING}trigger_sync/", {"year": period.year, "month": period.month,
                                                            "settings_uuid": reference}, format="json")

    assert_no_server_error(response, "POST")
    if response.status_code == 400:
        assert "settings_uuid" in response.json()
    elif response.status_code == 404:
        assert str(reference) != str(KNOWN.settings)


@PROPERTY_SETTINGS
@given(api_key=st.one_of(st.text(min_size=1, max_size=30), st.sampled_from(HEADER_BREAKING_KEYS)))
def test_an_api_key_is_taken_exactly_when_it_can_travel_in_a_header(api_key, staff_client, admin_world):
    response = staff_client.post(f"{SETTINGS}validate_credentials/",
                                 {"api_url": admin_world.emulator_base_url, "api_key": api_key}, format="json")

    key = api_key.strip()
    if key and all(" " <= char <= "~" for char in key):
        assert response.status_code == 200, response.content
        assert response.json()["valid"] is (key == admin_world.emulator_api_key)
    else:
        assert_json_refusal(response, "api_key")


@PROPERTY_SETTINGS
@given(segment=st.text(min_size=1, max_size=40).filter(lambda text: text not in (".", "..")),
       collection=st.sampled_from(["settings", "customer-mappings", "vendor-offering-mappings", "billing-syncs",
                                   "billing-sync-items", "consumption-records"]))
def test_any_path_segment_is_a_json_404_unless_it_names_an_object(segment, collection, staff_client, admin_world):
    response = staff_client.get(f"/api/admin/arrow/{collection}/{quote(segment, safe='')}/")

    assert_no_server_error(response)
    # Only the list actions (e.g. billing-syncs/consumption_status/) live next to the objects.
    assert response.status_code in (404, 405) or segment.isidentifier(), response.status_code


@PROPERTY_SETTINGS
@given(operation=st.sampled_from(BODY_OPERATIONS), body=json_values)
def test_any_json_body_gets_an_answer_not_a_server_error(operation, body, staff_client, admin_world):
    method, path = operation
    response = staff_client.generic(method, admin_path(path), json.dumps(body), content_type="application/json")

    assert_no_server_error(response, method)


@PROPERTY_SETTINGS
@given(operation=st.sampled_from(BODY_OPERATIONS), raw=st.binary(max_size=40),
       content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                     "multipart/form-data; boundary=x", "application/xml"]))
def test_undecodable_or_foreign_bodies_are_json_4xx(operation, raw, content_type, staff_client, admin_world):
    method, path = operation
    response = staff_client.generic(method, admin_path(path), raw, content_type=content_type)

    assert_no_server_error(response, method)
