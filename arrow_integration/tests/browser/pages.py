"""Helpers of the browser tests: logging in, what the browser logged, axe-core, chart contents.

Shared by the browser tests and the screenshot tool; each talks to the page only through
Playwright's public API and the page's own JavaScript (Chart.js's `Chart.getChart`, axe-core).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# axe-core impacts that fail a page.
BLOCKING_IMPACTS = ("serious", "critical")
# Schemes of URLs that never leave the browser.
LOCAL_SCHEMES = ("data", "blob", "about")


@dataclass
class BrowserLog:
    """Console errors, uncaught page errors and requested URLs of every page of a context."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("page", self._attach_page)

    def _attach_page(self, page) -> None:
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(
            f"{message.text} ({message.location.get('url', '')})"))
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))

    def foreign_requests(self, base_url: str) -> list[str]:
        """Requested URLs that are not on ``base_url``'s scheme, host and port."""
        own = urlsplit(base_url)
        return [
            url for url in self.requests
            if urlsplit(url).scheme not in LOCAL_SCHEMES
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]


def login(page, username: str, password: str) -> None:
    """Log in through the dashboard's login form and wait for the overview."""
    page.goto("/dashboard/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page, injected from node_modules/.

    The script is read from the local file and inlined (no request leaves the page).
    """
    page.add_script_tag(path=str(AXE_PATH))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": violation["id"], "impact": violation["impact"], "help": violation["help"],
         "targets": [node["target"] for node in violation["nodes"]][:5]}
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


CHART_STATE_SCRIPT = """
(canvasId) => {
  const canvas = document.getElementById(canvasId);
  const chart = Chart.getChart(canvas);
  if (!chart) { return null; }
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) { painted += 1; } }
  return {
    labels: chart.data.labels,
    datasets: chart.data.datasets.map((dataset) => ({label: dataset.label, data: dataset.data})),
    // The bars Chart.js actually laid out (their heights in pixels), per dataset.
    barHeights: chart.data.datasets.map((_, index) =>
      chart.getDatasetMeta(index).data.map((bar) => Math.abs(bar.base - bar.y))),
    paintedPixels: painted,
    width: canvas.width,
    height: canvas.height,
  };
}
"""


def chart_state(page, canvas_id: str) -> dict | None:
    """The chart on canvas ``canvas_id``: its labels and data as Chart.js holds them, the heights
    of the bars it drew, and how many canvas pixels are painted. None when no chart is there."""
    return page.evaluate(CHART_STATE_SCRIPT, canvas_id)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: nothing to scroll sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


class HeldTasks:
    """Celery tasks sent by the page, held rather than handed to a broker, until `run_all`
    executes them in the test's thread as a worker would (`Task.apply`, with the same arguments)."""

    def __init__(self) -> None:
        self.held: list[tuple] = []

    def holder(self, task):
        def apply_async(args=(), kwargs=None, **_options):
            self.held.append((task, tuple(args), dict(kwargs or {})))

        return apply_async

    def run_all(self) -> int:
        """Run every held task, in the order sent; how many ran."""
        count = 0
        while self.held:
            task, args, kwargs = self.held.pop(0)
            task.apply(args=args, kwargs=kwargs)
            count += 1
        return count


class RunPollGate:
    """Holds the page's requests to the runs API (`sync-runs/{uuid}/`) while it is closed.

    With the in-memory SQLite test database the live server shares the test's connection, so
    the test must not work the database while the server answers a poll. `close` waits until
    each of ``followers`` (the runs the page follows, each polling one request at a time) has a
    request held: none is then being served. `open` lets them through.
    """

    PATTERN = "**/api/admin/arrow/sync-runs/*/"
    WAIT_STEP_MS = 50
    WAIT_LIMIT_MS = 15_000

    def __init__(self, page) -> None:
        self.page = page
        self.closed = False
        self.held: list = []
        page.route(self.PATTERN, self._handle)

    def _handle(self, route) -> None:
        if self.closed:
            self.held.append(route)
        else:
            route.continue_()

    def close(self, *, followers: int) -> None:
        self.closed = True
        waited = 0
        while len(self.held) < followers:
            if waited > self.WAIT_LIMIT_MS:
                raise AssertionError(f"the page polled {len(self.held)} of {followers} runs")
            self.page.wait_for_timeout(self.WAIT_STEP_MS)
            waited += self.WAIT_STEP_MS

    def open(self) -> None:
        self.closed = False
        for route in self.held:
            route.continue_()
        self.held.clear()
