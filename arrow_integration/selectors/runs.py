"""Read-side queries of background runs (`ArrowSyncRun`): lists, look-ups, and what an error means.

Runs are listed newest first with their settings joined, so a page of runs costs one query.
Nothing here writes.
"""

from __future__ import annotations

import re
import uuid as uuid_module

from django.db.models import QuerySet

from arrow_client.periods import Period
from arrow_integration.models import ArrowSyncRun

# Every Arrow client error names the HTTP status ("Arrow GET whoami: HTTP 401: …", see
# `arrow_client.errors.describe_failure`), and runs store that text: a 401 or 403 is Arrow
# refusing the API key (or its rights).
_KEY_REFUSED = re.compile(r"\bHTTP 40[13]\b")


def sync_runs_queryset() -> QuerySet[ArrowSyncRun]:
    """All runs, newest first, with their settings."""
    return ArrowSyncRun.objects.select_related("settings").order_by("-created", "-id")


def sync_runs_filter(*, kind: str | None = None, state: str | None = None, period: Period | None = None,
                     settings_uuid: uuid_module.UUID | None = None) -> QuerySet[ArrowSyncRun]:
    """Runs matching every given criterion (None: any), newest first."""
    runs = sync_runs_queryset()
    if kind:
        runs = runs.filter(kind=kind)
    if state:
        runs = runs.filter(state=state)
    if period is not None:
        runs = runs.filter(period=period.first_day)
    if settings_uuid is not None:
        runs = runs.filter(settings__uuid=settings_uuid)
    return runs


def sync_run_get(run_uuid: uuid_module.UUID) -> ArrowSyncRun | None:
    """The run with this UUID, or None."""
    return sync_runs_queryset().filter(uuid=run_uuid).first()


def sync_runs_latest(*, limit: int) -> list[ArrowSyncRun]:
    """The ``limit`` most recent runs."""
    return list(sync_runs_queryset()[:limit])


def sync_run_key_refused(run: ArrowSyncRun) -> bool:
    """True when the run failed because Arrow refused the settings' API key.

    A billing or reconciliation run stores the error in ``error_message``; a consumption run
    lists one error per license in its outcome (``errors``): refused when every one of them is.
    """
    if _KEY_REFUSED.search(run.error_message or ""):
        return True
    errors = run.outcome.get("errors") if isinstance(run.outcome, dict) else None
    if not isinstance(errors, list) or not errors:
        return False
    return all(isinstance(error, dict) and _KEY_REFUSED.search(str(error.get("error", ""))) for error in errors)
