"""Consumption reconciliation: finalize a closed month's records against the billing export.

For a period whose billing Arrow has validated (every export line of the mapped customers
carries a `Validation Date`; `force` accepts an unvalidated past month; the current month is never
finalized), each record of the period gets its final sell/buy from the export lines of its
license (`ARS Subscription ID`, the lines of a license-month summed) and `finalized_at`. A record
charged through a provisional item then gets one compensation item for the difference between
the final amount in the settings' price source and what that item invoiced, on the customer's
current pending invoice, when the difference is at least COMPENSATION_THRESHOLD; `reconciled_at`
is stamped in the same transaction, so running again creates nothing. Records without a
provisional item (the statement sync charged that license-month) are finalized and reconciled
without a compensation: the billing sync and its reconciliation own them.

A customer whose lines cannot all be attributed (an unparseable row, a line without license
reference, a repeated line reference) is left untouched and reported, never finalized from
partial data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from arrow_client import Period
from arrow_integration.choices import COMPENSATION_THRESHOLD, PriceSource, SyncRunKind
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowConsumptionRecord, ArrowSettings, ArrowSyncRun
from arrow_integration.services.billing.compensation import CompensationEntry, compensation_items_bulk_create
from arrow_integration.services.billing.grouping import ExportGrouping, MappingIndex, billing_export_group
from arrow_integration.services.billing.month_validation import period_is_closed
from arrow_integration.services.ledger.record import money_text
from arrow_integration.services.runs.period_job import period_job
from core.models import Customer
from core.services.bulk_rows import rows_update

ZERO = Decimal(0)
MAX_REPORTED_PROBLEMS = 50
RECONCILED_RECORD_FIELDS = ["final_sell", "final_buy", "finalized_at", "reconciled_at", "compensation_item",
                            "modified"]


@dataclass
class FinalAmounts:
    """Final export totals of one customer's licenses for the period, or why they are unusable."""

    customer_uuid: str = ""
    customer_name: str = ""
    by_license: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    lines: int = 0
    unvalidated_lines: int = 0

    def add(self, license_reference: str, sell: Decimal, buy: Decimal) -> None:
        old_sell, old_buy = self.by_license.get(license_reference, (ZERO, ZERO))
        self.by_license[license_reference] = (old_sell + sell, old_buy + buy)

    def final(self, license_reference: str) -> tuple[Decimal, Decimal]:
        return self.by_license.get(license_reference, (ZERO, ZERO))


def final_amounts_by_customer(grouping: ExportGrouping, index: MappingIndex) -> dict[int, FinalAmounts]:
    """Sum the spooled export lines per local customer and license (customers by mapping)."""
    finals: dict[int, FinalAmounts] = defaultdict(FinalAmounts)
    for mapping in index.mappings.values():
        amounts = finals[mapping.waldur_customer_id]
        amounts.customer_uuid, amounts.customer_name = str(mapping.waldur_customer.uuid), mapping.waldur_customer.name
        amounts.problems.extend(grouping.mapping_problems(mapping.pk))
        for line in grouping.spool.lines(mapping.pk):
            amounts.lines += 1
            amounts.unvalidated_lines += 0 if line.is_validated else 1
            if not line.license_reference:
                amounts.problems.append(f"line {line.line_reference} has no license reference (ARS Subscription ID)")
                continue
            amounts.add(line.license_reference, line.sell_total, line.buy_total)
    return finals


def billing_is_validated(finals: dict[int, FinalAmounts]) -> bool:
    """Arrow validated the period: there are lines and every one carries a Validation Date."""
    lines = sum(amounts.lines for amounts in finals.values())
    return lines > 0 and not any(amounts.unvalidated_lines for amounts in finals.values())


def _amount_in(price_source: str, sell: Decimal, buy: Decimal) -> Decimal:
    return buy if price_source == PriceSource.BUY else sell


@dataclass(slots=True)
class _RecordState:
    """What reconciliation reads and writes of one record (read as a flat row: 100 000 records
    would cost seconds as model instances with their resource, project and invoice item)."""

    pk: int
    uuid: object
    license_reference: str
    final_sell: Decimal | None
    final_buy: Decimal | None
    finalized_at: dt.datetime | None
    invoice_item_id: int | None
    invoice_item_uuid: object
    invoice_item_total: Decimal | None
    resource_id: int
    resource_name: str
    project_id: int
    reconciled_at: dt.datetime | None = None
    compensation_item_id: int | None = None

    COLUMNS = ("pk", "uuid", "license_reference", "final_sell", "final_buy", "finalized_at", "invoice_item_id",
               "invoice_item__uuid", "invoice_item__unit_price", "invoice_item__quantity", "resource_id",
               "resource__name", "resource__project_id")

    @classmethod
    def from_row(cls, row: tuple) -> _RecordState:
        unit_price, quantity = row[8], row[9]
        total = unit_price * quantity if row[6] is not None else None
        return cls(*row[:8], total, *row[10:])

    def update_row(self, now: dt.datetime) -> tuple:
        """Values of RECONCILED_RECORD_FIELDS, then the primary key."""
        return (self.final_sell, self.final_buy, self.finalized_at, self.reconciled_at, self.compensation_item_id,
                now, self.pk)


def _reconcile_record(
    record: _RecordState, amounts: FinalAmounts, settings: ArrowSettings, now: dt.datetime, period: Period,
) -> CompensationEntry | None:
    """Finalize and reconcile one record in memory; the compensation it needs, if any."""
    if record.finalized_at is None:
        record.final_sell, record.final_buy = amounts.final(record.license_reference)
        record.finalized_at = now
    record.reconciled_at = now
    if record.invoice_item_id is None:
        return None
    final = _amount_in(settings.invoice_price_source, record.final_sell, record.final_buy)
    difference = final - record.invoice_item_total
    if abs(difference) < COMPENSATION_THRESHOLD:
        return None
    return CompensationEntry(
        amount=difference,
        description=f"{record.resource_name} ({record.license_reference})",
        details={
            "reason": "consumption_reconciliation",
            "consumption_record_uuid": str(record.uuid),
            "license_reference": record.license_reference,
            "original_invoice_item_uuid": str(record.invoice_item_uuid),
            "invoiced_amount": str(record.invoice_item_total),
            "final_amount": str(final),
            "price_source": settings.invoice_price_source,
        },
        resource_id=record.resource_id,
        project_id=record.project_id,
        ledger_reason=(f"Arrow final {money_text(final)} vs invoiced {money_text(record.invoice_item_total)} "
                       f"for {period}"),
    )


def _reconcile_customer(
    *, customer_id: int, amounts: FinalAmounts, settings: ArrowSettings, period: Period, outcome: dict,
    today: dt.date | None,
) -> None:
    """All records of one customer and period, in one transaction and a constant number of queries
    (compensations and record updates are written in bulk)."""
    now = timezone.now()
    with transaction.atomic():
        records = [
            _RecordState.from_row(row)
            for row in ArrowConsumptionRecord.objects.filter(
                billing_period=period.first_day, resource__project__customer_id=customer_id,
                reconciled_at__isnull=True,
            ).order_by("id").values_list(*_RecordState.COLUMNS)
        ]
        compensated = []
        for record in records:
            outcome["records_finalized"] += 1 if record.finalized_at is None else 0
            entry = _reconcile_record(record, amounts, settings, now, period)
            if entry is not None:
                compensated.append((record, entry))
        if compensated:
            item_ids = compensation_items_bulk_create(
                customer=Customer.objects.get(pk=customer_id), period=period,
                entries=[entry for _, entry in compensated], name_prefix=settings.invoice_item_prefix, today=today,
                ledger_cause="consumption reconciliation",
            )
            for (record, entry), item_id in zip(compensated, item_ids, strict=True):
                record.compensation_item_id = item_id
                outcome["compensations_created"] += 1
                outcome["compensation_total"] += entry.amount
        rows_update(ArrowConsumptionRecord, RECONCILED_RECORD_FIELDS, [record.update_row(now) for record in records])
        outcome["records_reconciled"] += len(records)


def _new_outcome(period: Period, force: bool) -> dict:
    return {
        "period": str(period), "force": force, "validated": False, "lines": 0, "records_finalized": 0,
        "records_reconciled": 0, "compensations_created": 0, "compensation_total": ZERO, "skipped_customers": [],
    }


def consumption_reconciliation_run_period(
    *, settings: ArrowSettings, period: Period, force: bool = False, today: dt.date | None = None, run_uuid=None,
) -> ArrowSyncRun:
    """Finalize and reconcile the consumption records of `period`; returns the finished run.

    A period job (`runs.period_job`; ``run_uuid`` names a queued run to take). Does nothing (and
    says why) for the current or a future month, or when Arrow has not validated the period and
    `force` is not set; nothing is half-written.
    """
    with period_job(settings=settings, kind=SyncRunKind.CONSUMPTION_RECONCILIATION, period=period, run_uuid=run_uuid,
                    label=f"Consumption reconciliation of {period}", outcome=_new_outcome(period, force)) as job:
        outcome = job.outcome
        if not period_is_closed(period, today):
            outcome["reason"] = "The month has not ended; only closed months are finalized."
            return job.run
        index = MappingIndex.for_settings(settings)
        with arrow_client_for(settings) as client:
            grouping = billing_export_group(client=client, settings=settings, period=period, index=index)
            with grouping.spool:
                finals = final_amounts_by_customer(grouping, index)
        outcome["lines"] = sum(amounts.lines for amounts in finals.values())
        outcome["validated"] = billing_is_validated(finals)
        if not outcome["validated"] and not force:
            outcome["reason"] = "Arrow has not validated the billing of this period yet."
            return job.run
        for customer_id, amounts in finals.items():
            if amounts.problems:
                outcome["skipped_customers"].append({
                    "customer_uuid": amounts.customer_uuid, "customer_name": amounts.customer_name,
                    "problems": amounts.problems[:MAX_REPORTED_PROBLEMS],
                })
                continue
            _reconcile_customer(customer_id=customer_id, amounts=amounts, settings=settings, period=period,
                                outcome=outcome, today=today)
        if outcome["skipped_customers"]:
            job.error_message = f"{len(outcome['skipped_customers'])} customer(s) left unreconciled, see the outcome."
    return job.run
