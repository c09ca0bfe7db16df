"""What an operator must act on, as far as the database knows it today.

- failed runs that nothing fixed since: the latest run of their scope (settings, kind, month)
  failed;
- paused syncs: the global pause of the scheduled syncs, and active settings whose syncs are off;
- settings whose API key Arrow refused: the latest finished run of an active settings row
  failed with a 401/403 from Arrow (`runs.sync_run_key_refused`).

What the months' figures call for (customers with Arrow charges but no mapping, lines left out
by the filters) comes from the month-close report (`month_close_summary`). A constant number of
queries (six), whatever the number of runs. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from arrow_integration.choices import SyncRunState
from arrow_integration.models import ArrowSettings, ArrowSyncControl, ArrowSyncRun
from arrow_integration.selectors.runs import sync_run_key_refused
from arrow_integration.selectors.sync_control import global_pause_get

FAILED_RUNS_SHOWN = 10
# Runs without a period share one scope per settings and kind: NULL never equals NULL in SQL.
_NO_PERIOD = Value(dt.date(1, 1, 1))


@dataclass(frozen=True)
class RefusedKey:
    settings: ArrowSettings
    run: ArrowSyncRun


@dataclass
class OperatorWarnings:
    failed_runs: list[ArrowSyncRun] = field(default_factory=list)
    failed_runs_total: int = 0
    global_pause: ArrowSyncControl | None = None
    paused_settings: list[ArrowSettings] = field(default_factory=list)
    refused_keys: list[RefusedKey] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (self.failed_runs_total + (1 if self.global_pause else 0) + len(self.paused_settings)
                + len(self.refused_keys))


def _with_scope(runs: QuerySet[ArrowSyncRun]) -> QuerySet[ArrowSyncRun]:
    return runs.annotate(scope_period=Coalesce("period", _NO_PERIOD))


def failed_runs_unresolved() -> QuerySet[ArrowSyncRun]:
    """Failed runs with no later successful run of the same settings, kind and month; newest first."""
    fixed_later = _with_scope(ArrowSyncRun.objects.filter(state=SyncRunState.SUCCEEDED)).filter(
        settings=OuterRef("settings"), kind=OuterRef("kind"), scope_period=OuterRef("scope_period"),
        created__gt=OuterRef("created"),
    )
    failed = _with_scope(ArrowSyncRun.objects.filter(state=SyncRunState.FAILED))
    return failed.exclude(Exists(fixed_later)).select_related("settings").order_by("-created", "-id")


def settings_with_refused_key() -> list[RefusedKey]:
    """Active settings whose latest finished run failed because Arrow refused the API key."""
    latest = ArrowSyncRun.objects.filter(settings=OuterRef("pk"), finished_at__isnull=False).order_by("-created", "-id")
    settings_rows = list(
        ArrowSettings.objects.filter(is_active=True).annotate(latest_run_id=Subquery(latest.values("id")[:1]))
    )
    runs = ArrowSyncRun.objects.in_bulk([row.latest_run_id for row in settings_rows if row.latest_run_id])
    return [
        RefusedKey(settings=row, run=runs[row.latest_run_id])
        for row in settings_rows
        if row.latest_run_id in runs and runs[row.latest_run_id].state == SyncRunState.FAILED
        and sync_run_key_refused(runs[row.latest_run_id])
    ]


def operator_warnings() -> OperatorWarnings:
    """Everything of this module's list at once."""
    failed = failed_runs_unresolved()
    return OperatorWarnings(
        failed_runs=list(failed[:FAILED_RUNS_SHOWN]),
        failed_runs_total=failed.count(),
        global_pause=global_pause_get(),
        paused_settings=list(ArrowSettings.objects.filter(is_active=True, sync_enabled=False).order_by("id")),
        refused_keys=settings_with_refused_key(),
    )
