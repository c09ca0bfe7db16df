"""Runs you can follow: queued by the API or the schedule, taken by the task, retried as one run.

Every period job runs through `services.runs.period_job` and every period task through
`tasks.base`: these tests drive them with real tasks (eager), the real emulator and the API.
"""

import socket

import pytest
from kombu.exceptions import OperationalError

from arrow_client import ArrowUnavailable
from arrow_integration.choices import SyncRunKind, SyncRunState, SyncRunTrigger
from arrow_integration.models import ArrowSyncRun
from arrow_integration.services.runs.period_job import period_job
from arrow_integration.tasks import billing as billing_tasks
from arrow_integration.tasks import consumption as consumption_tasks
from arrow_integration.tasks.base import MAX_RETRIES
from arrow_integration.tests.factories import ArrowSettingsFactory
from arrow_integration.tests.periods import current_period, previous_period

pytestmark = pytest.mark.django_db
SYNCS = "/api/admin/arrow/billing-syncs/"
EXPORT = "billing/erp/exports/sync"


def period_body(period) -> dict:
    return {"year": period.year, "month": period.month}


def test_a_trigger_records_a_queued_run_that_the_task_takes_to_its_end(
    staff_client, staff_user, billing_settings, mapped, django_capture_on_commit_callbacks
):
    period = previous_period()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(SYNCS + "trigger_sync/", period_body(period), format="json")

    assert response.status_code == 202 and set(response.json()) == {"message", "run_uuid"}
    queued = ArrowSyncRun.objects.get()
    assert response.json()["run_uuid"] == str(queued.uuid)
    assert (queued.state, queued.kind, queued.period, queued.triggered_by, queued.triggered_by_user) == (
        SyncRunState.QUEUED, SyncRunKind.BILLING, period.first_day, SyncRunTrigger.USER, staff_user)
    assert queued.started_at is None and len(callbacks) == 1

    callbacks[0]()  # the transaction commits: the task is sent (and, eager, runs)

    run = ArrowSyncRun.objects.get()
    assert run.uuid == queued.uuid and run.state == SyncRunState.SUCCEEDED
    assert run.started_at is not None and run.finished_at >= run.started_at and run.outcome["items_created"] > 0


def test_a_retried_task_carries_its_one_run_back_to_the_queue_and_to_its_end(
    billing_settings, mapped, arrow_emulator, settings, django_capture_on_commit_callbacks, eager_errors_kept
):
    settings.ARROW_HTTP_MAX_RETRIES = 0
    arrow_emulator.control.inject_fault(EXPORT, status=503, count=2)

    with django_capture_on_commit_callbacks(execute=True):
        billing_tasks.billing_sync_current_month.delay()

    run = ArrowSyncRun.objects.get()
    assert run.state == SyncRunState.SUCCEEDED and run.triggered_by == SyncRunTrigger.SCHEDULE
    assert run.error_message == "" and "retryable" not in run.outcome
    assert arrow_emulator.control.counters()[EXPORT] >= 3  # two refused attempts, then the whole month


def test_a_run_whose_retries_ran_out_stays_failed_and_says_it_was_retryable(
    billing_settings, mapped, arrow_emulator, settings, django_capture_on_commit_callbacks, eager_errors_kept
):
    settings.ARROW_HTTP_MAX_RETRIES = 0
    arrow_emulator.control.inject_fault(EXPORT, status=503)

    with django_capture_on_commit_callbacks(execute=True):
        billing_tasks.billing_sync_current_month.delay()

    run = ArrowSyncRun.objects.get()
    assert run.state == SyncRunState.FAILED and run.outcome["retryable"] is True and "503" in run.error_message
    assert arrow_emulator.control.counters()[EXPORT] == MAX_RETRIES + 1


def test_the_schedule_queues_runs_it_triggered(billing_settings, mapped, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert billing_tasks.billing_sync_current_month.delay().get() == [f"{billing_settings.uuid}:{current_period()}"]

    run = ArrowSyncRun.objects.get()
    assert (run.state, run.triggered_by, run.triggered_by_user) == (SyncRunState.QUEUED, SyncRunTrigger.SCHEDULE, None)
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)  # requests commit as in production: the task is sent at once
def test_with_the_broker_down_the_trigger_is_a_503_and_leaves_no_run(staff_client, billing_settings, mapped,
                                                                      monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(billing_tasks.billing_sync_period, "apply_async", broker_down)
    response = staff_client.post(SYNCS + "trigger_sync/", period_body(previous_period()), format="json")

    assert response.status_code == 503 and "nothing was scheduled" in response.json()["detail"]
    assert not ArrowSyncRun.objects.exists()


def test_a_job_stopped_by_an_unexpected_error_ends_its_run_failed(billing_settings):
    with pytest.raises(ZeroDivisionError), period_job(settings=billing_settings, kind=SyncRunKind.BILLING,
                                                      period=previous_period(), label="Test job") as job:
        job.outcome["step"] = "dividing"
        _ = 1 / 0

    run = ArrowSyncRun.objects.get()
    assert run.state == SyncRunState.FAILED and run.outcome["step"] == "dividing"
    assert run.error_message == "Test job failed: unexpected error (ZeroDivisionError)"
    assert run.outcome["operator_summary"] == ["Failed: Test job failed: unexpected error (ZeroDivisionError)."]


def test_the_consumption_sync_task_retries_when_arrow_cannot_be_reached(db, monkeypatch, eager_errors_kept):
    """The one retry rule holds for the consumption sync too (it used to give up at once)."""
    resolve = socket.getaddrinfo

    def no_such_host(host, *args, **kwargs):
        if host == "arrow.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    unreachable = ArrowSettingsFactory(api_url="https://arrow.example/index.php/api/")

    result = consumption_tasks.consumption_sync.apply(args=(str(unreachable.uuid), str(current_period())))

    assert isinstance(result.result, ArrowUnavailable)
    runs = ArrowSyncRun.objects.filter(kind=SyncRunKind.CONSUMPTION)
    assert runs.count() == MAX_RETRIES + 1
    assert {(run.state, run.outcome.get("retryable")) for run in runs} == {(SyncRunState.FAILED, True)}
