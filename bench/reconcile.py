"""Benchmark: reconciling 100 000 consumption records of a closed month with Arrow's final billing.

Run on its own with ``python -m bench.reconcile [--quick] [--database-url URL]``. Set-up (not
measured): an emulator with ``records`` scaled licenses (one validated export line each in the
month), one linked resource per license, and for each a consumption record with its provisional
invoice item, written in bulk. Every ``CHANGED_EVERY``-th record was invoiced 3 % below Arrow's
final amount, so reconciling it creates a compensation item; the others match exactly.

Measured: `consumption_reconciliation_run_period` of the month (read the export, finalize every
record, compensate the differences): records per second. BASELINE: the same work done the
naive way (per-record ``save()`` and one compensation call per difference, after the same export
read), on a subset of records of another month, extrapolated to all records (the output says so).
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal

from bench.harness import Report, benchmark_run, common_arguments, database_vendor, say, stopwatch

NAME = "reconcile"
FULL_RECORDS = 100_000
QUICK_RECORDS = 10_000
BASELINE_RECORDS = 2_000
QUICK_BASELINE_RECORDS = 500
CHANGED_EVERY = 10
INVOICED_SHARE_OF_CHANGED = Decimal("0.97")
MONTHS_BACK = 2  # a closed month that the emulator has validated, whatever today's day
TARGET_RECORDS_PER_SECOND = 5_000
CENT = Decimal("0.01")


def records_create(world, *, model, period, resources) -> int:
    """One record with its provisional item per resource; returns how many were invoiced too low."""
    from arrow_integration.models import ArrowConsumptionRecord
    from core.services.bulk_rows import rows_insert
    from core.services.invoices import invoice_get_or_create, invoice_items_bulk_insert, period_bounds

    start, end = period_bounds(period.first_day)
    by_project: dict[int, list] = {}
    for resource in resources:
        by_project.setdefault(resource.project_id, []).append(resource)
    changed = 0
    for project in world.projects.values():
        mine = by_project.get(project.pk, [])
        if not mine:
            continue
        invoice = invoice_get_or_create(customer=project.customer, period=period.first_day)
        consumed = []
        for resource in mine:
            number = int(resource.backend_id[4:])
            amounts = model.month_amounts(model.scaled_license(number), period)
            sell, buy = amounts.final_sell, amounts.final_buy
            if number % CHANGED_EVERY == 0:
                sell = (sell * INVOICED_SHARE_OF_CHANGED).quantize(CENT)
                buy = (buy * INVOICED_SHARE_OF_CHANGED).quantize(CENT)
                changed += 1
            consumed.append((resource, sell, buy))
        item_ids = invoice_items_bulk_insert(invoice=invoice, rows=[
            {"name": f"consumption {period}: {resource.name}", "resource": resource, "project": project,
             "unit_price": sell, "quantity": Decimal(1), "article_code": resource.backend_id, "start": start,
             "end": end, "details": {"source": "arrow_consumption", "provisional": True}}
            for resource, sell, _ in consumed
        ])
        rows_insert(ArrowConsumptionRecord, [
            {"resource_id": resource.pk, "license_reference": resource.backend_id, "billing_period": period.first_day,
             "consumed_sell": sell, "consumed_buy": buy, "invoice_item_id": item_id}
            for (resource, sell, buy), item_id in zip(consumed, item_ids, strict=True)
        ])
    return changed


def naive_reconcile(*, settings, period, today) -> tuple[float, float, int]:
    """BASELINE ONLY: (export read seconds, record loop seconds, records) of a per-record reconciliation."""
    from django.db import transaction
    from django.utils import timezone

    from arrow_integration.clients import arrow_client_for
    from arrow_integration.models import ArrowConsumptionRecord
    from arrow_integration.services.billing.compensation import compensation_item_create

    with stopwatch() as reading:
        finals: dict[str, list[Decimal]] = {}
        with arrow_client_for(settings) as client:
            for page in client.iter_billing_export(settings.export_type_reference, period, period):
                for line in page.lines:
                    total = finals.setdefault(line.license_reference, [Decimal(0), Decimal(0)])
                    total[0] += line.sell_total
                    total[1] += line.buy_total
    with stopwatch() as looping:
        records = ArrowConsumptionRecord.objects.filter(billing_period=period.first_day)
        count = 0
        for record in records:
            with transaction.atomic():
                sell, buy = finals.get(record.license_reference, (Decimal(0), Decimal(0)))
                record.final_sell, record.final_buy = sell, buy
                record.finalized_at = record.reconciled_at = timezone.now()
                item = record.invoice_item
                difference = sell - item.total
                if abs(difference) >= CENT:
                    record.compensation_item = compensation_item_create(
                        customer=record.resource.project.customer, amount=difference, period=period,
                        description=record.license_reference, resource=record.resource, today=today,
                    )
                record.save()
                count += 1
    return reading["seconds"], looping["seconds"], count


def run(report: Report, *, records: int, baseline_records: int) -> None:
    from arrow_client import Period
    from arrow_emulator.generator import DataModel
    from arrow_emulator.seeds import LICENSES as DEMO_LICENSES
    from arrow_emulator.seeds import catalogue_for
    from arrow_emulator.state import DEFAULT_VALIDATION_DELAY_DAYS
    from arrow_emulator.testing import EmulatorProcess
    from arrow_integration.services.consumption.reconciliation import consumption_reconciliation_run_period
    from bench.world import resources_link_scaled, world_create

    vendor = database_vendor()
    today = dt.date.today()
    period = Period.from_date(today).shift(-MONTHS_BACK)
    say(f"reconcile: {records:,} consumption records of {period} on {vendor} "
        f"(every {CHANGED_EVERY}th invoiced 3 % too low)")
    scale = records + len(DEMO_LICENSES)
    with EmulatorProcess(seed="demo", scale_licenses=scale, today=today) as emulator:
        world = world_create(emulator)
        model = DataModel(catalogue_for("demo"), "demo", today, DEFAULT_VALIDATION_DELAY_DAYS, scale)
        resources = resources_link_scaled(world, records)
        changed = records_create(world, model=model, period=period, resources=resources)

        baseline_period = period.previous()
        records_create(world, model=model, period=baseline_period, resources=resources[:baseline_records])
        read_seconds, loop_seconds, done = naive_reconcile(settings=world.settings, period=baseline_period,
                                                           today=today)
        naive_seconds = read_seconds + loop_seconds / done * records
        report.add(f"BASELINE naive per-record reconciliation ({vendor})", records / naive_seconds, "records/s",
                   note=f"{done:,} records in {loop_seconds:.1f} s after a {read_seconds:.1f} s export read, "
                        f"extrapolated to {records:,}")

        with stopwatch() as timing:
            run_ = consumption_reconciliation_run_period(settings=world.settings, period=period, today=today)
        outcome = run_.outcome
        if outcome["records_reconciled"] != records or outcome["compensations_created"] != changed:
            raise RuntimeError(f"reconciliation incomplete: {outcome}")
        rate = records / timing["seconds"]
        report.add(f"reconciliation ({vendor})", rate, "records/s", target=f"≥ {TARGET_RECORDS_PER_SECOND:,}",
                   met=rate >= TARGET_RECORDS_PER_SECOND,
                   note=f"{records:,} records, {changed:,} compensations, {timing['seconds']:.1f} s "
                        f"incl. reading {outcome['lines']:,} export lines")
        report.add(f"reconciliation speed-up vs baseline ({vendor})", rate * naive_seconds / records, "x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile", description=__doc__.splitlines()[0])
    common_arguments(parser)
    parser.add_argument("--records", type=int, help="consumption records (default 100 000; quick 10 000)")
    args = parser.parse_args(argv)
    records = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)
    baseline = min(records, QUICK_BASELINE_RECORDS if args.quick else BASELINE_RECORDS)
    return benchmark_run(NAME, args, run, records=records, baseline_records=baseline)


if __name__ == "__main__":
    raise SystemExit(main())
