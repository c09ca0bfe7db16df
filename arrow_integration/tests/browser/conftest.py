"""Fixtures of the browser tests: a real headless Chromium driven by Playwright against the live
test server (pytest-django's ``live_server``) and the Arrow emulator.

- ``browser``: Debian's Chromium (``/usr/bin/chromium``, or ``WALDUR_ARROW_CHROMIUM``), launched
  by Playwright by its path (Playwright's own browser download is not used). Playwright gives
  each launch a fresh, empty profile directory. Without Chromium the tests are skipped, except
  under CI (``CI`` set), where that is a failure: ``.ci/run`` installs it.
- ``browser_log``: everything the page says on its console as an error, its uncaught
  exceptions, and the URL of every request the browser context makes.
- ``open_page``: a new page at a viewport ("desktop" 1280 px or "phone" 375 px), logged
  in as a staff user or not.
- ``demo_arrow``, ``demo_closed_month``, ``month_to_reconcile``: the demo's data, its closed
  month, and a month with a difference left for reconciliation; ``held_tasks``: the month
  page's tasks held in place of the broker until the test runs them.

Playwright's sync API keeps an asyncio loop running in the test thread while the browser is
open, and Django refuses ORM calls from such a thread ("async unsafe"). The tests here call the
ORM between browser steps (fixtures, assertions) in the same thread, never concurrently with
the loop, so ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while the browser runs (this package's tests
only) and restored afterwards. The live server answers in its own thread; with the in-memory
SQLite test database Django shares the test's connection with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from arrow_integration.tests.browser.pages import BrowserLog, HeldTasks, login

CHROMIUM_PATH = Path(os.environ.get("WALDUR_ARROW_CHROMIUM", "/usr/bin/chromium"))
# As root in a closed network: no sandbox, no GPU, and none of Chromium's own background
# connections (they would be refused, and are not the page's requests anyway).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
STAFF_USERNAME = "dashboard-staff"
STAFF_PASSWORD = "a-staff-password-for-the-browser"  # a test account of the test database


def pytest_addoption(parser):
    parser.addoption("--dashboard-screenshots", metavar="DIR", default=None,
                     help="Run the screenshot test and write the dashboard screenshots into DIR.")


@pytest.fixture(scope="package")
def browser() -> Iterator:
    if not CHROMIUM_PATH.exists():
        message = f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS,
                                                  headless=True)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def dashboard_staff(django_user_model):
    return django_user_model.objects.create_user(STAFF_USERNAME, password=STAFF_PASSWORD, is_staff=True)


@pytest.fixture
def open_page(browser, live_server, browser_log, dashboard_staff) -> Iterator[Callable]:
    """``open_page(viewport="desktop", logged_in=True)`` → a Playwright page on the live server.

    Every page's console errors, uncaught exceptions and requests go to ``browser_log``.
    """
    contexts = []

    def open_(viewport: str = "desktop", *, logged_in: bool = True):
        context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=live_server.url)
        contexts.append(context)
        browser_log.attach(context)
        page = context.new_page()
        if logged_in:
            login(page, STAFF_USERNAME, STAFF_PASSWORD)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def imported_month(billing_settings, mapped):
    """The previous month imported from the emulator by a real billing run; (period, run)."""
    from arrow_integration.choices import SyncRunKind
    from arrow_integration.models import ArrowSyncRun
    from arrow_integration.services.billing.import_period import billing_sync_import_period
    from arrow_integration.tests.periods import early_in_current_month, previous_period

    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period, today=early_in_current_month())
    return period, ArrowSyncRun.objects.get(kind=SyncRunKind.BILLING, period=period.first_day)


@pytest.fixture
def demo_arrow(arrow_emulator, live_server) -> dict:
    """The demo's local objects, settings and mappings on the emulator, as `make demo` seeds them."""
    from arrow_integration.services.configuration.demo import demo_seed_with_summary

    return demo_seed_with_summary(base_url=f"{live_server.url}/", arrow_url=arrow_emulator.base_url,
                                  arrow_key=arrow_emulator.api_key)


@pytest.fixture
def demo_closed_month(demo_arrow, arrow_emulator):
    """The demo's closed month as `make demo` leaves it (`demo_month_close_seed`); its Period."""
    from arrow_client.periods import Period
    from arrow_integration.services.configuration.demo_month import demo_month_close_seed

    control_url = arrow_emulator.base_url.replace("index.php/api/", "_emulator/")
    seeded = demo_month_close_seed(settings_uuid=demo_arrow["arrow_settings_uuid"], control_url=control_url)
    return Period.parse(seeded["month_close_period"])


@pytest.fixture
def month_to_reconcile(demo_arrow):
    """The demo's latest validated month, not reconciled yet; its Period. The demo resource is
    linked to license XSP5000101, whose consumption was synced and charged provisionally before
    the statement import: Arrow's final price is 2 % higher, so the line is undercharged until the
    consumption reconciliation compensates it."""
    from django.utils import timezone

    from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
    from arrow_integration.services.billing.import_period import billing_sync_import_period
    from arrow_integration.services.configuration.demo_month import latest_validated_month
    from arrow_integration.services.consumption.sync import consumption_sync_period
    from arrow_integration.services.licenses.links import license_link_resource
    from arrow_integration.tests.month_close_support import NORDIC, RAISED_LICENSE
    from core.models import Resource

    settings = ArrowSettings.objects.get(uuid=demo_arrow["arrow_settings_uuid"])
    mapping = ArrowCustomerMapping.objects.get(settings=settings, arrow_reference=NORDIC)
    resource = Resource.objects.select_related("project").get(uuid=demo_arrow["resource_uuid"])
    license_link_resource(mapping=mapping, resource=resource, license_reference=RAISED_LICENSE)
    period = latest_validated_month(timezone.localdate())
    consumption_sync_period(settings=settings, period=period)
    billing_sync_import_period(settings=settings, period=period)
    return period


@pytest.fixture
def held_tasks(monkeypatch) -> HeldTasks:
    """The broker, standing still: the month's tasks the page queues are held until the test runs
    them, as a worker would take them (so the page can be seen following a queued run)."""
    from arrow_integration.dashboard.month_actions import MONTH_ACTIONS

    held = HeldTasks()
    for action in MONTH_ACTIONS.values():
        for task, _args in action.tasks:
            monkeypatch.setattr(task, "apply_async", held.holder(task))
    return held
