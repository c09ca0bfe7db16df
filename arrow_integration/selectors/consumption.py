"""Read-side queries of consumption tracking: sync status, statistics, pending records, record lists.

Every aggregate is computed by the database (annotate/aggregate); each selector runs a constant
number of queries, whatever the number of records. Nothing here writes.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from arrow_integration.choices import PriceSource, SyncRunKind
from arrow_integration.models import ArrowConsumptionRecord, ArrowSettings, ArrowSyncRun
from arrow_integration.selectors.configuration import active_settings_get
from arrow_integration.selectors.sync_control import scheduled_syncs_paused
from core.models.invoices import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

PENDING_RECORDS_LIMIT = 100
CONSUMPTION_RUN_KINDS = (SyncRunKind.CONSUMPTION,)
_MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS + 6, decimal_places=MONEY_DECIMAL_PLACES)
_ZERO = Value(Decimal(0), output_field=_MONEY)
_FINALIZED = Q(finalized_at__isnull=False)
_RECONCILED = Q(reconciled_at__isnull=False)


def consumption_records_queryset() -> QuerySet[ArrowConsumptionRecord]:
    """Records with everything their API representation needs, in one query per page."""
    return ArrowConsumptionRecord.objects.select_related(
        "resource__project__customer", "invoice_item", "compensation_item"
    ).order_by("-billing_period", "id")


def price_source_current() -> str:
    """The price source amounts are shown in: the active settings', else sell."""
    settings = active_settings_get()
    return settings.invoice_price_source if settings else PriceSource.SELL


def _adjustment_sum(price_source: str) -> Coalesce:
    final, consumed = ("final_buy", "consumed_buy") if price_source == PriceSource.BUY else ("final_sell", "consumed_sell")
    difference = ExpressionWrapper(F(final) - F(consumed), output_field=_MONEY)
    return Coalesce(Sum(difference, filter=_FINALIZED), _ZERO, output_field=_MONEY)


def _counts() -> dict:
    return {
        "count": Count("id"),
        "finalized_count": Count("id", filter=_FINALIZED),
        "reconciled_count": Count("id", filter=_RECONCILED),
        "consumed_sell_sum": Coalesce(Sum("consumed_sell"), _ZERO, output_field=_MONEY),
    }


def consumption_statistics() -> dict:
    """Totals over all records and a per-period breakdown (newest first); three queries."""
    price_source = price_source_current()
    totals = ArrowConsumptionRecord.objects.aggregate(**_counts(), total_adjustments=_adjustment_sum(price_source))
    breakdown = (
        ArrowConsumptionRecord.objects.order_by()
        .values("billing_period")
        .annotate(**_counts())
        .order_by("-billing_period")
    )
    return {
        "total_records": totals["count"],
        "pending_records": totals["count"] - totals["finalized_count"],
        "finalized_records": totals["finalized_count"],
        "reconciled_records": totals["reconciled_count"],
        "total_consumed_sell": totals["consumed_sell_sum"],
        "total_adjustments": totals["total_adjustments"],
        "period_breakdown": [
            {
                "period": f"{row['billing_period']:%Y-%m}",
                "count": row["count"],
                "consumed_sell": row["consumed_sell_sum"],
                "finalized_count": row["finalized_count"],
                "reconciled_count": row["reconciled_count"],
            }
            for row in breakdown
        ],
    }


def consumption_status() -> dict:
    """Whether scheduled consumption syncs run (global and active settings) and the last run."""
    paused = scheduled_syncs_paused()
    settings: ArrowSettings | None = active_settings_get()
    runs = ArrowSyncRun.objects.filter(kind__in=CONSUMPTION_RUN_KINDS)
    last_run = runs.filter(settings=settings).order_by("-created", "-id").first() if settings else None
    return {
        "global_sync_enabled": not paused,
        "settings_sync_enabled": bool(settings and settings.sync_enabled),
        "settings_uuid": settings.uuid if settings else None,
        "last_sync_run": (last_run.finished_at or last_run.created) if last_run else None,
    }


def pending_records() -> list[ArrowConsumptionRecord]:
    """At most PENDING_RECORDS_LIMIT unfinalized records, newest period first."""
    queryset = (
        ArrowConsumptionRecord.objects.filter(finalized_at__isnull=True)
        .select_related("resource")
        .order_by("-billing_period", "id")
    )
    return list(queryset[:PENDING_RECORDS_LIMIT])
