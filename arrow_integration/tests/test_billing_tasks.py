"""Billing tasks (eager) and their beat entries: switches respected, retries when Arrow is down,
periodic entries present after migrate and editable at runtime."""

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from arrow_client import ArrowUnavailable
from arrow_integration.choices import BillingSyncState, SyncRunKind
from arrow_integration.models import ArrowBillingSync, ArrowSyncControl, ArrowSyncRun
from arrow_integration.schedule import PERIODIC_ENTRIES, periodic_tasks_ensure
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tasks import billing as billing_tasks
from arrow_integration.tasks.base import MAX_RETRIES
from arrow_integration.tests.periods import after_validation_of, current_period, previous_period
from config.celery import app

pytestmark = pytest.mark.django_db


def runs(kind=SyncRunKind.BILLING) -> list[str]:
    return sorted(str(run.period)[:7] for run in ArrowSyncRun.objects.filter(kind=kind))


def test_the_periodic_entries_exist_after_migrate_with_their_default_intervals():
    for entry in PERIODIC_ENTRIES:
        task = PeriodicTask.objects.get(name=entry.name)
        assert task.task == entry.task and task.enabled
        assert (task.interval.every, task.interval.period) == (entry.every_hours, IntervalSchedule.HOURS)
        assert entry.task in app.tasks  # beat sends names the workers know


def test_ensuring_again_keeps_what_an_operator_changed():
    entry = PERIODIC_ENTRIES[0]
    task = PeriodicTask.objects.get(name=entry.name)
    task.interval = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.HOURS)
    task.enabled = False
    task.save()
    PeriodicTask.objects.filter(name=PERIODIC_ENTRIES[1].name).delete()

    assert periodic_tasks_ensure() == 1

    task.refresh_from_db()
    assert task.interval.every == 2 and not task.enabled
    assert PeriodicTask.objects.filter(name=PERIODIC_ENTRIES[1].name).exists()
    assert periodic_tasks_ensure() == 0


def test_current_month_sync_runs_for_enabled_settings_only(billing_settings, mapped,
                                                           django_capture_on_commit_callbacks):
    billing_settings.sync_enabled = False
    billing_settings.save()
    assert billing_tasks.billing_sync_current_month.delay().get() == []

    billing_settings.sync_enabled = True
    billing_settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        billing_tasks.billing_sync_current_month.delay()

    assert runs() == [str(current_period())]
    assert ArrowBillingSync.objects.filter(report_period=current_period().first_day).count() == len(mapped)


def test_global_pause_stops_the_periodic_billing_tasks(billing_settings, mapped, django_capture_on_commit_callbacks):
    ArrowSyncControl.objects.create(scheduled_syncs_paused=True)

    with django_capture_on_commit_callbacks(execute=True):
        billing_tasks.billing_sync_current_month.delay()
        billing_tasks.billing_export_check.delay()
        billing_tasks.billing_validate_and_reconcile.delay()

    assert not ArrowSyncRun.objects.exists()


def test_export_check_imports_the_previous_and_the_current_month(billing_settings, mapped,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        billing_tasks.billing_export_check.delay()

    assert runs() == sorted([str(previous_period()), str(current_period())])


@pytest.mark.parametrize(("auto_reconcile", "final_state"),
                         [(False, BillingSyncState.VALIDATED), (True, BillingSyncState.RECONCILED)])
def test_validation_check_reconciles_only_when_asked(billing_settings, mapped, arrow_emulator, auto_reconcile,
                                                     final_state, django_capture_on_commit_callbacks):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    billing_settings.auto_reconcile = auto_reconcile
    billing_settings.save()
    arrow_emulator.control.set_today(after_validation_of(period))

    with django_capture_on_commit_callbacks(execute=True):
        billing_tasks.billing_validate_and_reconcile.delay()

    assert set(ArrowBillingSync.objects.values_list("state", flat=True)) == {final_state}


def test_import_task_retries_while_arrow_is_unavailable(
    billing_settings, mapped, arrow_emulator, settings, eager_errors_kept
):
    settings.ARROW_HTTP_MAX_RETRIES = 0
    arrow_emulator.control.inject_fault("billing/erp/exports/sync", status=503)

    result = billing_tasks.billing_sync_period.apply(args=(str(billing_settings.uuid), str(previous_period())))

    assert isinstance(result.result, ArrowUnavailable)
    attempts = MAX_RETRIES + 1
    assert arrow_emulator.control.counters()["billing/erp/exports/sync"] == attempts
    assert ArrowSyncRun.objects.count() == attempts


def test_task_of_deleted_settings_does_nothing():
    outcome = billing_tasks.billing_sync_period.delay("00000000-0000-0000-0000-000000000000", "2025-01").get()

    assert "skipped" in outcome and not ArrowSyncRun.objects.exists()
