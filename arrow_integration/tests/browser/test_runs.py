"""The runs list and a run's page in a real browser, for a run made by a real billing import."""

from __future__ import annotations

import pytest

from arrow_integration.tests.browser.pages import axe_violations, horizontal_overflow


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_runs_list_filters_and_links_to_the_run(open_page, browser_log, live_server, imported_month, viewport):
    period, run = imported_month
    page = open_page(viewport)
    page.goto("/dashboard/runs/")
    table = page.get_by_role("region", name="Table: Runs, newest first")
    assert str(period) in table.inner_text()
    assert table.locator("progress").count() >= 1
    assert axe_violations(page) == []
    assert horizontal_overflow(page) <= 0

    page.get_by_label("Kind").select_option("billing")
    page.get_by_label("State").select_option("succeeded")
    page.get_by_label("Month").fill(str(period))
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/dashboard/runs/?kind=billing*")
    assert page.locator(".result-count").inner_text() == "1 run."

    page.get_by_label("Month").fill("2025-13")
    page.get_by_role("button", name="Filter").click()
    assert "Month: Enter a month as YYYY-MM" in page.get_by_role("alert").inner_text()
    # The page answers 400, which Chromium reports on the console; nothing else may be there.
    assert [error.split(" (http")[0] for error in browser_log.console_errors] == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    browser_log.console_errors.clear()
    page.goto(f"/dashboard/runs/?kind=billing&period={period}")
    page.get_by_role("link", name="Billing", exact=True).click()
    page.wait_for_url(f"**/dashboard/runs/{run.uuid}/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Billing run of {period}"
    assert browser_log.console_errors == []
    assert browser_log.foreign_requests(live_server.url) == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_run_page_shows_the_outcome_as_tables(open_page, browser_log, live_server, imported_month, viewport):
    _period, run = imported_month
    page = open_page(viewport)
    page.goto(f"/dashboard/runs/{run.uuid}/")

    counts = page.get_by_role("region", name="Counts")
    charged = counts.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Lines charged", exact=True))
    assert charged.get_by_role("cell").inner_text() == str(run.outcome["items_created"])
    assert run.outcome["items_created"] > 0
    unmapped = page.get_by_role("region", name="Customers with Arrow charges but no mapping")
    headers = unmapped.get_by_role("columnheader").all_inner_texts()
    assert headers == ["Arrow customer", "Lines"]
    rows = unmapped.locator("tbody tr").all_inner_texts()
    assert [row.split("\t") for row in rows] == [
        [customer, str(lines)] for customer, lines in run.outcome["unmapped_customers"].items()
    ]
    text = page.locator("main").inner_text()
    assert '{"' not in text and "': " not in text, "the outcome must not be shown as raw JSON"
    assert page.get_by_role("link", name="Run in the Django admin").get_attribute("href") == (
        f"/admin/arrow_integration/arrowsyncrun/{run.pk}/change/"
    )

    assert axe_violations(page) == []
    assert horizontal_overflow(page) <= 0
    assert browser_log.console_errors == []
    assert browser_log.foreign_requests(live_server.url) == []
