"""What every period task shares: one retry rule, the queued run it takes, how it is queued.

A period task (`PeriodJobTask`) takes ids and a period (strings) and, optionally, ``run_uuid``:
the run queued for it (`period_job_enqueue`, by the API or the schedule) that its service takes
to running and finishes. The one retry rule: a failure that may pass by itself
(`runs.period_job.TRANSIENT_ERRORS`: Arrow unavailable, the month's lock held for too long) is
retried with exponential backoff, up to `MAX_RETRIES` times; before each retry the failed run
goes back to queued, so the same run carries the next attempt. Every other outcome is final.
"""

from __future__ import annotations

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from arrow_client import Period
from arrow_integration.errors import QueueUnavailable
from arrow_integration.models import ArrowSettings, ArrowSyncRun
from arrow_integration.services.runs.period_job import TRANSIENT_ERRORS
from arrow_integration.services.runs.records import sync_run_queue, sync_run_requeue

RETRY_BACKOFF_SECONDS = 60
RETRY_BACKOFF_MAX_SECONDS = 1800
MAX_RETRIES = 5


class PeriodJobTask(Task):
    """Base of the tasks that run one period job of one settings row (see the module)."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = RETRY_BACKOFF_SECONDS
    retry_backoff_max = RETRY_BACKOFF_MAX_SECONDS
    retry_jitter = True
    max_retries = MAX_RETRIES
    # The `ArrowSyncRun.kind` of the task's runs.
    run_kind: str = ""

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:
        """The attempt failed and will be retried: its run waits in the queue again."""
        if kwargs.get("run_uuid"):
            sync_run_requeue(kwargs["run_uuid"])


def settings_for_task(settings_uuid: str) -> ArrowSettings | None:
    """The live settings row a task was queued for (None once deleted)."""
    return ArrowSettings.objects.not_archived().filter(uuid=settings_uuid).first()


def run_summary(run: ArrowSyncRun) -> dict:
    """What a period task returns: its run and how it ended."""
    return {"run": str(run.uuid), "state": run.state}


def period_job_enqueue(task: PeriodJobTask, *, settings: ArrowSettings, period: Period, args: tuple = (),
                       triggered_by: str, user=None) -> ArrowSyncRun:
    """Record a queued run of ``task``'s kind, then hand the task to the broker with its
    ``run_uuid``, once the current transaction (if any) commits.

    Outside a transaction (the API's case) the task is sent at once, so a broker failure is
    raised here (`QueueUnavailable`, the API's 503) and the queued run is removed: nothing was
    scheduled. ``args`` follow the settings UUID and the period.
    """
    run = sync_run_queue(settings=settings, kind=task.run_kind, period=period, triggered_by=triggered_by, user=user)

    def send() -> None:
        try:
            task.apply_async(args=(str(settings.uuid), str(period), *args), kwargs={"run_uuid": str(run.uuid)})
        except BrokerError as exc:
            run.delete()
            raise QueueUnavailable() from exc

    transaction.on_commit(send)
    return run
