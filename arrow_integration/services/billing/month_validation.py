"""Validation of billing syncs: a period's billing is final once Arrow validated all its lines.

A billing sync moves from Synced to Validated (Arrow state "validated") when every one of its
items carries a `Validation Date`; a sync without items, or of the current (or a future) month,
is never validated, since partial data must not be finalised. `billing_validation_check_period`
re-reads the period's export to refresh the items' validation dates (amounts are left alone:
differences are the job of reconciliation) and then applies that rule.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from arrow_client import ArrowClient, BillingLine, Period
from arrow_integration.choices import BillingSyncState, SyncRunKind
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowSyncRun
from arrow_integration.services.billing.grouping import MappingIndex, billing_export_group, export_client
from arrow_integration.services.runs.period_job import period_job
from core.services.bulk_rows import objects_update

VALIDATION_CHECK = "validation_check"


def period_is_closed(period: Period, today: datetime.date | None = None) -> bool:
    """True for months that have ended: only those may be finalised."""
    return period < Period.from_date(today or timezone.now().date())


def billing_periods_to_finalize(*, settings, lookback_months: int, today: datetime.date | None = None) -> list[Period]:
    """Ended months (at most ``lookback_months`` back) with Synced or Validated syncs of ``settings``."""
    current = Period.from_date(today or timezone.now().date())
    months = (
        ArrowBillingSync.objects.filter(
            customer_mapping__settings=settings,
            state__in=[BillingSyncState.SYNCED, BillingSyncState.VALIDATED],
            report_period__gte=current.shift(-lookback_months).first_day,
            report_period__lt=current.first_day,
        )
        .values_list("report_period", flat=True)
        .distinct()
        .order_by("report_period")
    )
    return [Period.from_date(month) for month in months]


def billing_sync_validate_if_complete(
    sync: ArrowBillingSync, *, today: datetime.date | None = None, missing: Iterable[str] = ()
) -> bool:
    """Mark a Synced sync Validated when its month has ended and all its lines are validated.

    ``missing`` names items whose line is no longer in Arrow's export: they cannot carry a
    validation date and do not hold the month back (they are reported elsewhere). Idempotent;
    one aggregate query. Returns True when the sync moved to Validated.
    """
    if sync.state != BillingSyncState.SYNCED or not period_is_closed(Period.from_date(sync.report_period), today):
        return False
    items = sync.items.exclude(arrow_line_reference__in=list(missing))
    counts = items.aggregate(total=Count("id"), open=Count("id", filter=Q(validation_date__isnull=True)))
    if not counts["total"] or counts["open"]:
        return False
    sync.mark_validated()
    return True


def sync_items_refresh_validation(sync: ArrowBillingSync, lines: Iterable[BillingLine]) -> list[str]:
    """Copy each line's validation date onto the sync's item of the same reference.

    Returns the references of items whose line is missing from ``lines``.
    """
    dates = {line.line_reference: line.validation_date for line in lines}
    changed, missing = [], []
    for item in sync.items.only("id", "arrow_line_reference", "validation_date"):
        if item.arrow_line_reference not in dates:
            missing.append(item.arrow_line_reference)
        elif item.validation_date != dates[item.arrow_line_reference]:
            item.validation_date = dates[item.arrow_line_reference]
            changed.append(item)
    objects_update(ArrowBillingSyncItem, changed, ["validation_date"])
    return missing


def billing_validation_check_period(
    *, settings, period: Period, today: datetime.date | None = None, client: ArrowClient | None = None,
    run_uuid=None,
) -> ArrowSyncRun:
    """Refresh validation dates of ``period``'s syncs from Arrow and validate the complete ones;
    returns the finished run.

    A period job (`runs.period_job`; ``run_uuid`` names a queued run to take). Arrow errors set
    the syncs' ``error_message`` too (states unchanged).
    """
    today = today or timezone.now().date()
    with period_job(settings=settings, kind=SyncRunKind.BILLING, period=period, run_uuid=run_uuid,
                    label=f"Validation check of {period}") as job:
        syncs = list(
            ArrowBillingSync.objects.filter(
                customer_mapping__settings=settings, report_period=period.first_day, state=BillingSyncState.SYNCED
            ).select_related("customer_mapping")
        )
        job.outcome.update({"action": VALIDATION_CHECK, "period": str(period), "checked": len(syncs), "validated": []})
        if not syncs or not period_is_closed(period, today):
            return job.run
        job.on_failure = lambda message: ArrowBillingSync.objects.filter(pk__in=[sync.pk for sync in syncs]).update(
            error_message=message, modified=timezone.now()
        )
        with export_client(settings, client) as arrow:
            grouping = billing_export_group(client=arrow, settings=settings, period=period,
                                            index=MappingIndex([sync.customer_mapping for sync in syncs]))
        job.on_failure = None
        with grouping.spool:
            for sync in syncs:
                with transaction.atomic():
                    missing = sync_items_refresh_validation(sync, grouping.spool.lines(sync.customer_mapping_id))
                    if billing_sync_validate_if_complete(sync, today=today, missing=missing):
                        job.outcome["validated"].append(sync.customer_mapping.arrow_reference)
    return job.run
