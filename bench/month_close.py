"""Month-close figures (issue 18, target 5): the month report and the dashboard at 100 000 lines.

Called by `bench.api` once its data is in place (a 100 000-line billing month imported, as many
consumption records), with its staff user. Each target is a `Slot`: a path to request, or
``None`` while the endpoint does not exist yet; such a slot prints "not measured (endpoint
missing)" with its target. To measure one once its endpoint lands, give its slot the path
(``{period}`` is replaced by the imported month, ``YYYY-MM``). Dashboard pages are requested
with a session login (the dashboard's own authentication), API paths with the staff token.

The dashboard keeps the month-close figures it computed while nothing is committed to the
database (`arrow_integration.dashboard.figures`; PostgreSQL only): its p50 is that of a page
whose figures are kept, as an operator reading the month sees it; the first request, which
computes them, is printed beside it (no target).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from bench.harness import Report

SAMPLES = 5
MISSING = "endpoint missing"


@dataclass(frozen=True)
class Slot:
    name: str
    path: str | None  # None: the endpoint does not exist yet
    target_ms: float
    postgresql_only: bool = False  # the issue sets the target on PostgreSQL only
    session: bool = False  # a dashboard page (session login) rather than an API call

    def target_applies(self, vendor: str) -> bool:
        return vendor == "postgresql" or not self.postgresql_only


SLOTS = (
    # The month report and its lines: the imported month, read whole (every row is computed from
    # every line of the month), at the default page size.
    Slot("month report", "/api/admin/arrow/month-close/?period={period}", 1000, postgresql_only=True),
    Slot("month report lines", "/api/admin/arrow/month-close-lines/?period={period}", 1000, postgresql_only=True),
    # The dashboard's month page and its overview (twelve months, the imported one among them).
    Slot("dashboard month page", "/dashboard/months/{period}/", 300, postgresql_only=True, session=True),
    Slot("dashboard overview", "/dashboard/", 300, postgresql_only=True, session=True),
)


def p50_seconds(client, path: str) -> tuple[float, float]:
    """Median seconds of ``SAMPLES`` GETs of ``path``, and the seconds of the first GET before them
    (the one that warms caches up)."""
    started = time.perf_counter()
    response = client.get(path)
    first = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status_code}: {response.content[:200]!r}")
    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        client.get(path)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), first


def run(report: Report, *, vendor: str, token_client, user, period: str) -> None:
    """Measure every slot that has a path; print the others as not measured."""
    from django.test import Client

    session_client = Client()
    session_client.force_login(user)
    for slot in SLOTS:
        name = f"{slot.name} p50 ({vendor})"
        target = f"≤ {slot.target_ms:,.0f}" if slot.target_applies(vendor) else ""
        if slot.path is None:
            report.not_measured(name, "ms", target=target or f"≤ {slot.target_ms:,.0f} on PostgreSQL",
                                reason=MISSING)
            continue
        client = session_client if slot.session else token_client
        median, first = p50_seconds(client, slot.path.format(period=period))
        report.add(name, median * 1000, "ms", target=target, met=median * 1000 <= slot.target_ms if target else None,
                   note=f"first request {first * 1000:,.0f} ms" if slot.session else "")
