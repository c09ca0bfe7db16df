"""Writing one batch of a billing sync's lines: new items, unchanged items, changed items.

`billing_sync_import_batch` is the unit `billing_sync_import_mapping` repeats for every thousand
lines of a mapping's month, inside the mapping's transaction. Its lines are the ones the
grouping could not recognise by fingerprint as unchanged (`billing.fingerprints`):

- lines new to the sync become invoice items and sync items in bulk INSERTs
  (`billing_sync_add_lines`; a license-month already charged by consumption is linked instead);
- lines whose item another sync holds (`line_identity.sync_items_adopt`) are first taken over,
  and from then on are lines already imported;
- lines already imported are first compared with their stored item and invoice item, read as
  flat rows (`StoredItem`: one query for the batch, no model instances). Lines found unchanged end there
  (their item only takes the line's new fingerprint when it had another one);
- only lines whose stored item differs, or whose item was compensated or sits on an issued invoice,
  are loaded as objects and refreshed (`_refresh_item`): pending invoice items are updated in
  place, issued ones get a compensation on the current pending invoice.

The decision for a changed line is the same whichever way it was found; the flat read only
avoids building objects for lines that need nothing. Every item written gets its line's
fingerprint. Items are looked up by the line's identity (Arrow account, month, reference), so
the unique index on it serves every look-up. A correction goes to the customer whose invoice
charged the line (the mapped customer, unless the line was taken over from a mapping of
another local customer).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from arrow_client import BillingLine, Period
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem
from arrow_integration.services.billing.line_builders import (
    SYNC_ITEM_LINE_FIELDS,
    invoice_item_fields,
    sync_item_invoiced_amount,
    sync_item_line_fields,
)
from arrow_integration.services.billing.line_charges import (
    LineLookups,
    invoice_item_refresh,
    license_month_charged_by_consumption,
    resources_by_license,
    sync_item_compensate,
)
from arrow_integration.services.billing.line_identity import charged_items, sync_items_adopt
from arrow_integration.services.ledger.record import ledger_rows_created
from core.models import Invoice
from core.services.bulk_rows import objects_update, rows_insert, rows_update
from core.services.invoices import invoice_current_pending, invoice_items_bulk_insert

SYNC_ITEM_UPDATE_FIELDS = [*SYNC_ITEM_LINE_FIELDS, "original_price", "compensation_item", "line_fingerprint",
                           "modified"]
# What an invoice item of a line is compared on (`resource` and `project` as ids).
INVOICE_ITEM_COMPARED = ("name", "resource", "project", "unit_price", "quantity", "article_code", "start", "end",
                         "details")
ALWAYS_LOOK_UP = LineLookups()
NEW_LINE_CAUSE = "new Arrow export line"
LATE_LINE_CAUSE = "new Arrow export line, charged on a later invoice (its month's invoice was issued)"


@dataclass(frozen=True, slots=True)
class StoredItem:
    """An imported line's sync item and invoice item as the database holds them, read as one flat
    row (one query per batch, no model instances): what `_unchanged` compares a re-read line with."""

    line_reference: str
    item_id: int
    line_fingerprint: str
    charged_by_consumption: bool
    compensation_item_id: int | None
    original_price: Decimal
    invoice_id: int
    invoice_state: str
    line_fields: dict[str, Any]  # by name of SYNC_ITEM_LINE_FIELDS
    invoice_item: dict[str, Any]  # by name of INVOICE_ITEM_COMPARED

    OWN_COLUMNS = ("arrow_line_reference", "id", "line_fingerprint", "charged_by_consumption",
                   "compensation_item_id", "original_price", "invoice_item__invoice_id",
                   "invoice_item__invoice__state")
    COLUMNS = (*OWN_COLUMNS, *SYNC_ITEM_LINE_FIELDS,
               *(f"invoice_item__{name}_id" if name in ("resource", "project") else f"invoice_item__{name}"
                 for name in INVOICE_ITEM_COMPARED))

    @classmethod
    def from_row(cls, row: tuple) -> StoredItem:
        """The item of a row of `COLUMNS`."""
        values = iter(row)
        own = [next(values) for _ in cls.OWN_COLUMNS]
        line_fields = {name: next(values) for name in SYNC_ITEM_LINE_FIELDS}
        invoice_item = {name: next(values) for name in INVOICE_ITEM_COMPARED}
        return cls(*own, line_fields=line_fields, invoice_item=invoice_item)


@dataclass
class MappingImport:
    """Counts of what importing one mapping's month did."""

    created: int = 0
    updated: int = 0
    compensated: int = 0
    linked_to_consumption: int = 0
    late_charges: int = 0
    unchanged: int = 0
    adopted: int = 0
    missing: list[str] = field(default_factory=list)
    currencies: set[str] = field(default_factory=set)


def _sync_item_row(sync: ArrowBillingSync, line: BillingLine, invoice_item_id: int, settings, *,
                   charged_by_consumption: bool, fingerprint: str) -> dict:
    return {
        "billing_sync_id": sync.pk,
        "arrow_account": settings.arrow_account,
        "report_period": sync.report_period,
        "arrow_line_reference": line.line_reference,
        "invoice_item_id": invoice_item_id,
        "original_price": line.total_for(settings.invoice_price_source),
        "charged_by_consumption": charged_by_consumption,
        "line_fingerprint": fingerprint,
        **sync_item_line_fields(line),
    }


def billing_sync_add_lines(
    *, sync: ArrowBillingSync, lines: list[BillingLine], settings, today: datetime.date, result: MappingImport,
    lookups: LineLookups = ALWAYS_LOOK_UP, fingerprints: Mapping[str, str] | None = None,
) -> None:
    """Create the items of lines new to ``sync`` with multi-row INSERTs (a few queries per batch).

    A license-month already charged by consumption tracking is linked, not charged again. Lines
    of a month whose invoice is no longer pending are charged on the current pending invoice.
    ``fingerprints`` (by line reference) are stored on the items.
    """
    fingerprints = fingerprints or {}
    mapping = sync.customer_mapping
    customer = mapping.waldur_customer
    period = Period.from_date(sync.report_period)
    licenses = {line.license_reference for line in lines}
    provisional = license_month_charged_by_consumption(
        customer=customer, period=period, license_references=licenses
    ) if lookups.provisional_items else {}
    resources = resources_by_license(
        customer=customer, license_references=licenses
    ) if lookups.linked_resources else {}
    invoice = sync.invoice if sync.invoice.is_pending else invoice_current_pending(customer=customer, today=today)
    late = invoice.pk != sync.invoice_id
    charged: list[BillingLine] = []
    item_rows: list[dict] = []
    linked: list[tuple[BillingLine, int]] = []
    for line in lines:
        if line.license_reference in provisional:
            linked.append((line, provisional[line.license_reference].pk))
            continue
        fields = invoice_item_fields(
            line=line, settings=settings, arrow_reference=mapping.arrow_reference,
            resource=resources.get(line.license_reference), invoice_period=invoice.period,
        )
        if late:
            fields["details"]["charged_after_issue"] = True
        charged.append(line)
        item_rows.append(fields)
    item_ids = invoice_items_bulk_insert(invoice=invoice, rows=item_rows) if item_rows else []
    # Ledger: one entry per new charge, in this transaction.
    ledger_rows_created(invoice=invoice, rows=item_rows, ids=item_ids, settings=settings,
                        cause=LATE_LINE_CAUSE if late else NEW_LINE_CAUSE)
    rows_insert(ArrowBillingSyncItem, [
        *(_sync_item_row(sync, line, item_id, settings, charged_by_consumption=False,
                         fingerprint=fingerprints.get(line.line_reference, ""))
          for line, item_id in zip(charged, item_ids, strict=True)),
        *(_sync_item_row(sync, line, item_id, settings, charged_by_consumption=True,
                         fingerprint=fingerprints.get(line.line_reference, "")) for line, item_id in linked),
    ])
    result.created += len(charged) + len(linked)
    result.linked_to_consumption += len(linked)
    if late:
        result.late_charges += len(charged)


def _refresh_item(item: ArrowBillingSyncItem, line: BillingLine, *, settings, sync, resources,
                  today: datetime.date, result: MappingImport) -> bool:
    """Bring an imported item in line with a re-read line; True when the sync item must be saved."""
    dirty = False
    for name, value in sync_item_line_fields(line).items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            dirty = True
    if item.charged_by_consumption:
        result.unchanged += not dirty
        return dirty
    amount = line.total_for(settings.invoice_price_source)
    invoice_item = item.invoice_item
    if invoice_item.invoice.is_pending and item.compensation_item is None:
        fields = invoice_item_fields(
            line=line, settings=settings, arrow_reference=sync.customer_mapping.arrow_reference,
            resource=resources.get(line.license_reference), invoice_period=invoice_item.invoice.period,
        )
        if invoice_item.invoice.period != sync.report_period:
            fields["details"]["charged_after_issue"] = True
        wrote = invoice_item_refresh(item=invoice_item, fields=fields)
        result.updated += wrote
        if item.original_price != amount:
            item.original_price = amount
            dirty = True
    else:
        difference = amount - sync_item_invoiced_amount(item)
        wrote = sync_item_compensate(
            item=item, difference=difference, settings=settings, period=Period.from_date(sync.report_period),
            customer=invoice_item.invoice.customer, reason="billing export amount changed", today=today,
            compared="Arrow export",
        )
        result.compensated += wrote
        dirty = dirty or wrote
    result.unchanged += not (dirty or wrote)
    return dirty


def _unchanged(stored: StoredItem, line: BillingLine, *, settings, sync, resources, invoice_periods) -> bool:
    """True when ``line`` needs no write at all, judged from its stored item alone.

    False also when the stored row cannot tell (compensated item, issued invoice): those lines
    take the full path. Mirrors `_refresh_item` for a line that changes nothing.
    """
    if stored.line_fields != sync_item_line_fields(line):
        return False
    if stored.charged_by_consumption:
        return True
    if stored.compensation_item_id is not None or stored.invoice_state != Invoice.State.PENDING:
        return False
    if stored.original_price != line.total_for(settings.invoice_price_source):
        return False
    resource = resources.get(line.license_reference)
    invoice_period = invoice_periods[stored.invoice_id]
    fields = invoice_item_fields(
        line=line, settings=settings, arrow_reference=sync.customer_mapping.arrow_reference,
        resource=resource, invoice_period=invoice_period,
    )
    if invoice_period != sync.report_period:
        fields["details"]["charged_after_issue"] = True
    fields["resource"] = resource.pk if resource is not None else None
    fields["project"] = resource.project_id if resource is not None else None
    return stored.invoice_item == fields


def _sync_items(sync: ArrowBillingSync, settings, lines: list[BillingLine]):
    """The items of ``sync`` that charge ``lines``, found by the lines' identity."""
    return charged_items(account=settings.arrow_account, period=sync.report_period).filter(
        billing_sync=sync, arrow_line_reference__in=[line.line_reference for line in lines]
    )


def _stored_items(sync: ArrowBillingSync, settings, known: list[BillingLine]) -> dict[str, StoredItem]:
    """The stored items of ``known`` lines as flat rows (one query), by line reference."""
    rows = _sync_items(sync, settings, known).order_by().values_list(*StoredItem.COLUMNS)
    return {stored.line_reference: stored for stored in map(StoredItem.from_row, rows)}


def _changed_lines(sync: ArrowBillingSync, known: list[BillingLine], stored: dict[str, StoredItem], *, settings,
                   resources) -> list[BillingLine]:
    """The lines of ``known`` (all already imported) whose items may need a write."""
    invoice_ids = {item.invoice_id for item in stored.values()}
    invoice_periods = dict(Invoice.objects.filter(pk__in=invoice_ids).values_list("pk", "period"))
    return [
        line for line in known
        if not _unchanged(stored[line.line_reference], line, settings=settings, sync=sync, resources=resources,
                          invoice_periods=invoice_periods)
    ]


def billing_sync_import_batch(sync: ArrowBillingSync, imported: set[str], entries: tuple[tuple[BillingLine, str], ...],
                              *, settings, today: datetime.date, result: MappingImport,
                              lookups: LineLookups = ALWAYS_LOOK_UP,
                              held_elsewhere: set[str] = frozenset()) -> None:
    """Write one batch of ``sync``'s (line, fingerprint) entries; ``imported`` holds the line
    references the sync already has (lines taken over are added to it). ``held_elsewhere`` names
    lines whose items other syncs hold: those are taken over, not charged again. Items also get
    the fingerprint of the line they now match."""
    fingerprints = {line.line_reference: fingerprint for line, fingerprint in entries}
    candidates = [line.line_reference for line, _fingerprint in entries
                  if line.line_reference in held_elsewhere and line.line_reference not in imported]
    if candidates:
        adopted = sync_items_adopt(sync=sync, account=settings.arrow_account, references=candidates)
        imported |= adopted
        result.adopted += len(adopted)
    new_lines = [line for line, _fingerprint in entries if line.line_reference not in imported]
    if new_lines:
        billing_sync_add_lines(sync=sync, lines=new_lines, settings=settings, today=today, result=result,
                               lookups=lookups, fingerprints=fingerprints)
    known = [line for line, _fingerprint in entries if line.line_reference in imported]
    if not known:
        return
    resources = resources_by_license(
        customer=sync.customer_mapping.waldur_customer, license_references={line.license_reference for line in known}
    ) if lookups.linked_resources else {}
    stored = _stored_items(sync, settings, known)
    changed = _changed_lines(sync, known, stored, settings=settings, resources=resources)
    result.unchanged += len(known) - len(changed)
    dirty = _refresh_changed(sync, changed, fingerprints, settings=settings, resources=resources, today=today,
                             result=result) if changed else []
    # Lines found unchanged (or changed only on their invoice item) under a new fingerprint: an
    # item imported before fingerprints existed, or a row that differs only in unused columns.
    refreshed = {item.arrow_line_reference for item in dirty}
    rows_update(ArrowBillingSyncItem, ["line_fingerprint"], [
        (fingerprints[line.line_reference], stored[line.line_reference].item_id)
        for line in known
        if line.line_reference not in refreshed
        and stored[line.line_reference].line_fingerprint != fingerprints[line.line_reference]
    ])


def _refresh_changed(sync: ArrowBillingSync, changed: list[BillingLine], fingerprints: Mapping[str, str], *,
                     settings, resources, today: datetime.date, result: MappingImport) -> list[ArrowBillingSyncItem]:
    """Refresh the items of ``changed`` lines; returns the sync items written back."""
    existing = {
        item.arrow_line_reference: item
        for item in _sync_items(sync, settings, changed)
        .select_related("invoice_item__invoice__customer", "compensation_item__invoice")
    }
    dirty = [
        existing[line.line_reference]
        for line in changed
        if _refresh_item(existing[line.line_reference], line, settings=settings, sync=sync, resources=resources,
                         today=today, result=result)
    ]
    now = timezone.now()
    for item in dirty:
        item.modified = now
        item.line_fingerprint = fingerprints[item.arrow_line_reference]
    objects_update(ArrowBillingSyncItem, dirty, SYNC_ITEM_UPDATE_FIELDS)
    return dirty
