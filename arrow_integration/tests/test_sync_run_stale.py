"""Sync runs left "running" by a killed worker are closed by the next run of the same scope.

The rule rests on the (settings, period) run lock, which excludes other runs on PostgreSQL only
(CI runs the suite there too): every kind records its run once it holds the lock, and a run that
could not get it closes nothing. On SQLite runs of one month may interleave, so a "running" run
is left alone there; the last tests check both sides through the real services.
"""

import datetime as dt

import pytest
from django.db import connection

from arrow_client import Period
from arrow_integration.choices import SyncRunKind, SyncRunState
from arrow_integration.models import ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.services.runs.locks import sync_period_lock
from arrow_integration.services.runs.records import sync_run_start
from arrow_integration.tests.factories import ArrowSettingsFactory
from arrow_integration.tests.periods import previous_period

pytestmark = pytest.mark.django_db
JANUARY, FEBRUARY = Period(2025, 1), Period(2025, 2)
INTERRUPTED_PREFIX = "interrupted: the run stopped without finishing (found by run {uuid} at "
LOCK_EXCLUDES_RUNS = connection.vendor == "postgresql"
needs_exclusive_lock = pytest.mark.skipif(
    not LOCK_EXCLUDES_RUNS, reason="the run lock excludes other runs on PostgreSQL only"
)


def run_create(settings, *, kind=SyncRunKind.BILLING, period=JANUARY, state=SyncRunState.RUNNING, **fields):
    """A run row as a worker leaves it (a killed one leaves it running)."""
    return ArrowSyncRun.objects.create(settings=settings, kind=kind, period=period.first_day, state=state, **fields)


def run_start_locked(settings, *, kind=SyncRunKind.BILLING, period=JANUARY) -> ArrowSyncRun:
    """Start a run the way the services do: holding the (settings, period) lock."""
    with sync_period_lock(settings=settings, period=period):
        return sync_run_start(settings=settings, kind=kind, period=period)


def assert_closed_as_interrupted(stale: ArrowSyncRun, found_by: ArrowSyncRun) -> None:
    stale.refresh_from_db()
    assert stale.state == SyncRunState.FAILED
    assert stale.finished_at is not None and stale.finished_at >= found_by.created
    assert stale.error_message.startswith(INTERRUPTED_PREFIX.format(uuid=found_by.uuid))


def assert_untouched(run: ArrowSyncRun) -> None:
    before = (run.state, run.finished_at, run.error_message, run.modified)
    run.refresh_from_db()
    assert (run.state, run.finished_at, run.error_message, run.modified) == before


ALL_LOCKED_KINDS = [SyncRunKind.BILLING, SyncRunKind.RECONCILIATION, SyncRunKind.CONSUMPTION,
                    SyncRunKind.CONSUMPTION_RECONCILIATION]


@needs_exclusive_lock
@pytest.mark.parametrize("kind", ALL_LOCKED_KINDS)
def test_a_stale_running_run_of_the_same_scope_is_closed_by_the_next_run(kind):
    settings = ArrowSettingsFactory()
    stale = run_create(settings, kind=kind)

    new = run_start_locked(settings, kind=kind)

    assert_closed_as_interrupted(stale, found_by=new)
    new.refresh_from_db()
    assert new.state == SyncRunState.RUNNING and new.finished_at is None and new.error_message == ""


@needs_exclusive_lock
def test_runs_of_other_scopes_and_finished_runs_are_left_alone():
    settings, other_settings = ArrowSettingsFactory(), ArrowSettingsFactory()
    stale = run_create(settings)
    other_period = run_create(settings, period=FEBRUARY)
    other_settings_run = run_create(other_settings)
    other_kind = run_create(settings, kind=SyncRunKind.RECONCILIATION)
    finished_at = dt.datetime(2025, 2, 3, 4, 5, tzinfo=dt.UTC)
    succeeded = run_create(settings, state=SyncRunState.SUCCEEDED, finished_at=finished_at, outcome={"lines": 3})
    failed = run_create(settings, state=SyncRunState.FAILED, finished_at=finished_at, error_message="Arrow said 500")

    new = run_start_locked(settings)

    assert_closed_as_interrupted(stale, found_by=new)
    for run in (other_period, other_settings_run, other_kind, succeeded, failed):
        assert_untouched(run)
    assert succeeded.state == SyncRunState.SUCCEEDED and succeeded.outcome == {"lines": 3}
    assert failed.error_message == "Arrow said 500"


@pytest.mark.parametrize("kind", ALL_LOCKED_KINDS)
def test_a_run_that_did_not_get_the_lock_closes_nothing(kind):
    settings = ArrowSettingsFactory()
    holder_of_the_lock = run_create(settings, kind=kind)

    sync_run_start(settings=settings, kind=kind, period=JANUARY, holds_scope_lock=False)

    assert_untouched(holder_of_the_lock)
    assert holder_of_the_lock.state == SyncRunState.RUNNING


@needs_exclusive_lock
def test_the_consumption_sync_closes_the_stale_run_of_its_period(billing_settings):
    period = previous_period()
    stale = run_create(billing_settings, kind=SyncRunKind.CONSUMPTION, period=period)

    new = consumption_sync_period(settings=billing_settings, period=period)

    assert new.state == SyncRunState.SUCCEEDED
    assert_closed_as_interrupted(stale, found_by=new)


@needs_exclusive_lock
def test_the_billing_import_closes_the_stale_run_of_its_period(billing_settings, mapped):
    period = previous_period()
    stale = run_create(billing_settings, period=period)
    other_period = run_create(billing_settings, period=period.previous())

    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    new = ArrowSyncRun.objects.exclude(pk__in=[stale.pk, other_period.pk]).get()
    assert new.state == SyncRunState.SUCCEEDED and outcome["items_created"] > 0
    assert_closed_as_interrupted(stale, found_by=new)
    assert_untouched(other_period)


@pytest.mark.skipif(LOCK_EXCLUDES_RUNS, reason="on PostgreSQL the run lock proves the run dead")
def test_on_sqlite_the_billing_import_leaves_a_running_run_alone(billing_settings, mapped):
    period = previous_period()
    maybe_alive = run_create(billing_settings, period=period)

    billing_sync_import_period(settings=billing_settings, period=period)

    assert_untouched(maybe_alive)
    assert maybe_alive.state == SyncRunState.RUNNING
