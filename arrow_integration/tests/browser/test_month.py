"""The month pages in a real browser: the demo's closed month with its variance classes and a chart
that drew them, the drill-down, the downloads a staff session fetches, and reconcile triggered
from the page, followed live until it has succeeded and its compensation shows in the drill-down."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from arrow_integration.selectors.month_close import month_close_line_stream
from arrow_integration.services.configuration.demo_month import PRICE_RAISE, REPRICED_LICENSE
from arrow_integration.tests.browser.pages import RunPollGate, axe_violations, chart_state, horizontal_overflow
from arrow_integration.tests.month_close_support import NORDIC, QUANTUM, RAISED_LICENSE

# What the demo's closed month holds (`demo_month_close_seed`).
DEMO_CLASSES = {"Matched", "Excluded", "Unmapped"}
LIVE_RUN_TIMEOUT_MS = 15_000


def _class_rows(page) -> dict[str, list[str]]:
    table = page.get_by_role("region", name="Lines and amounts per variance class")
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = [row.locator("th").inner_text(), *row.locator("td").all_inner_texts()]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_demo_month_shows_its_variance_classes_and_draws_them(open_page, browser_log, live_server,
                                                                  demo_closed_month, viewport):
    period = demo_closed_month
    lines = list(month_close_line_stream(period))
    page = open_page(viewport)
    page.get_by_role("link", name="Month", exact=True).click()
    page.wait_for_url(f"**/dashboard/months/{period.next()}/")  # the month being closed: the previous one
    page.goto(f"/dashboard/months/{period}/")

    assert page.get_by_role("heading", level=1).inner_text().startswith(f"Month {period}")
    classes = _class_rows(page)
    shown = {name for name, cells in classes.items() if cells[0] != "0"}
    assert shown == DEMO_CLASSES == {line.variance_class.capitalize() for line in lines}
    for name in shown:
        assert classes[name][0] == str(sum(1 for line in lines if line.variance_class.capitalize() == name))
    state = chart_state(page, page.locator("canvas[data-chart-data]").first.get_attribute("id"))
    assert state is not None, "Chart.js drew no chart on the canvas"
    index = state["labels"].index("Unmapped")
    difference, counts = state["datasets"]
    assert counts["data"][index] == sum(1 for line in lines if line.variance_class == "unmapped") > 0
    assert float(difference["data"][index]) > 0  # unmapped lines: Arrow's amount, nothing invoiced
    assert state["barHeights"][1][index] > 1 and state["paintedPixels"] > 0

    customers = page.get_by_role("region", name="Table: Customers of the month")
    assert NORDIC in customers.inner_text() and QUANTUM in customers.inner_text()
    assert axe_violations(page) == []
    assert horizontal_overflow(page) <= 0

    customers.get_by_role("link", name=NORDIC).click()
    page.wait_for_url(f"**/dashboard/months/{period}/customer/?*")
    # The demo's repriced line reads matched, its compensation named: its license is unfolded.
    repriced = page.locator("details.license").filter(has_text=REPRICED_LICENSE)
    expect(repriced).to_have_attribute("open", "")
    assert "Compensation" in repriced.inner_text() and f"€{PRICE_RAISE:,.2f}" in repriced.inner_text()
    assert axe_violations(page) == []
    assert horizontal_overflow(page) <= 0
    assert browser_log.console_errors == []
    assert browser_log.foreign_requests(live_server.url) == []


def test_the_month_downloads_come_with_the_session(open_page, browser_log, live_server, demo_closed_month):
    page = open_page()
    page.goto(f"/dashboard/months/{demo_closed_month}/")
    downloads = page.locator("#downloads")
    for title, first_column in [("Month-close report", "period"), ("Month-close lines", "period"),
                                ("FOCUS export", "AvailabilityZone")]:
        with page.expect_download() as info:
            downloads.get_by_role("link", name=title).click()
        path = info.value.path()
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert first_column in header, (title, header)
    assert browser_log.console_errors == []
    assert browser_log.foreign_requests(live_server.url) == []


def test_reconcile_from_the_page_is_followed_until_it_succeeded(open_page, browser_log, live_server,
                                                                month_to_reconcile, held_tasks):
    period = month_to_reconcile
    raised = next(line for line in month_close_line_stream(period) if line.license_reference == RAISED_LICENSE)
    assert raised.variance_class == "undercharged" and raised.compensations == ()
    page = open_page()
    page.goto(f"/dashboard/months/{period}/")
    gate = RunPollGate(page)

    page.get_by_role("button", name="Reconcile").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert str(period) in dialog.inner_text() and "compensation" in dialog.inner_text()
    assert axe_violations(page) == []
    dialog.get_by_role("button", name="Queue it").click()

    live = page.locator("[data-live-runs] .live-run")
    expect(live).to_have_count(2)  # the statement and the consumption reconciliation
    expect(live.locator(".state")).to_have_text(["Queued", "Queued"])
    expect(live.first).to_contain_text("waiting for a worker")

    gate.close(followers=2)  # no poll in flight while the "worker" writes the database
    assert held_tasks.run_all() == 2
    gate.open()
    expect(live.locator(".state")).to_have_text(["Succeeded", "Succeeded"], timeout=LIVE_RUN_TIMEOUT_MS)
    bars = live.locator("progress").evaluate_all("bars => bars.map(bar => [bar.value, bar.max])")
    assert bars and all(value == maximum > 0 for value, maximum in bars)  # runs with a known total: all done
    assert "compensation" in live.nth(1).inner_text().lower()  # the run's summary, in words

    page.get_by_role("link", name="Reload the month to see its new figures").first.click()
    page.wait_for_load_state()
    page.get_by_role("region", name="Table: Customers of the month").get_by_role("link", name=NORDIC).click()
    page.wait_for_url(f"**/dashboard/months/{period}/customer/?*")
    compensated = next(line for line in month_close_line_stream(period) if line.license_reference == RAISED_LICENSE)
    assert compensated.variance_class == "matched" and len(compensated.compensations) == 1
    license_section = page.locator("details.license").filter(has_text=RAISED_LICENSE)
    expect(license_section).to_have_attribute("open", "")  # corrected by a compensation: unfolded
    charges = license_section.locator("ul.charges").inner_text()
    amount = f"€{compensated.compensations[0].amount:,.2f}"
    assert f"Compensation\n{amount}" in charges or f"Compensation {amount}" in charges
    assert browser_log.console_errors == []
    assert browser_log.foreign_requests(live_server.url) == []
