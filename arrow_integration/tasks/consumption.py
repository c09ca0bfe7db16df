"""Celery tasks of consumption tracking: period sync, reconciliation, and their periodic fan-outs.

Each task takes ids and periods (strings) and calls one service. The services record failures
on an ArrowSyncRun instead of raising; a reconciliation that failed because Arrow was
unavailable is retried with backoff. The periodic tasks only queue per-settings tasks, for
active settings with `sync_enabled`, and nothing while the global pause is on. Manual triggers
from the API run regardless of those switches. Two copies of a task may run at once: the
services serialise runs of the same settings and period.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from arrow_client import Period
from arrow_integration.models import ArrowSettings
from arrow_integration.services.consumption import consumption_sync_period
from arrow_integration.services.consumption_reconciliation import consumption_reconciliation_run_period
from arrow_integration.services.sync_control import consumption_sync_globally_paused
from core.models import Resource

RECONCILIATION_RETRY_SECONDS = 300
RECONCILIATION_MAX_RETRIES = 5


def _settings(settings_uuid: str) -> ArrowSettings | None:
    return ArrowSettings.objects.not_archived().filter(uuid=settings_uuid).first()


def _scheduled_settings() -> list[ArrowSettings]:
    """Settings that periodic consumption runs serve: active, sync enabled, no global pause."""
    if consumption_sync_globally_paused():
        return []
    return list(ArrowSettings.objects.filter(is_active=True, sync_enabled=True))


@shared_task(name="arrow_integration.consumption_sync_period")
def consumption_sync(settings_uuid: str, period: str, resource_uuid: str | None = None) -> dict:
    """Sync one month's consumption of one settings row (or of one resource)."""
    settings = _settings(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    resource = None
    if resource_uuid is not None:
        resource = Resource.objects.filter(uuid=resource_uuid).first()
        if resource is None:
            return {"skipped": f"resource {resource_uuid} no longer exists"}
    run = consumption_sync_period(settings=settings, period=Period.parse(period), resource=resource)
    return {"run": str(run.uuid), "state": run.state}


@shared_task(name="arrow_integration.consumption_reconciliation_period", bind=True,
             max_retries=RECONCILIATION_MAX_RETRIES)
def consumption_reconciliation(self, settings_uuid: str, period: str, force: bool = False) -> dict:
    """Finalize one month's consumption records against the validated billing export."""
    settings = _settings(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    run = consumption_reconciliation_run_period(settings=settings, period=Period.parse(period), force=force)
    if run.outcome.get("retryable") and not self.request.is_eager:
        raise self.retry(countdown=RECONCILIATION_RETRY_SECONDS * (self.request.retries + 1))
    return {"run": str(run.uuid), "state": run.state}


@shared_task(name="arrow_integration.consumption_sync_current_month")
def consumption_sync_current_month() -> list[str]:
    """Periodic (hourly): queue the current month's consumption sync for every scheduled settings row."""
    period = str(Period.from_date(timezone.now().date()))
    queued = []
    for settings in _scheduled_settings():
        consumption_sync.delay(str(settings.uuid), period)
        queued.append(f"{settings.uuid}:{period}")
    return queued


@shared_task(name="arrow_integration.consumption_reconciliation_check")
def consumption_reconciliation_check() -> list[str]:
    """Periodic: finalize the previous month's consumption once Arrow validated it (auto_reconcile on).

    The service leaves an unvalidated month untouched, so running this often is harmless.
    """
    period = str(Period.from_date(timezone.now().date()).previous())
    queued = []
    for settings in _scheduled_settings():
        if settings.auto_reconcile:
            consumption_reconciliation.delay(str(settings.uuid), period)
            queued.append(f"{settings.uuid}:{period}")
    return queued
