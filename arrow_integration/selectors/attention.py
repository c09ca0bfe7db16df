"""What an operator must act on, as far as the database knows it today.

- failed runs that nothing fixed since: the latest run of their scope (settings, kind, month)
  failed;
- paused syncs: the global pause of the scheduled syncs, and active settings whose syncs are off;
- customers with Arrow charges but no mapping: the `unmapped_customers` of the latest
  whole-month billing run of each active settings row and month, less those mapped since;
- settings whose API key Arrow refused: the latest finished run of an active settings row
  failed with a 401/403 from Arrow (`runs.sync_run_key_refused`).

A constant number of queries (eight), whatever the number of runs. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunKind, SyncRunState
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowSyncControl, ArrowSyncRun
from arrow_integration.selectors.runs import sync_run_key_refused
from arrow_integration.selectors.sync_control import global_pause_get

FAILED_RUNS_SHOWN = 10
UNMAPPED_OUTCOME_KEY = "unmapped_customers"
# Runs without a period share one scope per settings and kind: NULL never equals NULL in SQL.
_NO_PERIOD = Value(dt.date(1, 1, 1))


@dataclass(frozen=True)
class UnmappedCustomer:
    """An Arrow customer (reference, or company name when the export had no id) with lines but no mapping."""

    settings: ArrowSettings
    customer: str
    lines: int
    periods: tuple[Period, ...]


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
    unmapped_customers: list[UnmappedCustomer] = field(default_factory=list)
    refused_keys: list[RefusedKey] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (self.failed_runs_total + (1 if self.global_pause else 0) + len(self.paused_settings)
                + len(self.unmapped_customers) + len(self.refused_keys))


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


def _latest_billing_outcomes(since: Period) -> list[ArrowSyncRun]:
    """Per active settings row and month from ``since``: the latest whole-month billing run that
    reported unmapped customers (a one-license import reads no other customer's lines)."""
    reporting = ArrowSyncRun.objects.filter(
        Q(outcome__license_reference=None) | ~Q(outcome__has_key="license_reference"),
        kind=SyncRunKind.BILLING, settings__is_active=True, period__gte=since.first_day,
        outcome__has_key=UNMAPPED_OUTCOME_KEY,
    )
    newer = reporting.filter(settings=OuterRef("settings"), period=OuterRef("period"), created__gt=OuterRef("created"))
    return list(reporting.exclude(Exists(newer)).select_related("settings").order_by("settings_id", "period"))


def unmapped_customers_with_charges(*, since: Period) -> list[UnmappedCustomer]:
    """Arrow customers whose lines the latest billing runs could not assign, most lines first."""
    runs = _latest_billing_outcomes(since)
    mapped = set(
        ArrowCustomerMapping.objects.filter(settings_id__in={run.settings_id for run in runs}, is_active=True)
        .values_list("settings_id", "arrow_reference")
    )
    lines: dict[tuple[int, str], int] = defaultdict(int)
    periods: dict[tuple[int, str], set[Period]] = defaultdict(set)
    settings_by_id = {}
    for run in runs:
        settings_by_id[run.settings_id] = run.settings
        unmapped = run.outcome.get(UNMAPPED_OUTCOME_KEY)
        for customer, count in (unmapped.items() if isinstance(unmapped, dict) else ()):
            if (run.settings_id, customer) in mapped or not isinstance(count, int) or count <= 0:
                continue
            lines[(run.settings_id, customer)] += count
            periods[(run.settings_id, customer)].add(Period.from_date(run.period))
    found = [
        UnmappedCustomer(settings=settings_by_id[settings_id], customer=customer, lines=count,
                         periods=tuple(sorted(periods[(settings_id, customer)])))
        for (settings_id, customer), count in lines.items()
    ]
    return sorted(found, key=lambda entry: (-entry.lines, entry.customer))


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


def operator_warnings(*, since: Period) -> OperatorWarnings:
    """Everything of this module's list at once; ``since`` bounds the months whose runs are read
    for unmapped customers."""
    failed = failed_runs_unresolved()
    return OperatorWarnings(
        failed_runs=list(failed[:FAILED_RUNS_SHOWN]),
        failed_runs_total=failed.count(),
        global_pause=global_pause_get(),
        paused_settings=list(ArrowSettings.objects.filter(is_active=True, sync_enabled=False).order_by("id")),
        unmapped_customers=unmapped_customers_with_charges(since=since),
        refused_keys=settings_with_refused_key(),
    )
