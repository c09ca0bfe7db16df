"""Progress and outcome of background runs, recorded on `ArrowSyncRun` rows.

A run is started before any Arrow call, reports progress while it works and is finished with an
outcome (a JSON-able dict of counts and reported problems) and, when it failed, an error message.
The writes here are single-row updates in autocommit mode, so progress is visible to other
connections while the run is still working. Nothing here touches invoices.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunState
from arrow_integration.models import ArrowSyncRun


def sync_run_start(*, settings, kind: str, period: Period | None = None, total: int | None = None) -> ArrowSyncRun:
    """Record that a run of ``kind`` started for ``settings`` (and ``period``)."""
    return ArrowSyncRun.objects.create(
        settings=settings,
        kind=kind,
        period=period.first_day if period else None,
        state=SyncRunState.RUNNING,
        progress_total=total,
    )


def sync_run_progress(run: ArrowSyncRun, *, done: int, total: int | None = None) -> None:
    """Store how many units of work are done (and, when known, how many there are)."""
    run.progress_done = done
    fields = ["progress_done", "modified"]
    if total is not None:
        run.progress_total = total
        fields.append("progress_total")
    run.save(update_fields=fields)


def sync_run_finish(run: ArrowSyncRun, *, outcome: dict[str, Any], error_message: str = "") -> ArrowSyncRun:
    """Close the run: succeeded without ``error_message``, failed with one. Stores ``outcome``."""
    run.outcome = outcome
    run.error_message = error_message
    run.state = SyncRunState.FAILED if error_message else SyncRunState.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "error_message", "state", "finished_at", "modified"])
    return run

