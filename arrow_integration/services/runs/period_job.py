"""The one way a period job runs: month lock, run record, Arrow errors, retries.

Every job of one settings row and one month (billing import, validation check, statement
reconciliation, consumption sync, consumption reconciliation) runs inside `period_job`:

1. it takes the (settings, month) lock (`locks.sync_period_lock`);
2. it records its run (`records.sync_run_begin`): the queued run it was given, else a new one;
3. the job's body calls Arrow and writes, filling the run's outcome and progress; the ledger
   names the run as the actor of every change it makes (`ledger.actor`);
4. the run is finished: succeeded, or failed with ``job.error_message`` (the failures the job
   reported without stopping: a customer's month that could not be written, say).

Failures follow one rule. A failure that may pass by itself (`TRANSIENT_ERRORS`: Arrow
unavailable after the client's own retries, the lock held by another run for too long) is
recorded on the run (failed, ``retryable`` in its outcome) and raised again, so that the task
retries it (`arrow_integration.tasks.base`). Any other Arrow error, and a refusal the job itself
names (`PeriodJob.refuse`), is recorded the same way and ends the job: the caller gets the failed
run back. Before the run is finished, ``job.on_failure`` (when the body set it) records the
message where else the operator looks (the billing syncs of the month, say). An unexpected
exception finishes the run failed too, then propagates.

Services return the finished `ArrowSyncRun`: one result type for every period job.
"""

from __future__ import annotations

import logging
import uuid as uuid_module
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from arrow_client import ArrowError, ArrowUnavailable, Period
from arrow_integration.models import ArrowSyncRun
from arrow_integration.services.ledger.actor import ledger_actor_of_run
from arrow_integration.services.runs.locks import SyncAlreadyRunning, sync_period_lock
from arrow_integration.services.runs.records import sync_run_begin, sync_run_finish, sync_run_progress

logger = logging.getLogger(__name__)

# Failures a later attempt may not meet: recorded, then raised for the task to retry.
TRANSIENT_ERRORS = (ArrowUnavailable, SyncAlreadyRunning)
RETRYABLE_KEY = "retryable"


class JobRefused(Exception):
    """Raised by `PeriodJob.refuse` to end the job's body; `period_job` records it and stops it."""


@dataclass
class PeriodJob:
    """A period job while it works: its run, the outcome it fills, what it reports."""

    run: ArrowSyncRun
    label: str  # "Billing import of 2026-10": failures read "<label> failed: <reason>"
    outcome: dict[str, Any] = field(default_factory=dict)
    # Failures that did not stop the job; a non-empty message makes the run end failed.
    error_message: str = ""
    # Called with the failure message before a failed run is finished.
    on_failure: Callable[[str], None] | None = None

    def progress(self, *, done: int, total: int | None = None) -> None:
        sync_run_progress(self.run, done=done, total=total)

    def refuse(self, reason: str) -> None:
        """End the job here as failed with ``reason`` (nothing more is written; no retry)."""
        raise JobRefused(reason)

    def fail(self, reason: str, *, retryable: bool = False) -> ArrowSyncRun:
        """Record the failure (``on_failure``, then the run finished failed); returns the run."""
        message = f"{self.label} failed: {reason}"
        if self.on_failure is not None:
            self.on_failure(message)
        outcome = {**self.outcome, RETRYABLE_KEY: True} if retryable else self.outcome
        return sync_run_finish(self.run, outcome=outcome, error_message=message)


@contextmanager
def period_job(*, settings, kind: str, period: Period, label: str, outcome: dict[str, Any] | None = None,
               total: int | None = None, run_uuid: uuid_module.UUID | str | None = None) -> Iterator[PeriodJob]:
    """Run the body as the period job ``kind`` of ``settings`` and ``period`` (see the module).

    ``outcome`` starts the run's outcome; ``total`` is the known amount of work; ``run_uuid``
    names the queued run to take. The run is finished when the block ends; after the block,
    ``job.run`` is that finished run.
    """
    outcome = dict(outcome or {})
    with ExitStack() as held:
        try:
            held.enter_context(sync_period_lock(settings=settings, period=period))
        except SyncAlreadyRunning as exc:
            run = sync_run_begin(settings=settings, kind=kind, period=period, run_uuid=run_uuid, total=total,
                                 holds_scope_lock=False)
            PeriodJob(run=run, label=label, outcome=outcome).fail(str(exc), retryable=True)
            raise
        # Recorded once the lock is held: a run still marked running is then either this one
        # or a dead one (`records.sync_runs_close_interrupted`).
        run = sync_run_begin(settings=settings, kind=kind, period=period, run_uuid=run_uuid, total=total)
        held.enter_context(ledger_actor_of_run(run, settings=settings))  # the ledger names the run
        job = PeriodJob(run=run, label=label, outcome=outcome)
        try:
            yield job
        except TRANSIENT_ERRORS as exc:
            job.fail(str(exc), retryable=True)
            raise
        except (ArrowError, JobRefused) as exc:
            job.fail(str(exc))
        except BaseException as exc:
            _finish_after_unexpected(job, exc)
            raise
        else:
            sync_run_finish(run, outcome=job.outcome, error_message=job.error_message)


def _finish_after_unexpected(job: PeriodJob, exc: BaseException) -> None:
    """Close the run of a job stopped by an unexpected exception (which the caller raises again)."""
    try:
        sync_run_finish(job.run, outcome=job.outcome,
                        error_message=f"{job.label} failed: unexpected error ({type(exc).__name__})")
    except Exception:  # the database itself may be what failed: the original exception matters more
        logger.exception("Could not record the failure of run %s", job.run.uuid)
