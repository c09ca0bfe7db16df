"""Benchmark: list endpoints at 100 000 records — p50 latency and SQL queries per page size.

Run on its own with ``python -m bench.api [--quick] [--database-url URL]``. Set-up (not
measured): a ``records``-line billing month imported from the emulator (as many billing sync
items and invoice items), and as many linked resources with a consumption record and provisional
item each. Then every list endpoint of /api/admin/arrow/ and of the core objects is requested
with ``page_size`` 10, 100 and 300 through Django's test client with a staff token (the whole
stack but the socket): median latency of a few requests, and the queries of one request.
The query count must be the same for every page size (also asserted by
``arrow_integration/tests/test_perf_query_counts.py``).

Targets (issue 18, target 4): ``billing-syncs`` (each sync embeds its items) p50 ≤ 500 ms at
``page_size`` 10, and its memory bounded at any page size: one request at ``page_size`` 1000,
its response size and the peak of the Python memory allocated while it is served (read here as
bounded when it stays under `TARGET_BILLING_SYNCS_PEAK_MB`); every other list p50 ≤ 100 ms at
``page_size`` 100 on PostgreSQL. The month-close figures (target 5) follow on the same data
(`bench.month_close`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from bench import month_close
from bench.harness import (
    MEGABYTE,
    Report,
    benchmark_run,
    common_arguments,
    database_vendor,
    say,
)

NAME = "api"
FULL_RECORDS = 100_000
QUICK_RECORDS = 10_000
PAGE_SIZES = (10, 100, 300)
BILLING_SYNCS = "/api/admin/arrow/billing-syncs/"
TARGET_BILLING_SYNCS_MS = 500  # at page_size 10
TARGET_LIST_MS = 100  # every other list at page_size 100, on PostgreSQL
TARGET_PAGE_SIZE = 100
MEMORY_PAGE_SIZE = 1000
# "Bounded at any page size": one billing-syncs request at page_size 1000 may allocate at most this
# much Python memory at its peak, whatever the number of items the syncs hold.
TARGET_BILLING_SYNCS_PEAK_MB = 100
SAMPLES = 5
# An endpoint slower than this (seconds) is timed by its first request only.
SLOW_REQUEST_SECONDS = 3.0
SLOW_SAMPLES = 1
ENDPOINTS = (
    "/api/admin/arrow/settings/",
    "/api/admin/arrow/customer-mappings/",
    "/api/admin/arrow/vendor-offering-mappings/",
    "/api/admin/arrow/billing-syncs/",
    "/api/admin/arrow/billing-sync-items/",
    "/api/admin/arrow/consumption-records/",
    "/api/customers/",
    "/api/projects/",
    "/api/marketplace-provider-offerings/",
    "/api/marketplace-plans/",
    "/api/marketplace-resources/",
    "/api/invoices/",
    "/api/invoice-items/",
)


def data_create(emulator, *, records: int, today: dt.date):
    """The imported billing month and the consumption records (see the module docstring)."""
    from arrow_client import Period
    from arrow_emulator.generator import DataModel
    from arrow_emulator.seeds import LICENSES as DEMO_LICENSES
    from arrow_emulator.seeds import catalogue_for
    from arrow_emulator.state import DEFAULT_VALIDATION_DELAY_DAYS
    from arrow_integration.models import ArrowVendorOfferingMapping
    from arrow_integration.services.billing.import_period import billing_sync_import_period
    from bench.reconcile import MONTHS_BACK, records_create
    from bench.world import resources_link_scaled, world_create

    world = world_create(emulator)
    current = Period.from_date(today)
    outcome = billing_sync_import_period(settings=world.settings, period=current.previous(), today=today).outcome
    if outcome["items_created"] != outcome["lines"] or outcome["items_created"] < records:
        raise RuntimeError(f"set-up import incomplete: {outcome}")
    resources = resources_link_scaled(world, records)
    model = DataModel(catalogue_for("demo"), "demo", today, DEFAULT_VALIDATION_DELAY_DAYS,
                      records + len(DEMO_LICENSES))
    records_create(world, model=model, period=current.shift(-MONTHS_BACK), resources=resources)
    for vendor in ("Microsoft", "Amazon Web Services"):
        ArrowVendorOfferingMapping.objects.create(settings=world.settings, arrow_vendor_name=vendor,
                                                  offering=world.offering)
    return world


def staff_client():
    """A test client with a staff user's token, and that user (the dashboard logs it in)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.create_user("bench-staff", is_staff=True)
    token = Token.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}"), user


def memory_of_one_request(client, path: str, page_size: int) -> tuple[float, float, float]:
    """(seconds, response MB, peak MB of Python memory) of one GET of ``path`` at ``page_size``.

    The peak is tracemalloc's (every Python allocation made while the request is served, the
    response included): the process's resident size would hide it behind what earlier
    requests left to the allocator. Tracing slows the request down; its time is printed only.
    """
    import tracemalloc

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        response = client.get(path, {"page_size": page_size})
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status_code}: {response.content[:200]!r}")
    return seconds, len(response.content) / MEGABYTE, peak / MEGABYTE


def measure(client, path: str, page_size: int) -> tuple[float, int, int]:
    """(p50 seconds, queries, rows) of GET ``path`` with ``page_size``."""
    from django.db import connection

    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    params = {"page_size": page_size}
    # A wrapper rather than CaptureQueriesContext: each request resets the connection's query log.
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        response = client.get(path, params)
        first = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status_code}: {response.content[:200]!r}")
    rows = len(response.json())
    timings = [first] if first > SLOW_REQUEST_SECONDS else []
    while len(timings) < (SLOW_SAMPLES if first > SLOW_REQUEST_SECONDS else SAMPLES):
        started = time.perf_counter()
        client.get(path, params)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), len(executed), rows


def run(report: Report, *, records: int) -> None:
    from arrow_client import Period
    from arrow_emulator.seeds import LICENSES as DEMO_LICENSES
    from arrow_emulator.testing import EmulatorProcess

    vendor = database_vendor()
    today = dt.date.today()
    say(f"api: list endpoints with {records:,} billing sync items, consumption records and resources "
        f"({2 * records:,} invoice items) on {vendor}")
    with EmulatorProcess(seed="demo", scale_lines=records, scale_licenses=records + len(DEMO_LICENSES),
                         today=today) as emulator:
        data_create(emulator, records=records, today=today)
    client, user = staff_client()
    say(f"  {'endpoint':45} {'page_size':>9} {'rows':>5} {'p50 ms':>9} {'queries':>7}")
    growing = []
    for path in ENDPOINTS:
        counts, p50 = set(), {}
        for page_size in PAGE_SIZES:
            seconds, queries, rows = measure(client, path, page_size)
            counts.add(queries)
            p50[page_size] = seconds * 1000
            say(f"  {path:45} {page_size:>9} {rows:>5} {seconds * 1000:>9.1f} {queries:>7}")
        if len(counts) > 1:
            growing.append(path)
        note = f"{queries} queries at every page size" if len(counts) == 1 else "queries vary"
        if path == BILLING_SYNCS:
            report.add(f"{path} p50 at page_size {PAGE_SIZES[0]} ({vendor})", p50[PAGE_SIZES[0]], "ms",
                       target=f"≤ {TARGET_BILLING_SYNCS_MS}", met=p50[PAGE_SIZES[0]] <= TARGET_BILLING_SYNCS_MS,
                       note=note)
            continue
        on_postgresql = vendor == "postgresql"
        report.add(f"{path} p50 at page_size {TARGET_PAGE_SIZE} ({vendor})", p50[TARGET_PAGE_SIZE], "ms",
                   target=f"≤ {TARGET_LIST_MS}" if on_postgresql else "",
                   met=p50[TARGET_PAGE_SIZE] <= TARGET_LIST_MS if on_postgresql else None,
                   note=f"{note}; page_size {PAGE_SIZES[-1]}: {p50[PAGE_SIZES[-1]]:.0f} ms")
    report.add(f"list endpoints whose query count grows with page size ({vendor})", len(growing), "endpoints",
               target="0", met=not growing, note=", ".join(growing))

    seconds, megabytes, peak = memory_of_one_request(client, BILLING_SYNCS, MEMORY_PAGE_SIZE)
    report.add(f"{BILLING_SYNCS} memory at page_size {MEMORY_PAGE_SIZE} ({vendor})", peak, "MB Python peak",
               target=f"≤ {TARGET_BILLING_SYNCS_PEAK_MB}", met=peak <= TARGET_BILLING_SYNCS_PEAK_MB,
               note=f"one request (traced: {seconds:.1f} s), response {megabytes:,.1f} MB, {records:,} items in "
                    "the syncs")

    period = Period.from_date(today).previous()
    month_close.run(report, vendor=vendor, token_client=client, user=user, period=str(period))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.splitlines()[0])
    common_arguments(parser)
    parser.add_argument("--records", type=int, help="records per large list (default 100 000; quick 10 000)")
    args = parser.parse_args(argv)
    records = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)
    return benchmark_run(NAME, args, run, records=records)


if __name__ == "__main__":
    raise SystemExit(main())
