"""Who the ledger names as the actor of a change: the request's user, the run, or a named caller.

The actor is not passed down through every service: it is the context a change happens in.

- `ledger_actor_of_request` (the middleware `arrow_integration.middleware`): every write made
  while serving a request is the request's user's ("user alice"). The user is read when an
  entry is written, because the API authenticates a token inside the view;
- `ledger_actor_of_run` (`runs.period_job`): every write of a run names the run (its row and
  uuid) and whoever triggered it: "user alice" (queued through the API), "schedule" (beat), or
  "run <uuid>" (started otherwise), and its settings are the default settings of its entries;
- `ledger_actor_named`: a management command names itself ("command repair_duplicate_charges").

The innermost context wins (a run executed inside a request is the run's). Without any, the
actor is "system". Context variables follow the thread (and asyncio task) they were set in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from arrow_integration.choices import SyncRunTrigger
from arrow_integration.models import ArrowSettings, ArrowSyncRun

SYSTEM_LABEL = "system"
SCHEDULE_LABEL = SyncRunTrigger.SCHEDULE.value


@dataclass(frozen=True)
class LedgerActor:
    """The actor of the entries written now."""

    label: str
    user_id: int | None = None
    run_id: int | None = None
    run_uuid: uuid.UUID | None = None
    # The settings a run works for: the settings of its entries when a writer names none.
    settings: ArrowSettings | None = None


SYSTEM = LedgerActor(label=SYSTEM_LABEL)
_current: ContextVar[Callable[[], LedgerActor] | None] = ContextVar("arrow_ledger_actor", default=None)


def user_label(user) -> str:
    return f"user {user.get_username()}"


def current_actor() -> LedgerActor:
    """The actor of the innermost context, else `SYSTEM`."""
    resolve = _current.get()
    return SYSTEM if resolve is None else resolve()


@contextmanager
def _acting(resolve: Callable[[], LedgerActor]) -> Iterator[None]:
    token = _current.set(resolve)
    try:
        yield
    finally:
        _current.reset(token)


def ledger_actor_of_request(request):
    """Context: writes are by the request's user (read when an entry is written)."""

    def resolve() -> LedgerActor:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return SYSTEM
        return LedgerActor(label=user_label(user), user_id=user.pk)

    return _acting(resolve)


def run_actor(run: ArrowSyncRun, *, settings: ArrowSettings | None = None) -> LedgerActor:
    """The actor of ``run``'s writes: whoever triggered it, with the run itself."""
    if run.triggered_by_user_id is not None:
        label = user_label(run.triggered_by_user)
    elif run.triggered_by == SyncRunTrigger.SCHEDULE:
        label = SCHEDULE_LABEL
    else:
        label = f"run {run.uuid}"
    return LedgerActor(label=label, user_id=run.triggered_by_user_id, run_id=run.pk, run_uuid=run.uuid,
                       settings=settings)


def ledger_actor_of_run(run: ArrowSyncRun, *, settings: ArrowSettings | None = None):
    """Context: writes are by ``run`` (see `run_actor`)."""
    actor = run_actor(run, settings=settings)
    return _acting(lambda: actor)


def ledger_actor_named(label: str):
    """Context: writes are by ``label`` (a command, a migration)."""
    actor = LedgerActor(label=label)
    return _acting(lambda: actor)
