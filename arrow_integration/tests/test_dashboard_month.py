"""The dashboard's month pages over HTTP (Django's test client), on a month built in the emulator
to hold every variance class: the report per customer (filters, sort, 400s and 404s), the
differences by class, the drill-down with its admin links, the overview's month-close parts, the
downloads a staff session may fetch, and the buttons that queue runs (CSRF, confirmation, the
API's enqueue path). The browser tests cover the same pages in Chromium."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunKind, SyncRunState, SyncRunTrigger
from arrow_integration.dashboard.figures import month_summary
from arrow_integration.models import ArrowCustomerMapping, ArrowSyncRun
from arrow_integration.selectors.month_close import month_close_line_stream, month_close_report
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tasks import billing as billing_tasks
from arrow_integration.tests.month_close_support import (
    AURORA,
    BALTIC,
    NORDIC,
    PRICE_RAISE,
    QUANTUM,
    RAISED_LICENSE,
    REPRICED_LICENSE,
)
from arrow_integration.tests.periods import current_period, early_in_current_month, previous_period
from core.models import InvoiceItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_session(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def month_url(period, suffix: str = "") -> str:
    return f"/dashboard/months/{period}/{suffix}"


def shown_references(response) -> list[str]:
    return [shown.row.arrow_customer_reference for shown in response.context["shown_rows"]]


def test_the_month_page_shows_the_report_per_customer_and_every_class(staff_session, closing_month):
    period = closing_month.period
    response = staff_session.get(month_url(period))
    text = response.content.decode()

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.rows == month_close_report(period) and summary.status == "validated"
    assert shown_references(response) == sorted(row.arrow_customer_reference for row in summary.rows)
    lines = list(month_close_line_stream(period))
    for name in {line.variance_class for line in lines}:
        count = sum(1 for line in lines if line.variance_class == name)
        assert f'href="?variance_class={name}#customers">{name.capitalize()}</a>' in text
        assert next(entry for entry in summary.classes if entry.variance_class == name).lines == count
    [chart] = response.context["class_charts"]
    assert chart["labels"][:3] == ["Matched", "Undercharged", "Overcharged"]
    assert [dataset["axis"] for dataset in chart["datasets"]] == ["amount", "count"]
    json.dumps(chart)
    nordic = next(row for row in summary.rows if row.arrow_customer_reference == NORDIC)
    assert f"€{nordic.arrow_total:,.2f}" in text
    assert f"/dashboard/months/{period}/customer/?settings={closing_month.settings.uuid}&amp;arrow_customer={NORDIC}" in text
    assert response.context["next_period"] == period.next() and response.context["previous_period"] == period.previous()


@pytest.mark.parametrize("query, expected", [
    ("status=reconciled", lambda rows: [row for row in rows if row.status == "reconciled"]),
    ("variance_class=unmapped", lambda rows: [row for row in rows if row.counts["unmapped"]]),
    ("variance_class=duplicated", lambda rows: [row for row in rows if row.counts["duplicated"]]),
    ("status=not_checked", lambda rows: []),
])
def test_the_customers_are_filtered(staff_session, closing_month, query, expected):
    response = staff_session.get(month_url(closing_month.period) + "?" + query)

    assert response.status_code == 200
    wanted = sorted(row.arrow_customer_reference for row in expected(month_close_report(closing_month.period)))
    assert shown_references(response) == wanted


def test_the_customers_are_sorted_by_any_column_both_ways(staff_session, closing_month):
    rows = month_close_report(closing_month.period)
    by_difference = [row.arrow_customer_reference for row in sorted(rows, key=lambda row: row.difference)]

    response = staff_session.get(month_url(closing_month.period) + "?sort=difference&status=")
    assert shown_references(response) == by_difference
    assert 'aria-sort="ascending" class="num"><a href="?status=&amp;sort=-difference#customers">Difference' in (
        response.content.decode())
    response = staff_session.get(month_url(closing_month.period) + "?sort=-difference")
    assert shown_references(response) == by_difference[::-1]
    response = staff_session.get(month_url(closing_month.period) + "?sort=-local_customer")
    assert shown_references(response)[-2:] == sorted([QUANTUM, AURORA])[::-1] or set(
        shown_references(response)[:2]) == {QUANTUM, AURORA}


@pytest.mark.parametrize("query, field", [
    ("status=clean", "Status"), ("variance_class=lost", "With lines of class"), ("sort=price", "Sort"),
    ("settings=not-a-uuid", "Settings"), ("status=%00", "Status"),
])
def test_bad_month_filters_are_a_400_naming_the_field(staff_session, closing_month, query, field):
    response = staff_session.get(month_url(closing_month.period) + "?" + query)
    assert response.status_code == 400
    assert f"{field}: " in response.content.decode()


@pytest.mark.parametrize("month", ["2025-13", "2025-1", "next", "0000-01", "９９９９-01"])
def test_a_path_that_names_no_month_is_a_404_page(staff_session, month):
    response = staff_session.get(f"/dashboard/months/{month}/")
    assert response.status_code == 404 and b"There is no such month" in response.content
    assert staff_session.get(f"/dashboard/months/{month}/customer/").status_code == 404


def test_months_leads_to_the_month_being_closed(staff_session):
    response = staff_session.get("/dashboard/months/")
    assert response.status_code == 302 and response["Location"] == f"/dashboard/months/{current_period().previous()}/"


def test_a_month_nothing_read_says_so(staff_session):
    response = staff_session.get(month_url(Period(2024, 2)))
    assert response.status_code == 200 and response.context["summary"].status == "not_checked"
    assert b"Nothing of 2024-02 is in the database" in response.content


def test_the_drilldown_shows_licenses_lines_invoice_items_compensations_and_admin_links(staff_session,
                                                                                       closing_month):
    period = closing_month.period
    response = staff_session.get(month_url(period, "customer/"),
                                 {"settings": closing_month.settings.uuid, "arrow_customer": NORDIC})
    text = response.content.decode()

    assert response.status_code == 200
    lines = list(month_close_line_stream(period))
    nordic = [line for line in lines if line.arrow_customer_reference == NORDIC]
    groups = response.context["page"].object_list
    assert sum(len(group.lines) for group in groups) == len(nordic)
    assert {group.license_reference for group in groups} == {line.license_reference for line in nordic}
    assert groups[0].has_open_lines and groups[0].license_reference == RAISED_LICENSE  # undercharged: first
    repriced = next(group for group in groups if group.license_reference == REPRICED_LICENSE)
    [view] = [view for view in repriced.lines if view.line.compensations]
    [compensation] = [link for link in view.charges if link.is_compensation]
    item = InvoiceItem.objects.get(uuid=compensation.charge.uuid)
    assert compensation.charge.amount == PRICE_RAISE == item.unit_price
    assert compensation.item_url == f"/admin/core/invoiceitem/{item.pk}/change/"
    assert compensation.invoice_url == f"/admin/core/invoice/{item.invoice_id}/change/" and compensation.item_url in text
    assert view.source_url.startswith("/admin/arrow_integration/arrowbillingsyncitem/")
    assert f"/admin/core/customer/{closing_month.customer(NORDIC).pk}/change/" in text
    assert f"/admin/arrow_integration/arrowcustomermapping/{closing_month.mappings[NORDIC].pk}/change/" in text
    assert "Compensation" in text and "€50.00" in text and "Ledger entries" in text
    assert f"arrow_customer_reference={NORDIC}" in response.context["csv_url"]


def test_the_drilldown_of_an_unmapped_customer_offers_to_map_it(staff_session, closing_month):
    response = staff_session.get(month_url(closing_month.period, "customer/"),
                                 {"settings": closing_month.settings.uuid, "arrow_customer": QUANTUM.lower()})
    text = response.content.decode()

    assert response.status_code == 200 and "not mapped" in text
    assert (f"/admin/arrow_integration/arrowcustomermapping/add/?settings={closing_month.settings.pk}"
            f"&amp;arrow_reference={QUANTUM}") in text
    classes = {view.line.variance_class for group in response.context["page"].object_list for view in group.lines}
    assert "unmapped" in classes and classes <= {"unmapped", "excluded"}


@pytest.mark.parametrize("params, status", [
    ({"arrow_customer": "XSP999999"}, 404), ({"settings": "not-a-uuid", "arrow_customer": NORDIC}, 400),
    ({"arrow_customer": "x" * 300}, 400), ({"settings": "00000000-0000-0000-0000-000000000000",
                                            "arrow_customer": NORDIC}, 404),
])
def test_a_bad_or_unknown_drilldown_customer(staff_session, closing_month, params, status):
    response = staff_session.get(month_url(closing_month.period, "customer/"), params)
    assert response.status_code == status


def test_the_overview_shows_each_month_status_open_differences_and_warnings(staff_session, closing_month):
    response = staff_session.get("/dashboard/")
    text = response.content.decode()

    assert response.status_code == 200
    rows = {row.period: row for row in response.context["months"]}
    month = rows[closing_month.period]
    assert month.status == "validated" and month.total.currency == "EUR"
    lines = list(month_close_line_stream(closing_month.period))
    open_classes = {line.variance_class for line in lines} - {"matched", "excluded"}
    assert {entry.variance_class for entry in month.open_classes} == open_classes
    for entry in month.open_classes:
        own = [line for line in lines if line.variance_class == entry.variance_class]
        assert (entry.lines, entry.difference) == (len(own), sum((line.difference for line in own), Decimal(0)))
    assert rows[closing_month.period.shift(-1)].status == "not_checked"
    unmapped = {entry.reference: entry for entry in response.context["unmapped"]}
    assert set(unmapped) == {QUANTUM, AURORA} and all(entry.amount > 0 for entry in unmapped.values())
    [excluded] = response.context["excluded"]
    assert excluded.period == closing_month.period and excluded.lines == sum(
        1 for line in lines if line.variance_class == "excluded")
    assert f"€{excluded.amount:,.2f}" in text
    assert f'href="/dashboard/months/{closing_month.period}/">{closing_month.period}</a>' in text


def test_a_staff_session_downloads_every_csv_and_the_focus_export(staff_session, closing_month):
    response = staff_session.get(month_url(closing_month.period))
    downloads = {download.title: download.url for download in response.context["downloads"]}

    for title, url in downloads.items():
        download = staff_session.get(url)
        assert download.status_code == 200, (title, download.content[:200])
        assert download["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in download["Content-Disposition"]
    report = list(csv.DictReader(io.StringIO(b"".join(staff_session.get(downloads["Month-close report"])
                                                      .streaming_content).decode())))
    assert sorted(row["arrow_customer_reference"] for row in report) == sorted(
        row.arrow_customer_reference for row in month_close_report(closing_month.period))
    assert Client().get(downloads["Month-close report"]).status_code in (401, 403)


def _post_action(client, period, action: str, **fields):
    page = client.get(month_url(period))
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    return client.post(month_url(period, "run/"), {"action": action, "csrfmiddlewaretoken": token, **fields},
                       HTTP_ACCEPT="application/json")


def test_reconcile_asks_for_a_confirmation_then_queues_both_reconciliations(
        staff_user, closing_month, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    period = closing_month.period
    assert client.post(month_url(period, "run/"), {"action": "reconcile", "confirmed": "on"}).status_code == 403

    page = client.get(month_url(period))
    token = client.cookies["csrftoken"].value
    unconfirmed = client.post(month_url(period, "run/"), {"action": "reconcile", "csrfmiddlewaretoken": token})
    assert unconfirmed.status_code == 200 and b"Reconcile " in unconfirmed.content
    assert b'name="confirmed" value="on"' in unconfirmed.content and not ArrowSyncRun.objects.filter(
        triggered_by=SyncRunTrigger.USER).exists()
    assert page.context["run_form"]["settings"].value() == str(closing_month.settings.uuid)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = client.post(month_url(period, "run/"), {"action": "reconcile", "confirmed": "on",
                                                         "csrfmiddlewaretoken": token}, HTTP_ACCEPT="application/json")
    assert queued.status_code == 202
    answer = queued.json()
    runs = [ArrowSyncRun.objects.get(uuid=run["uuid"]) for run in answer["runs"]]
    assert [run.kind for run in runs] == [SyncRunKind.RECONCILIATION, SyncRunKind.CONSUMPTION_RECONCILIATION]
    assert all((run.state, run.triggered_by, run.triggered_by_user, run.period) == (
        SyncRunState.QUEUED, SyncRunTrigger.USER, staff_user, period.first_day) for run in runs)
    assert answer["runs"][0]["api_url"] == f"/api/admin/arrow/sync-runs/{runs[0].uuid}/"
    assert len(callbacks) == 2

    for callback in callbacks:  # the transaction commits: the tasks are sent (and, eager, run)
        callback()
    assert {run.state for run in ArrowSyncRun.objects.filter(uuid__in=[run.uuid for run in runs])} == {
        SyncRunState.SUCCEEDED}
    followed = client.get(answer["runs"][1]["api_url"])  # the runs API, with the dashboard's session
    assert followed.status_code == 200 and followed.json()["state"] == "succeeded"
    raised = next(line for line in month_close_line_stream(period) if line.license_reference == RAISED_LICENSE)
    assert raised.variance_class == "matched" and raised.compensated > 0


def test_a_plain_form_post_is_sent_back_to_the_month(staff_session, closing_month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = staff_session.post(month_url(closing_month.period, "run/"),
                                      {"action": "import_billing", "confirmed": "on"})
    assert response.status_code == 303
    assert response["Location"] == f"/dashboard/months/{closing_month.period}/#month-runs"
    run = ArrowSyncRun.objects.get(triggered_by=SyncRunTrigger.USER)
    assert (run.kind, run.state) == (SyncRunKind.BILLING, SyncRunState.QUEUED)
    month = staff_session.get(month_url(closing_month.period))
    assert f'data-run-api="/api/admin/arrow/sync-runs/{run.uuid}/" data-run-state="queued"' in month.content.decode()


@pytest.mark.parametrize("fields, field", [
    ({"action": "delete_everything", "confirmed": "on"}, "action"),
    ({"action": "reconcile", "confirmed": "on", "settings": "00000000-0000-0000-0000-000000000000"}, "settings"),
    ({"confirmed": "on"}, "action"),
])
def test_a_bad_action_is_a_400_naming_the_field_and_queues_nothing(staff_session, closing_month, fields, field):
    response = staff_session.post(month_url(closing_month.period, "run/"), fields, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and field in response.json()
    assert not ArrowSyncRun.objects.filter(triggered_by=SyncRunTrigger.USER).exists()


def test_a_month_that_has_not_begun_offers_no_buttons_and_refuses_them(staff_session, closing_month):
    later = current_period().next()
    page = staff_session.get(month_url(later))
    assert page.context["run_form"] is None and b"has not begun" in page.content
    response = staff_session.post(month_url(later, "run/"), {"action": "import_billing", "confirmed": "on"},
                                  HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "month" in response.json()
    assert not ArrowSyncRun.objects.filter(triggered_by=SyncRunTrigger.USER).exists()


@pytest.mark.django_db(transaction=True)  # requests commit as in production: the task is sent at once
def test_with_the_broker_down_nothing_is_queued(staff_session, billing_settings, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(billing_tasks.billing_sync_period, "apply_async", broker_down)
    response = staff_session.post(month_url(current_period(), "run/"), {"action": "import_billing",
                                                                         "confirmed": "on"},
                                  HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and "nothing was scheduled" in response.json()["detail"]
    assert not ArrowSyncRun.objects.filter(triggered_by=SyncRunTrigger.USER).exists()


def test_the_month_pages_are_for_staff_only(plain_user, closing_month):
    period = closing_month.period
    urls = [month_url(period), month_url(period, f"customer/?arrow_customer={BALTIC}"), "/dashboard/months/"]
    for url in urls:
        assert Client().get(url).status_code == 302
    client = Client()
    client.force_login(plain_user)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(month_url(period, "run/"), {"action": "reconcile", "confirmed": "on"}).status_code == 403
    assert Client().post(month_url(period, "run/"), {"action": "reconcile"}).status_code == 302
    assert not ArrowSyncRun.objects.filter(triggered_by=SyncRunTrigger.USER).exists()


def test_run_accepts_post_only(staff_session, closing_month):
    assert staff_session.get(month_url(closing_month.period, "run/")).status_code == 405
    assert staff_session.post(month_url(closing_month.period)).status_code == 405


@pytest.mark.skipif(connection.vendor != "postgresql", reason="figures are kept under PostgreSQL's snapshot only")
@pytest.mark.django_db(transaction=True)  # commits as in production: the snapshot moves with them
def test_the_figures_are_kept_while_nothing_is_committed(billing_settings, mapped):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period, today=early_in_current_month())
    cache.clear()
    first = month_summary(period)

    def kept() -> bool:
        with CaptureQueriesContext(connection) as queries:
            again = month_summary(period)
        return len(queries) == 1 and again.rows == first.rows  # the state token only

    # (A background ANALYZE of the server commits too, which only means computing once more.)
    assert any(kept() for _ in range(5))
    unmapped = first.unmapped[0].arrow_customer_reference
    ArrowCustomerMapping.objects.create(settings=billing_settings, arrow_reference=unmapped,
                                        waldur_customer=mapped[NORDIC].waldur_customer)
    assert unmapped not in {entry.arrow_customer_reference for entry in month_summary(period).unmapped}
