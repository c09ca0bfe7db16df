"""Celery tasks of consumption tracking: period sync, reconciliation, and their periodic fan-outs.

Each period task calls one service (a period job: see `tasks.base` for the retry rule and the
queued run it takes). The periodic tasks only queue per-settings tasks, for active settings with
`sync_enabled`, and nothing while the schedule is paused (`tasks.billing.scheduled_settings`).
Manual triggers from the API run regardless of those switches. Two copies of a task may run at
once: the services serialise runs of the same settings and period.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from arrow_client import Period
from arrow_integration.choices import SyncRunKind, SyncRunTrigger
from arrow_integration.services.consumption.reconciliation import consumption_reconciliation_run_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tasks.base import PeriodJobTask, period_job_enqueue, run_summary, settings_for_task
from arrow_integration.tasks.billing import scheduled_settings
from core.models import Resource


@shared_task(name="arrow_integration.consumption_sync_period", base=PeriodJobTask, run_kind=SyncRunKind.CONSUMPTION)
def consumption_sync(settings_uuid: str, period: str, resource_uuid: str | None = None,
                     run_uuid: str | None = None) -> dict:
    """Sync one month's consumption of one settings row (or of one resource)."""
    settings = settings_for_task(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    resource = None
    if resource_uuid is not None:
        resource = Resource.objects.filter(uuid=resource_uuid).first()
        if resource is None:
            return {"skipped": f"resource {resource_uuid} no longer exists"}
    return run_summary(consumption_sync_period(settings=settings, period=Period.parse(period), resource=resource,
                                               run_uuid=run_uuid))


@shared_task(name="arrow_integration.consumption_reconciliation_period", base=PeriodJobTask,
             run_kind=SyncRunKind.CONSUMPTION_RECONCILIATION)
def consumption_reconciliation(settings_uuid: str, period: str, force: bool = False,
                               run_uuid: str | None = None) -> dict:
    """Finalize one month's consumption records against the validated billing export."""
    settings = settings_for_task(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    return run_summary(consumption_reconciliation_run_period(settings=settings, period=Period.parse(period),
                                                             force=force, run_uuid=run_uuid))


@shared_task(name="arrow_integration.consumption_sync_current_month")
def consumption_sync_current_month() -> list[str]:
    """Periodic (hourly): queue the current month's consumption sync for every scheduled settings row."""
    period = Period.from_date(timezone.now().date())
    queued = []
    for settings in scheduled_settings():
        period_job_enqueue(consumption_sync, settings=settings, period=period, triggered_by=SyncRunTrigger.SCHEDULE)
        queued.append(f"{settings.uuid}:{period}")
    return queued


@shared_task(name="arrow_integration.consumption_reconciliation_check")
def consumption_reconciliation_check() -> list[str]:
    """Periodic: finalize the previous month's consumption once Arrow validated it (auto_reconcile on).

    The service leaves an unvalidated month untouched, so running this often is harmless.
    """
    period = Period.from_date(timezone.now().date()).previous()
    queued = []
    for settings in scheduled_settings():
        if settings.auto_reconcile:
            period_job_enqueue(consumption_reconciliation, settings=settings, period=period,
                               triggered_by=SyncRunTrigger.SCHEDULE)
            queued.append(f"{settings.uuid}:{period}")
    return queued
