"""Deleting consumption records, with their provisional and compensation items where allowed.

`consumption_records_cleanup` selects records by period range, resource and finalization, counts what a
deletion would do and, unless `dry_run` (the default), does it in one transaction: the records
go, and so do their provisional and compensation items that sit on pending invoices (each with
its ledger entry). Items on issued invoices are never touched (they are counted in `items_kept_on_issued_invoices`).

A record whose provisional item is also the charge of a billing statement line (the billing sync
linked it, `ArrowBillingSyncItem.charged_by_consumption`) is kept with its items: deleting it
would leave that line without its charge or its reconciliation. Such records are counted in
`records_kept_linked_to_billing`. A dry run's counts equal what the real run then deletes.
"""

from __future__ import annotations

from django.db import transaction

from arrow_client import Period
from arrow_integration.models import ArrowBillingSyncItem, ArrowConsumptionRecord
from arrow_integration.services.ledger.record import ledger_items_removed
from core.models import Invoice, InvoiceItem, Resource
from core.services.invoices import invoice_items_bulk_delete


def cleanup_records_queryset(
    *, period_from: Period | None = None, period_to: Period | None = None, resource: Resource | None = None,
    only_finalized: bool = False, only_unfinalized: bool = False,
):
    records = ArrowConsumptionRecord.objects.all()
    if period_from is not None:
        records = records.filter(billing_period__gte=period_from.first_day)
    if period_to is not None:
        records = records.filter(billing_period__lte=period_to.first_day)
    if resource is not None:
        records = records.filter(resource=resource)
    if only_finalized:
        records = records.filter(finalized_at__isnull=False)
    if only_unfinalized:
        records = records.filter(finalized_at__isnull=True)
    return records


def consumption_records_cleanup(
    *, period_from: Period | None = None, period_to: Period | None = None, resource: Resource | None = None,
    only_finalized: bool = False, only_unfinalized: bool = False, dry_run: bool = True,
) -> dict:
    """Count (dry run) or delete the matching records and their removable items; returns the counts."""
    records = cleanup_records_queryset(
        period_from=period_from, period_to=period_to, resource=resource,
        only_finalized=only_finalized, only_unfinalized=only_unfinalized,
    )
    with transaction.atomic():
        rows = list(records.values_list("id", "invoice_item_id", "compensation_item_id"))
        provisional_ids = {item_id for _, item_id, _ in rows if item_id}
        billed = set(
            ArrowBillingSyncItem.objects.filter(invoice_item_id__in=provisional_ids).values_list(
                "invoice_item_id", flat=True
            )
        )
        doomed = [row for row in rows if row[1] not in billed]
        item_ids = {item_id for row in doomed for item_id in row[1:] if item_id}
        items = {item.pk: item for item in InvoiceItem.objects.filter(pk__in=item_ids).select_related("invoice")}
        removable = [item for item in items.values() if item.invoice.state == Invoice.State.PENDING]
        removable_ids = {item.pk for item in removable}
        result = {
            "dry_run": dry_run,
            "records_to_delete": len(doomed),
            "records_deleted": 0,
            "invoice_items_affected": sum(1 for row in doomed if row[1] in removable_ids),
            "compensation_items_affected": sum(1 for row in doomed if row[2] in removable_ids),
            "records_kept_linked_to_billing": len(rows) - len(doomed),
            "items_kept_on_issued_invoices": len(items) - len(removable),
        }
        if not dry_run:
            result["records_deleted"], _ = ArrowConsumptionRecord.objects.filter(
                pk__in=[row[0] for row in doomed]
            ).delete()
            invoice_items_bulk_delete(items=removable)
            ledger_items_removed(removable, cause="consumption records cleaned up")
    return result
