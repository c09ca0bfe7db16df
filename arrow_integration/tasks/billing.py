"""Celery tasks of the billing area: statement import, validation check, reconciliation.

Each period task calls one service (a period job: see `tasks.base` for the retry rule and the
queued run it takes). The periodic tasks only fan out per-settings tasks, each with a queued run
triggered by the schedule; they skip settings whose `sync_enabled` is off and do nothing while
the schedule is paused (`selectors.sync_control`). Manual triggers from the API run regardless
of those switches. Two copies of a task may run at once: the services serialise runs of the same
settings and period.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from arrow_client import Period
from arrow_integration.choices import SyncRunKind, SyncRunTrigger
from arrow_integration.models import ArrowSettings
from arrow_integration.selectors.sync_control import scheduled_syncs_paused
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.billing.month_validation import (
    billing_periods_to_finalize,
    billing_validation_check_period,
)
from arrow_integration.services.billing.statement_reconciliation import reconciliation_run_period
from arrow_integration.tasks.base import PeriodJobTask, period_job_enqueue, run_summary, settings_for_task

# Months before the current one whose syncs the validation check looks at.
VALIDATION_LOOKBACK_MONTHS = 6


@shared_task(name="arrow_integration.billing_sync_period", base=PeriodJobTask, run_kind=SyncRunKind.BILLING)
def billing_sync_period(settings_uuid: str, period: str, license_reference: str | None = None,
                        run_uuid: str | None = None) -> dict:
    """Import one month's billing export of one settings row."""
    settings = settings_for_task(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    return run_summary(billing_sync_import_period(settings=settings, period=Period.parse(period),
                                                  license_reference=license_reference, run_uuid=run_uuid))


@shared_task(name="arrow_integration.billing_validation_check_period", base=PeriodJobTask,
             run_kind=SyncRunKind.BILLING)
def billing_validation_check(settings_uuid: str, period: str, run_uuid: str | None = None) -> dict:
    """Refresh validation dates of one month and validate its complete syncs."""
    settings = settings_for_task(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    return run_summary(billing_validation_check_period(settings=settings, period=Period.parse(period),
                                                       run_uuid=run_uuid))


@shared_task(name="arrow_integration.billing_reconcile_period", base=PeriodJobTask,
             run_kind=SyncRunKind.RECONCILIATION)
def billing_reconcile_period(settings_uuid: str, period: str, force: bool = False, run_uuid: str | None = None) -> dict:
    """Reconcile one month's billing syncs with Arrow's final billing."""
    settings = settings_for_task(settings_uuid)
    if settings is None:
        return {"skipped": f"settings {settings_uuid} no longer exist"}
    return run_summary(reconciliation_run_period(settings=settings, period=Period.parse(period), force=force,
                                                 run_uuid=run_uuid))


def scheduled_settings() -> list[ArrowSettings]:
    """Settings that periodic runs serve: active, sync enabled, and the schedule not paused."""
    if scheduled_syncs_paused():
        return []
    return list(ArrowSettings.objects.filter(is_active=True, sync_enabled=True))


def _today() -> datetime.date:
    return timezone.now().date()


def _queue(task: PeriodJobTask, settings: ArrowSettings, period: Period) -> str:
    period_job_enqueue(task, settings=settings, period=period, triggered_by=SyncRunTrigger.SCHEDULE)
    return f"{settings.uuid}:{period}"


@shared_task(name="arrow_integration.billing_sync_current_month")
def billing_sync_current_month() -> list[str]:
    """Periodic: queue the import of the current month for every scheduled settings row."""
    period = Period.from_date(_today())
    return [_queue(billing_sync_period, settings, period) for settings in scheduled_settings()]


@shared_task(name="arrow_integration.billing_export_check")
def billing_export_check() -> list[str]:
    """Periodic: re-import the previous and the current month (late lines, changed amounts)."""
    current = Period.from_date(_today())
    return [_queue(billing_sync_period, settings, period)
            for settings in scheduled_settings() for period in (current.previous(), current)]


@shared_task(name="arrow_integration.billing_validate_and_reconcile")
def billing_validate_and_reconcile() -> list[str]:
    """Periodic: for ended months with Synced or Validated syncs, check validation, and reconcile
    them as well when the settings ask for automatic reconciliation."""
    queued = []
    for settings in scheduled_settings():
        task = billing_reconcile_period if settings.auto_reconcile else billing_validation_check
        for period in billing_periods_to_finalize(settings=settings, lookback_months=VALIDATION_LOOKBACK_MONTHS):
            queued.append(_queue(task, settings, period))
    return queued
