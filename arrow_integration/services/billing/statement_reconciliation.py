"""Statement reconciliation: settle what was invoiced against Arrow's final (validated) billing.

`reconciliation_run_period` re-reads a month's export, refreshes each billing sync item's
validation date and final price, validates complete syncs, and for Validated syncs (Synced ones
too with ``force``) turns every difference of at least COMPENSATION_THRESHOLD between the final
price and what the line was invoiced into one compensation item on the customer's current
pending invoice. Lines that appear only in the final export are charged like imported lines
(or, when another sync holds their item, taken over: a line is charged once, SPEC 6.9);
lines missing from it are reported on the sync and in the outcome, never credited blindly.
Items of license-months charged by consumption tracking are left to consumption reconciliation.
A sync ends Reconciled also when nothing needed compensation. Running it again creates nothing:
the comparison is against the amount already invoiced, compensations included.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from arrow_client import ArrowClient, Period
from arrow_integration.choices import BillingSyncState, SyncRunKind
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowSyncRun
from arrow_integration.services.billing.grouping import (
    MAX_REPORTED_ENTRIES,
    MappingIndex,
    billing_export_group,
    export_client,
)
from arrow_integration.services.billing.import_period import BillingImportError
from arrow_integration.services.billing.items import MappingImport, billing_sync_add_lines
from arrow_integration.services.billing.line_builders import sync_item_invoiced_amount
from arrow_integration.services.billing.line_charges import sync_item_compensate
from arrow_integration.services.billing.line_identity import sync_items_adopt, sync_totals_refresh
from arrow_integration.services.billing.month_validation import billing_sync_validate_if_complete
from arrow_integration.services.runs.period_job import period_job
from arrow_integration.services.runs.records import sync_run_progress
from core.services.bulk_rows import objects_update
from core.services.invoices import InvoiceNotPending

ZERO = Decimal(0)
REFRESHED_FIELDS = ["validation_date", "final_price", "sell_price", "buy_price", "modified"]


@dataclass
class SyncReconciliation:
    """What reconciling one billing sync did."""

    reconciled: bool = False
    compensations: int = 0
    compensated_amount: Decimal = ZERO
    lines_added: int = 0
    left_to_consumption: int = 0
    missing: list[str] = field(default_factory=list)


def _eligible(sync: ArrowBillingSync, force: bool) -> bool:
    if sync.state == BillingSyncState.VALIDATED:
        return True
    return force and sync.state in (BillingSyncState.SYNCED, BillingSyncState.RECONCILED)


def _missing_message(period: Period, missing: list[str]) -> str:
    shown = ", ".join(missing[:MAX_REPORTED_ENTRIES])
    return f"Reconciliation of {period}: {len(missing)} line(s) missing from the final export, not credited: {shown}"


def reconciliation_apply_sync(
    *, sync: ArrowBillingSync, lines, settings, force: bool, today: datetime.date
) -> SyncReconciliation:
    """Reconcile one sync against its mapping's final export ``lines`` in one transaction.

    Raises `InvoiceNotPending` (the current invoice got issued meanwhile) or `IntegrityError`;
    nothing of the sync is written then.
    """
    result = SyncReconciliation()
    period = Period.from_date(sync.report_period)
    source = settings.invoice_price_source
    with transaction.atomic():
        charging = _charging_items(sync, settings).select_related("invoice_item__invoice__customer",
                                                                    "compensation_item__invoice")
        items = {item.arrow_line_reference: item for item in charging}
        final, new_lines = {}, []
        for line in lines:
            if line.line_reference in items:
                final[line.line_reference] = line
            else:
                new_lines.append(line)
        adopted = sync_items_adopt(sync=sync, account=settings.arrow_account,
                                   references=[line.line_reference for line in new_lines])
        if adopted:  # lines another sync charged: compared like the sync's own from here on
            items.update((item.arrow_line_reference, item)
                         for item in charging.filter(arrow_line_reference__in=adopted))
            final.update((line.line_reference, line) for line in new_lines if line.line_reference in adopted)
            new_lines = [line for line in new_lines if line.line_reference not in adopted]
        refreshed = []
        for reference, line in final.items():
            item = items[reference]
            values = {"validation_date": line.validation_date, "final_price": line.total_for(source),
                      "sell_price": line.sell_total, "buy_price": line.buy_total}
            if any(getattr(item, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(item, name, value)
                refreshed.append(item)
        _save_items(refreshed, REFRESHED_FIELDS)
        result.missing = sorted(reference for reference in items if reference not in final)
        billing_sync_validate_if_complete(sync, today=today, missing=result.missing)
        if not _eligible(sync, force):
            return result
        compensated = []
        for reference in final:
            item = items[reference]
            if item.charged_by_consumption:
                result.left_to_consumption += 1
                continue
            difference = item.final_price - sync_item_invoiced_amount(item)
            if sync_item_compensate(
                item=item, difference=difference, settings=settings, period=period,
                customer=item.invoice_item.invoice.customer, reason="final billing differs", today=today,
                compared="Arrow final",
            ):
                compensated.append(item)
                result.compensated_amount += difference
        result.compensations = len(compensated)
        _save_items(compensated, ["compensation_item", "modified"])
        if new_lines:
            added = MappingImport()
            billing_sync_add_lines(sync=sync, lines=new_lines, settings=settings, today=today, result=added)
            result.lines_added = added.created
        _finish(sync, period=period, missing=result.missing, force=force)
        result.reconciled = True
    return result


def _charging_items(sync: ArrowBillingSync, settings):
    """The sync's items that charge lines of the settings' account (duplicates left out)."""
    return sync.items.filter(arrow_account=settings.arrow_account, duplicate_of__isnull=True)


def _save_items(items: list[ArrowBillingSyncItem], fields: list[str]) -> None:
    now = timezone.now()
    for item in items:
        item.modified = now
    objects_update(ArrowBillingSyncItem, items, fields)


def _finish(sync: ArrowBillingSync, *, period: Period, missing: list[str], force: bool) -> None:
    sync_totals_refresh([sync])
    sync.error_message = _missing_message(period, missing) if missing else ""
    sync.save(update_fields=["error_message", "modified"])
    sync.mark_reconciled(force=force)


def _reconcile_syncs(*, syncs, grouping, settings, period, force, today, run) -> dict:
    outcome = {"reconciled": [], "not_validated": [], "compensations": 0, "compensated_amount": ZERO,
               "lines_added": 0, "left_to_consumption_reconciliation": 0, "missing_lines": {}, "failures": {}}
    for number, sync in enumerate(syncs, start=1):
        reference = sync.customer_mapping.arrow_reference
        problems = grouping.mapping_problems(sync.customer_mapping_id)
        try:
            if problems:
                raise BillingImportError("; ".join(problems[:MAX_REPORTED_ENTRIES]))
            result = reconciliation_apply_sync(sync=sync, lines=grouping.spool.lines(sync.customer_mapping_id),
                                               settings=settings, force=force, today=today)
        except (BillingImportError, InvoiceNotPending, IntegrityError) as exc:
            message = f"Reconciliation of {period} for {reference} failed: {exc}"
            ArrowBillingSync.objects.filter(pk=sync.pk).update(error_message=message, modified=timezone.now())
            outcome["failures"][reference] = message
            continue
        finally:
            sync_run_progress(run, done=grouping.pages + number, total=grouping.pages + len(syncs))
        outcome["reconciled" if result.reconciled else "not_validated"].append(reference)
        outcome["compensations"] += result.compensations
        outcome["compensated_amount"] += result.compensated_amount
        outcome["lines_added"] += result.lines_added
        outcome["left_to_consumption_reconciliation"] += result.left_to_consumption
        if result.missing:
            outcome["missing_lines"][reference] = result.missing[:MAX_REPORTED_ENTRIES]
    return outcome


def reconciliation_run_period(
    *, settings, period: Period, force: bool = False, today: datetime.date | None = None,
    client: ArrowClient | None = None, run_uuid=None,
) -> ArrowSyncRun:
    """Reconcile ``period``'s billing syncs of ``settings``; returns the finished run.

    A period job (`runs.period_job`; ``run_uuid`` names a queued run to take). On an Arrow error
    nothing is written except ``error_message`` on the syncs (states unchanged).
    """
    today = today or timezone.now().date()
    with period_job(settings=settings, kind=SyncRunKind.RECONCILIATION, period=period, run_uuid=run_uuid,
                    label=f"Reconciliation of {period}", outcome={"period": str(period), "force": force}) as job:
        syncs = list(
            ArrowBillingSync.objects.filter(customer_mapping__settings=settings, report_period=period.first_day)
            .select_related("customer_mapping__waldur_customer", "invoice")
            .order_by("id")
        )
        job.outcome["already_reconciled"] = [
            sync.customer_mapping.arrow_reference for sync in syncs if sync.state == BillingSyncState.RECONCILED
        ]
        syncs = [sync for sync in syncs if sync.state != BillingSyncState.PENDING
                 and (force or sync.state != BillingSyncState.RECONCILED)]
        if not syncs:
            return job.run
        job.on_failure = lambda message: ArrowBillingSync.objects.filter(pk__in=[sync.pk for sync in syncs]).update(
            error_message=message, modified=timezone.now()
        )
        with export_client(settings, client) as arrow:
            grouping = billing_export_group(
                client=arrow, settings=settings, period=period,
                index=MappingIndex([sync.customer_mapping for sync in syncs]),
            )
        job.on_failure = None
        with grouping.spool:
            job.outcome.update(_reconcile_syncs(syncs=syncs, grouping=grouping, settings=settings, period=period,
                                                force=force, today=today, run=job.run))
        job.error_message = "; ".join(job.outcome["failures"].values())
    return job.run
