"""Writing fetched consumption: records and their provisional invoice items, in bulk.

`consumption_apply` (this module) takes a batch of license-months whose consumption was fetched from Arrow and
upserts one `ArrowConsumptionRecord` per (resource, period, license) plus at most one provisional
invoice item per record, priced in the settings' price source (each item created or changed
with its ledger entry). It is idempotent: the same data
again changes no amount and creates nothing. It does no Arrow I/O and runs a constant number of
queries per batch (plus one per invoice that receives new items).

Rules kept here:
- a finalized record is never changed (historical sync may refresh its informational amounts
  with `refresh_finalized`, never its invoice items);
- zero usage keeps a record at zero; an earlier provisional item is corrected to zero, no item is
  created for zero;
- one path per license-month (SPEC 6.4): a license-month already charged by a statement line gets
  no provisional item (see `license_months_charged_by_statement`);
- an item on an invoice that is no longer pending is never touched; its record keeps the amounts
  that were invoiced, so reconciliation settles against what the customer was charged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from arrow_client import ConsumptionLine, ConsumptionTotals, Period
from arrow_integration.choices import PROVISIONAL_ITEM_SOURCE
from arrow_integration.models import ArrowBillingSyncItem, ArrowConsumptionRecord, ArrowSettings
from arrow_integration.services.ledger.record import ItemState, item_state, ledger_items_changed, ledger_items_created
from arrow_integration.services.runs.records import json_safe
from core.models import Invoice, InvoiceItem, Resource
from core.services.bulk_rows import objects_update
from core.services.invoices import (
    invoice_get_or_create,
    invoice_items_bulk_create,
    invoice_items_bulk_update,
    period_bounds,
)

ITEM_QUANTITY = Decimal(1)
WRITE_BATCH_SIZE = 500
RECORD_VALUE_FIELDS = ["consumed_sell", "consumed_buy", "raw_data", "last_sync_at", "invoice_item", "modified"]
CONSUMPTION_CAUSE = "Arrow consumption so far"

RecordKey = tuple[int, dt.date, str]


@dataclass(frozen=True)
class LicenseMonthConsumption:
    """The fetched consumption of one resource's license for one month."""

    resource: Resource
    license_reference: str
    period: Period
    lines: tuple[ConsumptionLine, ...]
    totals: ConsumptionTotals

    @property
    def key(self) -> RecordKey:
        return (self.resource.pk, self.period.first_day, self.license_reference)


@dataclass
class ApplyOutcome:
    """Counts of what a batch did; `merge` adds another batch's counts."""

    records_created: int = 0
    records_updated: int = 0
    records_unchanged: int = 0
    finalized_skipped: int = 0
    items_created: int = 0
    items_updated: int = 0
    charged_by_statement: int = 0
    invoice_not_pending: int = 0

    def merge(self, other: ApplyOutcome) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Plan:
    new_records: list[ArrowConsumptionRecord] = field(default_factory=list)
    changed_records: list[ArrowConsumptionRecord] = field(default_factory=list)
    unchanged_record_ids: set[int] = field(default_factory=set)
    changed_items: list[InvoiceItem] = field(default_factory=list)
    changed_items_before: list[ItemState] = field(default_factory=list)  # for the ledger, in the same order
    # (customer id, period) -> records that get a new provisional item
    new_items: dict[tuple[int, dt.date], list[tuple[ArrowConsumptionRecord, LicenseMonthConsumption]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def consumption_raw_data(consumption: LicenseMonthConsumption) -> dict:
    """What a record keeps of Arrow's answer for debugging: the lines as Arrow sent them."""
    return {
        "period": str(consumption.period),
        "currency": consumption.totals.currency,
        "line_count": consumption.totals.line_count,
        "lines": [json_safe(line.raw) for line in consumption.lines],
    }


def license_months_charged_by_statement(keys: Iterable[tuple[str, dt.date]]) -> set[tuple[str, dt.date]]:
    """The (license reference, period) pairs among `keys` that a billing statement line charged itself.

    SPEC 6.4, one path per license-month: a statement line of that license and month exists with
    `charged_by_consumption=False`, so consumption must not add a provisional item for it (the
    billing sync and its reconciliation own that license-month). One query.
    """
    keys = set(keys)
    if not keys:
        return set()
    rows = ArrowBillingSyncItem.objects.filter(
        charged_by_consumption=False,
        license_reference__in={reference for reference, _ in keys},
        billing_sync__report_period__in={period for _, period in keys},
    ).values_list("license_reference", "billing_sync__report_period")
    return keys & set(rows)


def provisional_item_name(settings: ArrowSettings, consumption: LicenseMonthConsumption) -> str:
    prefix = f"{settings.invoice_item_prefix.strip()} " if settings.invoice_item_prefix.strip() else ""
    name = f"{prefix}consumption {consumption.period}: {consumption.resource.name} ({consumption.license_reference})"
    return name[: InvoiceItem._meta.get_field("name").max_length]


def _provisional_item(
    settings: ArrowSettings, record: ArrowConsumptionRecord, consumption: LicenseMonthConsumption, amount: Decimal
) -> InvoiceItem:
    start, end = period_bounds(consumption.period.first_day)
    return InvoiceItem(
        name=provisional_item_name(settings, consumption),
        resource=consumption.resource,
        project=consumption.resource.project,
        unit_price=amount,
        quantity=ITEM_QUANTITY,
        article_code=consumption.license_reference,
        start=start,
        end=end,
        details=_item_details(settings, record, consumption),
    )


def _item_details(settings: ArrowSettings, record: ArrowConsumptionRecord, consumption: LicenseMonthConsumption) -> dict:
    return {
        "source": PROVISIONAL_ITEM_SOURCE,
        "provisional": True,
        "license_reference": consumption.license_reference,
        "period": str(consumption.period),
        "consumption_record_uuid": str(record.uuid),
        "price_source": settings.invoice_price_source,
        "currency": consumption.totals.currency,
    }


def _existing_records(batch: list[LicenseMonthConsumption]) -> dict[RecordKey, ArrowConsumptionRecord]:
    records = ArrowConsumptionRecord.objects.filter(
        resource_id__in={c.resource.pk for c in batch},
        billing_period__in={c.period.first_day for c in batch},
        license_reference__in={c.license_reference for c in batch},
    ).select_related("invoice_item__invoice")
    return {(r.resource_id, r.billing_period, r.license_reference): r for r in records}


def _assign_values(record: ArrowConsumptionRecord, consumption: LicenseMonthConsumption) -> bool:
    """Copy the fetched amounts onto the record; True if anything stored changed."""
    raw = consumption_raw_data(consumption)
    changed = (
        record.consumed_sell != consumption.totals.sell_total
        or record.consumed_buy != consumption.totals.buy_total
        or record.raw_data != raw
    )
    record.consumed_sell = consumption.totals.sell_total
    record.consumed_buy = consumption.totals.buy_total
    record.raw_data = raw
    return changed


def _plan_record(
    plan: _Plan,
    outcome: ApplyOutcome,
    settings: ArrowSettings,
    consumption: LicenseMonthConsumption,
    record: ArrowConsumptionRecord | None,
    charged_by_statement: bool,
    refresh_finalized: bool,
) -> None:
    """Decide what happens to one license-month; only `plan` and `outcome` change here."""
    if record is None:
        record = ArrowConsumptionRecord(
            resource=consumption.resource,
            license_reference=consumption.license_reference,
            billing_period=consumption.period.first_day,
        )
        _assign_values(record, consumption)
        plan.new_records.append(record)
        outcome.records_created += 1
    elif record.is_finalized:
        if refresh_finalized and _assign_values(record, consumption):
            plan.changed_records.append(record)
            outcome.records_updated += 1
        else:
            outcome.finalized_skipped += 1
        return
    elif record.invoice_item is not None and not record.invoice_item.invoice.is_pending:
        # Keep the amounts that were invoiced; reconciliation settles the rest.
        plan.unchanged_record_ids.add(record.pk)
        outcome.invoice_not_pending += 1
        return
    elif _assign_values(record, consumption):
        plan.changed_records.append(record)
        outcome.records_updated += 1
    else:
        plan.unchanged_record_ids.add(record.pk)
        outcome.records_unchanged += 1

    amount = consumption.totals.total_for(settings.invoice_price_source)
    item = record.invoice_item
    if item is not None:
        if item.unit_price != amount or item.quantity != ITEM_QUANTITY:
            plan.changed_items_before.append(item_state(item))
            item.unit_price, item.quantity = amount, ITEM_QUANTITY
            item.details = _item_details(settings, record, consumption)
            plan.changed_items.append(item)
            outcome.items_updated += 1
    elif charged_by_statement:
        outcome.charged_by_statement += 1
    elif amount != 0:
        customer_id = consumption.resource.project.customer_id
        plan.new_items[(customer_id, consumption.period.first_day)].append((record, consumption))


def _create_items(plan: _Plan, outcome: ApplyOutcome, settings: ArrowSettings, customers: dict[int, Any]) -> None:
    """Create the planned provisional items, one bulk insert per invoice, and link them."""
    for (customer_id, period), entries in plan.new_items.items():
        invoice: Invoice = invoice_get_or_create(customer=customers[customer_id], period=period)
        if not invoice.is_pending:
            outcome.invoice_not_pending += len(entries)
            continue
        items = [
            _provisional_item(settings, record, consumption, consumption.totals.total_for(settings.invoice_price_source))
            for record, consumption in entries
        ]
        created = invoice_items_bulk_create(invoice=invoice, items=items)
        ledger_items_created(created, cause=CONSUMPTION_CAUSE, settings=settings)
        for (record, _), item in zip(entries, created, strict=True):
            record.invoice_item = item
            if record.pk in plan.unchanged_record_ids:
                # An existing record without new amounts that gets its first provisional item.
                plan.changed_records.append(record)
                plan.unchanged_record_ids.discard(record.pk)
                outcome.records_unchanged -= 1
                outcome.records_updated += 1
        outcome.items_created += len(created)


def consumption_apply(
    *,
    settings: ArrowSettings,
    batch: list[LicenseMonthConsumption],
    refresh_finalized: bool = False,
    synced_at: dt.datetime | None = None,
) -> ApplyOutcome:
    """Upsert records and provisional items for `batch` in one transaction; returns the counts.

    Serialised with other writers (the transaction holds the write lock from its start on SQLite,
    the run's lock on PostgreSQL), so what it reads is what it writes against. Raises InvoiceNotPending only if an invoice is issued while the batch
    is being written (the batch then rolls back and a later run redoes it).
    """
    outcome = ApplyOutcome()
    if not batch:
        return outcome
    synced_at = synced_at or timezone.now()
    with transaction.atomic():
        existing = _existing_records(batch)
        charged = license_months_charged_by_statement((c.license_reference, c.period.first_day) for c in batch)
        plan = _Plan()
        for consumption in batch:
            _plan_record(
                plan, outcome, settings, consumption, existing.get(consumption.key),
                (consumption.license_reference, consumption.period.first_day) in charged, refresh_finalized,
            )
        customers = {c.resource.project.customer_id: c.resource.project.customer for c in batch}
        _create_items(plan, outcome, settings, customers)
        _write(plan, synced_at, settings)
    return outcome


def _write(plan: _Plan, synced_at: dt.datetime, settings: ArrowSettings) -> None:
    for record in plan.new_records + plan.changed_records:
        record.last_sync_at = synced_at
        record.modified = synced_at
    ArrowConsumptionRecord.objects.bulk_create(plan.new_records, batch_size=WRITE_BATCH_SIZE)
    objects_update(ArrowConsumptionRecord, plan.changed_records, RECORD_VALUE_FIELDS)
    invoice_items_bulk_update(items=plan.changed_items, fields=["unit_price", "quantity", "details"])
    ledger_items_changed(zip(plan.changed_items_before, plan.changed_items, strict=True), cause=CONSUMPTION_CAUSE,
                         settings=settings)
    if plan.unchanged_record_ids:
        ArrowConsumptionRecord.objects.filter(pk__in=plan.unchanged_record_ids).update(last_sync_at=synced_at)
