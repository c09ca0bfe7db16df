"""Celery tasks of the billing area: statement import, validation check, reconciliation.

Each task takes ids and periods (strings), calls one service and retries with backoff when Arrow
is unavailable (the services record the failure before re-raising) or when another run of the
same month kept the lock for too long. The periodic tasks only fan
out per-settings tasks; they skip settings whose `sync_enabled` is off and do nothing while the
global pause is on. Manual triggers from the API run regardless of those switches. Two copies of
a task may run at once: the services serialise runs of the same settings and period.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from arrow_client import ArrowUnavailable, Period
from arrow_integration.models import ArrowSettings
from arrow_integration.services.billing_sync import billing_sync_import_period
from arrow_integration.services.reconciliation import reconciliation_run_period
from arrow_integration.services.sync_control import consumption_sync_globally_paused
from arrow_integration.services.sync_lock import SyncAlreadyRunning
from arrow_integration.services.validation import billing_periods_to_finalize, billing_validation_check_period

# Arrow down (after the client's own retries), or another run of the same month holding the lock.
ARROW_RETRY = {
    "autoretry_for": (ArrowUnavailable, SyncAlreadyRunning),
    "retry_backoff": 60,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 5,
}
# Months before the current one whose syncs the validation check looks at.
VALIDATION_LOOKBACK_MONTHS = 6


def _settings(settings_uuid: str) -> ArrowSettings | None:
    return ArrowSettings.objects.not_archived().filter(uuid=settings_uuid).first()


@shared_task(name="arrow_integration.billing_sync_period", **ARROW_RETRY)
def billing_sync_period(settings_uuid: str, period: str, license_reference: str | None = None) -> dict:
    """Import one month's billing export of one settings row."""
    settings = _settings(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    return billing_sync_import_period(settings=settings, period=Period.parse(period),
                                      license_reference=license_reference)


@shared_task(name="arrow_integration.billing_validation_check_period", **ARROW_RETRY)
def billing_validation_check(settings_uuid: str, period: str) -> dict:
    """Refresh validation dates of one month and validate its complete syncs."""
    settings = _settings(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    return billing_validation_check_period(settings=settings, period=Period.parse(period))


@shared_task(name="arrow_integration.billing_reconcile_period", **ARROW_RETRY)
def billing_reconcile_period(settings_uuid: str, period: str, force: bool = False) -> dict:
    """Reconcile one month's billing syncs with Arrow's final billing."""
    settings = _settings(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    return reconciliation_run_period(settings=settings, period=Period.parse(period), force=force)


def _scheduled_settings() -> list[ArrowSettings]:
    """Settings that periodic runs serve: active, sync enabled, and no global pause."""
    if consumption_sync_globally_paused():
        return []
    return list(ArrowSettings.objects.filter(is_active=True, sync_enabled=True))


def _today() -> datetime.date:
    return timezone.now().date()


@shared_task(name="arrow_integration.billing_sync_current_month")
def billing_sync_current_month() -> list[str]:
    """Periodic: queue the import of the current month for every scheduled settings row."""
    period = str(Period.from_date(_today()))
    queued = []
    for settings in _scheduled_settings():
        billing_sync_period.delay(str(settings.uuid), period)
        queued.append(f"{settings.uuid}:{period}")
    return queued


@shared_task(name="arrow_integration.billing_export_check")
def billing_export_check() -> list[str]:
    """Periodic: re-import the previous and the current month (late lines, changed amounts)."""
    current = Period.from_date(_today())
    queued = []
    for settings in _scheduled_settings():
        for period in (current.previous(), current):
            billing_sync_period.delay(str(settings.uuid), str(period))
            queued.append(f"{settings.uuid}:{period}")
    return queued


@shared_task(name="arrow_integration.billing_validate_and_reconcile")
def billing_validate_and_reconcile() -> list[str]:
    """Periodic: for ended months with Synced or Validated syncs, check validation, and reconcile
    them as well when the settings ask for automatic reconciliation."""
    queued = []
    for settings in _scheduled_settings():
        for period in billing_periods_to_finalize(settings=settings, lookback_months=VALIDATION_LOOKBACK_MONTHS):
            task = billing_reconcile_period if settings.auto_reconcile else billing_validation_check
            task.delay(str(settings.uuid), str(period))
            queued.append(f"{settings.uuid}:{period}")
    return queued
