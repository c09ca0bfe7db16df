"""The dashboard's pages over HTTP (Django's test client): who may see them, bad input, and how
amounts, chart data and run outcomes are rendered. The browser tests cover the same pages in
Chromium."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunKind, SyncRunState
from arrow_integration.dashboard.charts import billing_charts
from arrow_integration.dashboard.outcome import outcome_sections
from arrow_integration.dashboard.templatetags.dashboard_format import money, periods_summary
from arrow_integration.models import ArrowSyncRun
from arrow_integration.selectors.month_close_summary import CurrencyTotal, MonthSummary
from arrow_integration.tests.factories import ArrowSettingsFactory

pytestmark = pytest.mark.django_db
PAGES = ["/dashboard/", "/dashboard/runs/"]


@pytest.fixture
def staff_browser(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def failed_run() -> ArrowSyncRun:
    return ArrowSyncRun.objects.create(
        settings=ArrowSettingsFactory(), kind=SyncRunKind.BILLING, period=Period(2025, 1).first_day,
        state=SyncRunState.FAILED, error_message="Billing import of 2025-01 failed: something",
        outcome={
            "period": "2025-01", "items_created": 3, "compensated_amount": "-1234.5",
            "unmapped_customers": {"XSP100004": 3}, "missing_lines": {"XSP100001": ["L1", "L2"]},
            "errors": [{"license_reference": "XSP5000101", "error": "HTTP 500"}],
            "reconciled": ["XSP100002"], "new_key": {"deeper": {"a": [1, 2]}},
        },
    )


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/login/?next={url}"


@pytest.mark.parametrize("url", PAGES)
def test_users_who_are_not_staff_get_403(plain_user, url):
    client = Client()
    client.force_login(plain_user)
    response = client.get(url)
    assert response.status_code == 403
    assert b"The dashboard is for staff accounts" in response.content


def test_login_form_refuses_non_staff_and_logout_is_a_csrf_protected_post(plain_user, staff_user):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/dashboard/login/")
    token = page.cookies["csrftoken"].value
    refused = client.post("/dashboard/login/", {"username": "plain-tester", "password": "x",
                                                "csrfmiddlewaretoken": token})
    assert refused.status_code == 200 and b"staff account" in refused.content
    assert client.post("/dashboard/login/", {"username": "staff-tester", "password": "x"}).status_code == 403

    client.post("/dashboard/login/", {"username": "staff-tester", "password": "x", "csrfmiddlewaretoken": token})
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/dashboard/logout/").status_code == 405
    assert client.post("/dashboard/logout/").status_code == 403  # no CSRF token
    token = client.cookies["csrftoken"].value
    assert client.post("/dashboard/logout/", {"csrfmiddlewaretoken": token})["Location"] == "/dashboard/login/"
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.parametrize("query, field", [
    ("period=2025-13", "Month"), ("period=25-01", "Month"), ("kind=nothing", "Kind"), ("state=%00", "State"),
])
def test_bad_filters_are_a_400_naming_the_field(staff_browser, query, field):
    response = staff_browser.get(f"/dashboard/runs/?{query}")
    assert response.status_code == 400
    assert f"{field}: " in response.content.decode()


def test_runs_list_filters_and_pages(staff_browser, failed_run):
    for query, expected in [("", 1), ("kind=billing&state=failed&period=2025-01", 1), ("period=2025-02", 0),
                            ("state=succeeded", 0), ("page=999", 1), ("page=x", 1)]:
        response = staff_browser.get(f"/dashboard/runs/?{query}")
        assert response.status_code == 200
        assert response.context["page"].paginator.count == expected, query
    assert staff_browser.post("/dashboard/runs/").status_code == 405


def test_run_page_renders_every_outcome_key_readably(staff_browser, failed_run):
    response = staff_browser.get(f"/dashboard/runs/{failed_run.uuid}/")
    text = response.content.decode()
    assert response.status_code == 200
    for expected in ["Lines charged", "Customers with Arrow charges but no mapping", "XSP100004",
                     "Lines missing from Arrow&#x27;s export", "L1, L2", "Amount compensated", "-1,234.50",
                     "New key", "deeper", "A: 1, 2", "Billing import of 2025-01 failed: something"]:
        assert expected in text, expected
    assert "{&quot;" not in text and "{'" not in text
    assert staff_browser.get(f"/dashboard/runs/{uuid.uuid4()}/").status_code == 404


def test_outcome_sections_put_single_values_first_and_nested_values_in_tables(failed_run):
    sections = outcome_sections(failed_run.outcome)
    assert [section.kind for section in sections] == ["values", "mapping", "mapping", "records", "list", "mapping"]
    unmapped = sections[1]
    assert (unmapped.title, unmapped.columns, unmapped.rows) == (
        "Customers with Arrow charges but no mapping", ["Arrow customer", "Lines"], [["XSP100004", "3"]])
    assert sections[3].columns == ["License", "Error"]
    assert outcome_sections({}) == [] and outcome_sections(None) == []


def test_amounts_are_formatted_from_decimals_with_their_currency():
    assert money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert money(Decimal("-0.005"), "USD") == "-$0.00"
    assert money(Decimal("1234.565")) == "1,234.56"  # half-even, for display only
    assert money("12.30000", "EUR") == "€12.30"
    assert money("not a number") == "not a number"
    assert money(None) == "—"


def _summary(period: Period, *totals: tuple[str, Decimal, Decimal]) -> MonthSummary:
    return MonthSummary(period=period, rows=[], totals=[
        CurrencyTotal(currency, arrow_in_scope=bill, invoiced=invoiced) for currency, bill, invoiced in totals])


def test_chart_amounts_are_decimal_strings_per_currency():
    months = [
        _summary(Period(2025, 1), ("EUR", Decimal("10.005"), Decimal("10.004"))),
        _summary(Period(2025, 2), ("EUR", Decimal("0.1") + Decimal("0.2"), Decimal("0.3")),
                 ("USD", Decimal(1), Decimal(0))),
    ]
    charts = billing_charts(months)
    assert [chart["currency"] for chart in charts] == ["EUR", "USD"]
    eur = charts[0]
    assert eur["labels"] == ["2025-01", "2025-02"]
    assert eur["datasets"][0]["data"] == ["10.00", "0.30"]  # exactly 0.30, never 0.30000000000000004
    assert eur["datasets"][1]["formatted"] == ["€10.00", "€0.30"]
    assert charts[1]["datasets"][0]["data"] == ["0.00", "1.00"]
    json.dumps(charts)  # plain JSON: no Decimal, no float


def test_overview_renders_without_any_data(staff_browser):
    response = staff_browser.get("/dashboard/")
    assert response.status_code == 200
    assert "Nothing needs attention." in response.content.decode()
    assert len(response.context["charts"]) == 1 and len(response.context["months"]) == 12


def test_period_lists_are_summarised():
    assert periods_summary([Period(2025, 1), Period(2025, 2), Period(2025, 3)]) == "2025-01 to 2025-03"
    assert periods_summary([Period(2025, 1), Period(2025, 3)]) == "2025-01, 2025-03"
    assert periods_summary([]) == "—"
