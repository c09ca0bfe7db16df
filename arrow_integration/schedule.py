"""Periodic tasks of the Arrow integration, in one place.

The entries live in django-celery-beat's tables (beat runs with its DatabaseScheduler), so an
operator changes an interval, or disables an entry, at runtime in the Django admin ("Periodic
tasks" / "Intervals") or by editing the rows; beat picks the change up without a restart.

`periodic_tasks_ensure` creates the missing entries with their default intervals. It runs after
every `migrate` (a post_migrate handler connected in `ArrowIntegrationConfig.ready`), so a fresh
database, the demo and the test database all have them. It never overwrites an existing entry's
interval or enabled flag: what an operator changed stays changed. It only corrects the task name
of an existing entry, and is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction

HOURS = "hours"


@dataclass(frozen=True)
class PeriodicEntry:
    name: str
    task: str
    every_hours: int
    description: str


PERIODIC_ENTRIES: tuple[PeriodicEntry, ...] = (
    PeriodicEntry(
        name="Arrow: billing sync of the current month",
        task="arrow_integration.billing_sync_current_month",
        every_hours=6,
        description="Import the current month's billing export for every active settings row with sync enabled.",
    ),
    PeriodicEntry(
        name="Arrow: billing validation check and reconciliation",
        task="arrow_integration.billing_validate_and_reconcile",
        every_hours=12,
        description="Validate ended months whose lines Arrow validated; reconcile them when auto_reconcile is on.",
    ),
    PeriodicEntry(
        name="Arrow: billing export check of the previous and current month",
        task="arrow_integration.billing_export_check",
        every_hours=6,
        description="Re-import the previous and the current month to pick up late lines and changed amounts.",
    ),
    PeriodicEntry(
        name="Arrow: consumption sync of the current month",
        task="arrow_integration.consumption_sync_current_month",
        every_hours=1,
        description="Sync the current month's consumption into provisional invoice items (sync enabled, not paused).",
    ),
    PeriodicEntry(
        name="Arrow: consumption reconciliation of the previous month",
        task="arrow_integration.consumption_reconciliation_check",
        every_hours=12,
        description="Finalize the previous month's consumption once Arrow validated it (auto_reconcile on).",
    ),
)


def periodic_tasks_ensure(*, using: str = "default", entries: tuple[PeriodicEntry, ...] = PERIODIC_ENTRIES) -> int:
    """Create the missing periodic task rows (and their intervals); returns how many were created."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    created = 0
    with transaction.atomic(using=using):
        for entry in entries:
            task = PeriodicTask.objects.using(using).filter(name=entry.name).first()
            if task is not None:
                if task.task != entry.task:
                    task.task = entry.task
                    task.save(update_fields=["task"])
                continue
            interval, _ = IntervalSchedule.objects.using(using).get_or_create(every=entry.every_hours, period=HOURS)
            PeriodicTask.objects.using(using).create(
                name=entry.name, task=entry.task, interval=interval, description=entry.description, enabled=True
            )
            created += 1
    return created


def periodic_tasks_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate handler: make sure the periodic task rows exist (once beat's tables do)."""
    from django_celery_beat.models import PeriodicTask

    if PeriodicTask._meta.db_table not in connections[using].introspection.table_names():
        return
    periodic_tasks_ensure(using=using)
