"""Consumption sync of one period: Arrow's month-to-date usage as provisional invoice items.

`consumption_sync_period` fetches the consumption of every linked license (resources in state OK
whose `backend_id` is an Arrow license reference, under an active customer mapping of the
settings) with bounded concurrency, and hands the results in batches to `consumption.apply`,
which upserts records and provisional items in bulk. Worker threads only talk HTTP (one shared,
thread-safe client); every database write happens in the calling thread. A license whose fetch
fails is reported in the run's outcome with its reason while the others go on. The run holds the
settings+period lock, so it never interleaves with a billing import of the same period (the two
paths decide together which one charges a license-month). Idempotent: a second run with the same
Arrow data changes no amount and creates nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed

from django.conf import settings as django_settings
from django.db.models import QuerySet

from arrow_client import ArrowClient, ArrowError, Period, consumption_totals
from arrow_integration.choices import SyncRunKind
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowSyncRun
from arrow_integration.services.consumption.apply import ApplyOutcome, LicenseMonthConsumption, consumption_apply
from arrow_integration.services.runs.period_job import period_job
from core.models import Resource

logger = logging.getLogger(__name__)

# Fetched license-months written per transaction (progress is stored after each).
APPLY_BATCH_SIZE = 500
# Failures listed one by one in a run's outcome; the count covers all of them.
MAX_REPORTED_ERRORS = 200


def consumption_concurrency() -> int:
    """How many consumption requests run at once (setting ARROW_CONSUMPTION_CONCURRENCY, at least 1)."""
    return max(1, int(getattr(django_settings, "ARROW_CONSUMPTION_CONCURRENCY", 1)))


def consumption_sync_targets(*, settings: ArrowSettings, resource: Resource | None = None) -> QuerySet[Resource]:
    """Resources whose consumption the settings track: OK, linked to a license, customer mapped."""
    mapped_customers = ArrowCustomerMapping.objects.filter(settings=settings, is_active=True).values(
        "waldur_customer_id"
    )
    queryset = (
        Resource.objects.filter(state=Resource.State.OK, project__customer__in=mapped_customers)
        .exclude(backend_id="")
        .select_related("project__customer")
        .order_by("id")
    )
    if resource is not None:
        queryset = queryset.filter(pk=resource.pk)
    return queryset


def license_consumption_fetch(
    client: ArrowClient, resource: Resource, period_from: Period, period_to: Period | None = None
) -> list[LicenseMonthConsumption]:
    """The consumption of a resource's license, one entry per period of the range with or without usage.

    Raises ArrowError for Arrow failures and ValueError when a month mixes currencies.
    """
    period_to = period_to or period_from
    license_reference = resource.backend_id.strip()
    lines = client.consumption(license_reference, period_from, period_to)
    by_period: dict[Period, list] = {period: [] for period in Period.range(period_from, period_to)}
    for line in lines:
        if line.report_period in by_period:
            by_period[line.report_period].append(line)
    return [
        LicenseMonthConsumption(
            resource=resource,
            license_reference=license_reference,
            period=period,
            lines=tuple(period_lines),
            totals=consumption_totals(period_lines),
        )
        for period, period_lines in by_period.items()
    ]


def license_failure(resource: Resource, error: Exception) -> dict:
    """How a failed license is reported in a run's outcome."""
    return {
        "license_reference": resource.backend_id,
        "resource_uuid": str(resource.uuid),
        "resource_name": resource.name,
        "error": str(error),
    }


def _fetch_in_batches(
    client: ArrowClient, targets: list[Resource], period: Period
) -> Iterator[tuple[list[LicenseMonthConsumption], list[dict]]]:
    """Fetch every target's month concurrently; yield (fetched, failures) every APPLY_BATCH_SIZE results."""
    pool = ThreadPoolExecutor(max_workers=consumption_concurrency(), thread_name_prefix="arrow-consumption")
    try:
        futures: dict[Future, Resource] = {
            pool.submit(license_consumption_fetch, client, resource, period): resource for resource in targets
        }
        fetched: list[LicenseMonthConsumption] = []
        failures: list[dict] = []
        for future in as_completed(futures):
            try:
                fetched.extend(future.result())
            except (ArrowError, ValueError) as exc:
                failures.append(license_failure(futures[future], exc))
            if len(fetched) + len(failures) >= APPLY_BATCH_SIZE:
                yield fetched, failures
                fetched, failures = [], []
        yield fetched, failures
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_outcome(*, targets: int, applied: ApplyOutcome, failures: list[dict]) -> dict:
    return {
        "licenses": targets,
        **applied.as_dict(),
        "failed": len(failures),
        "errors": failures[:MAX_REPORTED_ERRORS],
    }


def consumption_sync_period(
    *, settings: ArrowSettings, period: Period, resource: Resource | None = None, run_uuid=None,
) -> ArrowSyncRun:
    """Sync the consumption of `period` for all tracked licenses (or one `resource`); returns the
    finished run.

    A period job (`runs.period_job`; ``run_uuid`` names a queued run to take). Per-license Arrow
    failures are collected in the run's outcome (`errors`, `failed`) and make the run end failed
    with a summary, while every other license is written. Settings whose URL or key the client
    factory refuses end the run failed without writing anything.
    """
    targets = list(consumption_sync_targets(settings=settings, resource=resource))
    applied, failures, done = ApplyOutcome(), [], 0
    with period_job(settings=settings, kind=SyncRunKind.CONSUMPTION, period=period, run_uuid=run_uuid,
                    total=len(targets), label=f"Consumption sync of {period}",
                    outcome=_run_outcome(targets=len(targets), applied=applied, failures=failures)) as job:
        with arrow_client_for(settings) as client:
            for fetched, batch_failures in _fetch_in_batches(client, targets, period):
                applied.merge(consumption_apply(settings=settings, batch=fetched))
                failures.extend(batch_failures)
                done += len(fetched) + len(batch_failures)
                job.progress(done=done)
                job.outcome = _run_outcome(targets=len(targets), applied=applied, failures=failures)
        if failures:
            job.error_message = f"Consumption of {len(failures)} of {len(targets)} licenses could not be fetched."
            logger.warning("Arrow consumption sync %s for %s: %s", settings.uuid, period, job.error_message)
    return job.run
