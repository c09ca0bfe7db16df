"""Benchmark: consumption sync of 5 000 linked licenses against an Arrow answering in 50 ms a call.

Run on its own with ``python -m bench.consumption_sync [--quick] [--database-url URL]``. The
emulator gets ``licenses`` scaled licenses, each linked to an OK resource of a mapped customer,
and a fault that only delays every consumption call by 50 ms (``inject_fault`` with latency,
probability 1, no status). Measured:

1. `consumption_sync_period` of the current month with its bounded concurrency
   (ARROW_CONSUMPTION_CONCURRENCY): seconds for all licenses, and licenses per second;
2. BASELINE: the same services run one license at a time (fetch, then apply), on a subset of the
   licenses for the previous month, extrapolated to all of them (the output says so).
"""

from __future__ import annotations

import argparse
import datetime as dt

from bench.harness import Report, benchmark_run, common_arguments, database_vendor, say, stopwatch

NAME = "consumption_sync"
FULL_LICENSES = 5_000
QUICK_LICENSES = 500
BASELINE_LICENSES = 100
QUICK_BASELINE_LICENSES = 40
LATENCY_SECONDS = 0.05
CONSUMPTION_ENDPOINT = "consumption/monthly/license"
TARGET_SECONDS = 30.0


def sequential_sync(*, settings, resources, period) -> int:
    """BASELINE ONLY: fetch and write one license after the other (no concurrency); licenses done."""
    from arrow_integration.clients import arrow_client_for
    from arrow_integration.services.consumption.apply import consumption_apply
    from arrow_integration.services.consumption.sync import license_consumption_fetch

    with arrow_client_for(settings) as client:
        for resource in resources:
            consumption_apply(settings=settings, batch=license_consumption_fetch(client, resource, period))
    return len(resources)


def run(report: Report, *, licenses: int, baseline_licenses: int) -> None:
    from arrow_client import Period
    from arrow_emulator.seeds import LICENSES as DEMO_LICENSES
    from arrow_emulator.testing import EmulatorProcess
    from arrow_integration.models import ArrowConsumptionRecord
    from arrow_integration.services.consumption.sync import consumption_concurrency, consumption_sync_period
    from bench.world import resources_link_scaled, world_create

    vendor = database_vendor()
    today = dt.date.today()
    period = Period.from_date(today)
    concurrency = consumption_concurrency()
    say(f"consumption sync: {licenses:,} licenses, {LATENCY_SECONDS * 1000:.0f} ms a call, "
        f"concurrency {concurrency}, on {vendor}")
    # The emulator lists its demo licenses first; scaled ones (XSP9…) come on top of them.
    with EmulatorProcess(seed="demo", scale_licenses=licenses + len(DEMO_LICENSES), today=today) as emulator:
        world = world_create(emulator)
        resources = resources_link_scaled(world, licenses)
        emulator.control.inject_fault(CONSUMPTION_ENDPOINT, latency=LATENCY_SECONDS, probability=1.0)

        with stopwatch() as timing:
            sync_run = consumption_sync_period(settings=world.settings, period=period)
        outcome = sync_run.outcome
        if outcome["failed"] or outcome["records_created"] != licenses:
            raise RuntimeError(f"consumption sync incomplete: {outcome}")
        seconds = timing["seconds"]
        report.add(f"sync of {licenses:,} licenses ({vendor})", seconds, "s", target=f"≤ {TARGET_SECONDS:.0f}",
                   met=seconds <= TARGET_SECONDS,
                   note=f"{licenses / seconds:,.0f} licenses/s at concurrency {concurrency}")

        subset = resources[:baseline_licenses]
        previous = period.previous()
        with stopwatch() as timing:
            done = sequential_sync(settings=world.settings, resources=subset, period=previous)
        if ArrowConsumptionRecord.objects.filter(billing_period=previous.first_day).count() != done:
            raise RuntimeError("baseline sync incomplete")
        extrapolated = timing["seconds"] / done * licenses
        report.add(f"BASELINE sequential sync ({vendor})", extrapolated, "s",
                   note=f"{done} licenses measured in {timing['seconds']:.1f} s, extrapolated to {licenses:,}")
        report.add(f"speed-up vs sequential ({vendor})", extrapolated / seconds, "x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.consumption_sync", description=__doc__.splitlines()[0])
    common_arguments(parser)
    parser.add_argument("--licenses", type=int, help="linked licenses (default 5 000; quick 500)")
    args = parser.parse_args(argv)
    licenses = args.licenses or (QUICK_LICENSES if args.quick else FULL_LICENSES)
    baseline = min(licenses, QUICK_BASELINE_LICENSES if args.quick else BASELINE_LICENSES)
    return benchmark_run(NAME, args, run, licenses=licenses, baseline_licenses=baseline)


if __name__ == "__main__":
    raise SystemExit(main())
