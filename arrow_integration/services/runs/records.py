"""Progress and outcome of background runs, recorded on `ArrowSyncRun` rows.

A run may be queued first (`sync_run_queue`: by the API or the schedule, before its task is handed
to the broker); the job then takes it to running (`sync_run_begin`, which creates it running when
nothing was queued), reports progress while it works and finishes it with an outcome (a JSON-able
dict of counts and reported problems) and, when it failed, an error message. A failed run whose
task will be retried goes back to queued (`sync_run_requeue`).
The writes here are single-row updates in autocommit mode, so progress is visible to other
connections while the run is still working. Nothing here touches invoices.

A worker killed mid-run (SIGKILL, lost machine) leaves its row "running". Where that is provable,
the next run of the same scope closes such rows as failed when it starts (`sync_runs_close_interrupted`).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid as uuid_module
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunKind, SyncRunState
from arrow_integration.models import ArrowSyncRun
from arrow_integration.services.runs.summary import SUMMARY_KEY, operator_summary

# Kinds whose runs are started, and run to their end, inside `sync_period_lock` of their settings
# and period, and never inside another run of the same kind: a run of these kinds that holds the
# lock proves that no other run of its (settings, kind, period) is alive. (A run that could not
# get the lock is recorded with ``holds_scope_lock=False`` and closes nothing.)
SCOPE_LOCKED_KINDS = frozenset({SyncRunKind.BILLING, SyncRunKind.RECONCILIATION, SyncRunKind.CONSUMPTION,
                                SyncRunKind.CONSUMPTION_RECONCILIATION})
PROGRESS_INTERVAL_SECONDS = 0.5
INTERRUPTED_MESSAGE = "interrupted: the run stopped without finishing (found by run {uuid} at {time})"


def json_safe(value: Any) -> Any:
    """``value`` with Decimals and dates as strings (outcomes and Arrow payloads are stored as JSON)."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


def sync_run_queue(*, settings, kind: str, period: Period | None, triggered_by: str, user=None) -> ArrowSyncRun:
    """Record a run that is about to be handed to a worker (state queued), and who asked for it."""
    return ArrowSyncRun.objects.create(
        settings=settings, kind=kind, period=period.first_day if period else None, state=SyncRunState.QUEUED,
        triggered_by=triggered_by, triggered_by_user=user,
    )


def sync_run_start(*, settings, kind: str, period: Period | None = None, total: int | None = None,
                   holds_scope_lock: bool = True) -> ArrowSyncRun:
    """Record that a run of ``kind`` started for ``settings`` (and ``period``), queued by nobody.

    Callers of `SCOPE_LOCKED_KINDS` hold the (settings, period) lock, or say they do not
    (``holds_scope_lock=False``: a run that ends before taking it, or that could not get it).
    """
    return sync_run_begin(settings=settings, kind=kind, period=period, total=total, holds_scope_lock=holds_scope_lock)


def sync_run_begin(*, settings, kind: str, period: Period | None = None, run_uuid: uuid_module.UUID | str | None = None,
                   total: int | None = None, holds_scope_lock: bool = True) -> ArrowSyncRun:
    """Take the queued run ``run_uuid`` of this scope to running; without one (none given, or it is
    no longer queued) record a new running run. See `sync_run_start` for ``holds_scope_lock``."""
    now = timezone.now()
    first_day = period.first_day if period else None
    run = None
    if run_uuid is not None:
        run = ArrowSyncRun.objects.filter(uuid=run_uuid, settings=settings, kind=kind, period=first_day,
                                          state=SyncRunState.QUEUED).first()
    if run is None:
        run = ArrowSyncRun.objects.create(settings=settings, kind=kind, period=first_day, state=SyncRunState.RUNNING,
                                          progress_total=total, started_at=now)
    else:
        run.state, run.started_at, run.progress_done, run.progress_total = SyncRunState.RUNNING, now, 0, total
        run.error_message, run.finished_at = "", None
        run.save(update_fields=["state", "started_at", "progress_done", "progress_total", "error_message",
                                "finished_at", "modified"])
    if holds_scope_lock:
        sync_runs_close_interrupted(run)
    return run


def sync_run_requeue(run_uuid: uuid_module.UUID | str) -> bool:
    """Put a failed run back in the queue because its task will run it again (a retry); its
    error message stays until then. True when a run was requeued."""
    return bool(ArrowSyncRun.objects.filter(uuid=run_uuid, state=SyncRunState.FAILED).update(
        state=SyncRunState.QUEUED, finished_at=None, modified=timezone.now()))


def _scope_lock_excludes_other_runs() -> bool:
    # `sync_period_lock` is an advisory lock on PostgreSQL only; on SQLite runs of one scope may
    # interleave, so a "running" row there may belong to a live run.
    return connection.vendor == "postgresql"


def sync_runs_close_interrupted(run: ArrowSyncRun) -> int:
    """Mark older "running" runs of ``run``'s scope failed as interrupted; returns how many.

    Only for `SCOPE_LOCKED_KINDS` on a database where the lock excludes other runs: there the
    holder of the lock is the only live run of its scope, so any other running row was left by
    a killed worker. Other kinds and databases are left as they are.
    """
    if run.kind not in SCOPE_LOCKED_KINDS or not _scope_lock_excludes_other_runs():
        return 0
    now = timezone.now()
    message = INTERRUPTED_MESSAGE.format(uuid=run.uuid, time=now.isoformat(timespec="seconds"))
    return (
        ArrowSyncRun.objects.filter(settings_id=run.settings_id, kind=run.kind, period=run.period,
                                    state=SyncRunState.RUNNING)
        .exclude(pk=run.pk)
        .update(state=SyncRunState.FAILED, finished_at=now, error_message=message, modified=now)
    )


def sync_run_progress(run: ArrowSyncRun, *, done: int, total: int | None = None) -> None:
    """Note how many units of work are done (and, when known, how many there are).

    Stored at most every `PROGRESS_INTERVAL_SECONDS`: a committed row update per export page
    would cost a large export more than its pages. `sync_run_finish` stores the last values.
    """
    run.progress_done = done
    if total is not None:
        run.progress_total = total
    now = time.monotonic()
    if now - getattr(run, "_progress_stored_at", -PROGRESS_INTERVAL_SECONDS) < PROGRESS_INTERVAL_SECONDS:
        return
    run._progress_stored_at = now
    run.save(update_fields=["progress_done", "progress_total", "modified"])


def sync_run_finish(run: ArrowSyncRun, *, outcome: dict[str, Any], error_message: str = "") -> ArrowSyncRun:
    """Close the run: succeeded without ``error_message``, failed with one. Stores ``outcome``
    (Decimals and dates as strings) with its `operator_summary` sentences, and the last progress."""
    summary = operator_summary(kind=run.kind, outcome=outcome, error_message=error_message)
    run.outcome = json_safe({**outcome, SUMMARY_KEY: summary})
    run.error_message = error_message
    run.state = SyncRunState.FAILED if error_message else SyncRunState.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "error_message", "state", "finished_at", "progress_done", "progress_total",
                            "modified"])
    return run
