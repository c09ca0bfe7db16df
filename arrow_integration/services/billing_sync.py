"""Import of a month's billing export into billing syncs, billing sync items and invoice items.

`billing_sync_import_period` streams the export (never the whole of it in memory), groups lines
by active customer mapping and writes each mapping's month in one transaction: one
`ArrowBillingSync` per mapping and month on the customer's invoice of that month, one
`ArrowBillingSyncItem` per line, one invoice item per line priced in the settings' price source.

Idempotent: a second run with the same data writes nothing. A changed amount updates the item
of a pending invoice in place; when that invoice was issued, the difference becomes a
compensation item on the customer's current pending invoice. A new line whose month's invoice
was issued is charged on the current pending invoice. Lines that disappeared are reported,
never deleted. A mapping with an unparseable line or a repeated line reference is not written
at all; its sync keeps its state and gets `error_message`, which the next good run clears.
Arrow failures leave every mapping of the month unwritten (lines are spooled before any write).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from itertools import islice

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from arrow_client import ArrowClient, ArrowError, ArrowUnavailable, BillingLine, Period
from arrow_integration.choices import SyncRunKind
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowCustomerMapping
from arrow_integration.services import billing_lines
from arrow_integration.services.billing_grouping import (
    MAX_REPORTED_ENTRIES,
    MappingIndex,
    billing_export_group,
    export_client,
)
from arrow_integration.services.sync_lock import sync_period_lock, write_lock_acquire
from arrow_integration.services.sync_runs import sync_run_finish, sync_run_progress, sync_run_start
from arrow_integration.services.validation import billing_sync_validate_if_complete
from core.models import InvoiceItem
from core.services.invoices import (
    InvoiceNotPending,
    invoice_current_pending,
    invoice_get_or_create,
    invoice_items_bulk_create,
)

LINE_BATCH_SIZE = 1000
MAX_PROBLEMS_IN_MESSAGE = 5
ZERO = billing_lines.ZERO
SYNC_ITEM_UPDATE_FIELDS = [*billing_lines.SYNC_ITEM_LINE_FIELDS, "original_price", "compensation_item", "modified"]


def batched(iterable, size: int):
    """Tuples of up to ``size`` consecutive elements (itertools.batched arrives in Python 3.12)."""
    iterator = iter(iterable)
    while batch := tuple(islice(iterator, size)):
        yield batch


class BillingImportError(Exception):
    """A mapping's month cannot be imported as a whole (bad lines, mixed currencies, no export type)."""


@dataclass
class MappingImport:
    """Counts of what importing one mapping's month did."""

    created: int = 0
    updated: int = 0
    compensated: int = 0
    linked_to_consumption: int = 0
    late_charges: int = 0
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    currencies: set[str] = field(default_factory=set)


def billing_sync_get_or_create(*, mapping: ArrowCustomerMapping, period: Period) -> ArrowBillingSync:
    """The mapping's sync of ``period`` on the customer's invoice of that month (both created if missing)."""
    invoice = invoice_get_or_create(customer=mapping.waldur_customer, period=period.first_day)
    sync, _ = ArrowBillingSync.objects.get_or_create(
        customer_mapping=mapping, report_period=period.first_day, defaults={"invoice": invoice}
    )
    return sync


def billing_syncs_record_failure(*, mappings, period: Period, message: str) -> None:
    """Store ``message`` as the error of each mapping's sync of ``period``; states are not changed."""
    for mapping in mappings:
        with transaction.atomic():
            write_lock_acquire(ArrowBillingSync)
            sync = billing_sync_get_or_create(mapping=mapping, period=period)
            if sync.error_message != message:
                sync.error_message = message
                sync.save(update_fields=["error_message", "modified"])


def billing_sync_add_lines(
    *, sync: ArrowBillingSync, lines: list[BillingLine], settings, today: datetime.date, result: MappingImport
) -> None:
    """Create the items of lines new to ``sync``, with bulk writes (a few queries per batch).

    A license-month already charged by consumption tracking is linked, not charged again. Lines
    of a month whose invoice is no longer pending are charged on the current pending invoice.
    """
    mapping = sync.customer_mapping
    customer = mapping.waldur_customer
    period = Period.from_date(sync.report_period)
    licenses = {line.license_reference for line in lines}
    provisional = billing_lines.license_month_charged_by_consumption(
        customer=customer, period=period, license_references=licenses
    )
    resources = billing_lines.resources_by_license(customer=customer, license_references=licenses)
    invoice = sync.invoice if sync.invoice.is_pending else invoice_current_pending(customer=customer, today=today)
    charges: list[tuple[BillingLine, InvoiceItem]] = []
    linked: list[tuple[BillingLine, InvoiceItem]] = []
    for line in lines:
        if line.license_reference in provisional:
            linked.append((line, provisional[line.license_reference]))
            continue
        fields = billing_lines.invoice_item_fields(
            line=line, settings=settings, arrow_reference=mapping.arrow_reference,
            resource=resources.get(line.license_reference), invoice_period=invoice.period,
        )
        if invoice.pk != sync.invoice_id:
            fields["details"]["charged_after_issue"] = True
        charges.append((line, InvoiceItem(**fields)))
    if charges:
        invoice_items_bulk_create(invoice=invoice, items=[item for _, item in charges])
    ArrowBillingSyncItem.objects.bulk_create(
        [_new_sync_item(sync, line, item, settings, charged_by_consumption=False) for line, item in charges]
        + [_new_sync_item(sync, line, item, settings, charged_by_consumption=True) for line, item in linked]
    )
    result.created += len(charges) + len(linked)
    result.linked_to_consumption += len(linked)
    if invoice.pk != sync.invoice_id:
        result.late_charges += len(charges)


def _new_sync_item(sync, line: BillingLine, invoice_item: InvoiceItem, settings, *,
                   charged_by_consumption: bool) -> ArrowBillingSyncItem:
    return ArrowBillingSyncItem(
        billing_sync=sync,
        arrow_line_reference=line.line_reference,
        invoice_item=invoice_item,
        original_price=line.total_for(settings.invoice_price_source),
        charged_by_consumption=charged_by_consumption,
        **billing_lines.sync_item_line_fields(line),
    )


def _refresh_item(item: ArrowBillingSyncItem, line: BillingLine, *, settings, sync, resources,
                  today: datetime.date, result: MappingImport) -> bool:
    """Bring an imported item in line with a re-read line; True when the sync item must be saved."""
    dirty = False
    for name, value in billing_lines.sync_item_line_fields(line).items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            dirty = True
    if item.charged_by_consumption:
        result.unchanged += not dirty
        return dirty
    amount = line.total_for(settings.invoice_price_source)
    invoice_item = item.invoice_item
    if invoice_item.invoice.is_pending and item.compensation_item is None:
        fields = billing_lines.invoice_item_fields(
            line=line, settings=settings, arrow_reference=sync.customer_mapping.arrow_reference,
            resource=resources.get(line.license_reference), invoice_period=invoice_item.invoice.period,
        )
        if invoice_item.invoice_id != sync.invoice_id:
            fields["details"]["charged_after_issue"] = True
        wrote = billing_lines.invoice_item_refresh(item=invoice_item, fields=fields)
        result.updated += wrote
        if item.original_price != amount:
            item.original_price = amount
            dirty = True
    else:
        difference = amount - billing_lines.sync_item_invoiced_amount(item)
        wrote = billing_lines.sync_item_compensate(
            item=item, difference=difference, settings=settings, period=Period.from_date(sync.report_period),
            customer=sync.customer_mapping.waldur_customer, reason="billing export amount changed", today=today,
        )
        result.compensated += wrote
        dirty = dirty or wrote
    result.unchanged += not (dirty or wrote)
    return dirty


def _import_batch(sync, existing: dict[str, ArrowBillingSyncItem], lines: tuple[BillingLine, ...], *,
                  settings, today: datetime.date, result: MappingImport) -> None:
    new_lines = [line for line in lines if line.line_reference not in existing]
    if new_lines:
        billing_sync_add_lines(sync=sync, lines=new_lines, settings=settings, today=today, result=result)
    known = [line for line in lines if line.line_reference in existing]
    if not known:
        return
    resources = billing_lines.resources_by_license(
        customer=sync.customer_mapping.waldur_customer, license_references={line.license_reference for line in known}
    )
    dirty = [
        existing[line.line_reference]
        for line in known
        if _refresh_item(existing[line.line_reference], line, settings=settings, sync=sync, resources=resources,
                         today=today, result=result)
    ]
    now = timezone.now()
    for item in dirty:
        item.modified = now
    ArrowBillingSyncItem.objects.bulk_update(dirty, SYNC_ITEM_UPDATE_FIELDS, batch_size=500)


def _sync_finish(sync: ArrowBillingSync, *, currencies: set[str], today: datetime.date, missing: list[str]) -> None:
    """Totals from the items, currency from the lines, error cleared, Synced (then maybe Validated)."""
    if len(currencies) > 1:
        raise BillingImportError(f"lines in several currencies: {', '.join(sorted(currencies))}")
    totals = sync.items.aggregate(sell=Coalesce(Sum("sell_price"), ZERO), buy=Coalesce(Sum("buy_price"), ZERO))
    values = {"sell_total": totals["sell"], "buy_total": totals["buy"], "error_message": ""}
    if currencies:
        values["currency"] = next(iter(currencies))
    changed = [name for name, value in values.items() if getattr(sync, name) != value]
    for name in changed:
        setattr(sync, name, values[name])
    if changed:
        sync.save(update_fields=[*changed, "modified"])
    sync.mark_synced()
    billing_sync_validate_if_complete(sync, today=today, missing=missing)


def billing_sync_import_mapping(
    *, settings, mapping: ArrowCustomerMapping, period: Period, lines, today: datetime.date,
    license_reference: str | None = None,
) -> MappingImport:
    """Write one mapping's month from its export ``lines`` in a single transaction.

    Raises `BillingImportError`, `InvoiceNotPending` (an invoice issued meanwhile) or
    `IntegrityError` (a concurrent writer); nothing of the mapping's month is written then.
    """
    result = MappingImport()
    with transaction.atomic():
        write_lock_acquire(ArrowBillingSync)
        sync = billing_sync_get_or_create(mapping=mapping, period=period)
        sync.customer_mapping = mapping
        # Only references are kept for the whole month; items are loaded one batch at a time.
        known = sync.items.filter(license_reference=license_reference) if license_reference else sync.items.all()
        imported = set(known.values_list("arrow_line_reference", flat=True))
        seen: set[str] = set()
        for batch in batched(lines, LINE_BATCH_SIZE):
            references = [line.line_reference for line in batch]
            seen.update(references)
            result.currencies.update(line.currency for line in batch if line.currency)
            existing = {
                item.arrow_line_reference: item
                for item in sync.items.filter(arrow_line_reference__in=[ref for ref in references if ref in imported])
                .select_related("invoice_item__invoice", "compensation_item__invoice")
            } if imported else {}
            _import_batch(sync, existing, batch, settings=settings, today=today, result=result)
        result.missing = sorted(imported - seen)
        _sync_finish(sync, currencies=result.currencies, today=today, missing=result.missing)
    return result


def _failure_message(period: Period, mapping: ArrowCustomerMapping, problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_PROBLEMS_IN_MESSAGE])
    more = len(problems) - MAX_PROBLEMS_IN_MESSAGE
    suffix = f"; and {more} more" if more > 0 else ""
    return f"Billing import of {period} for {mapping.arrow_reference} failed: {shown}{suffix}"


def _mapping_ids_to_import(grouping, index: MappingIndex, period: Period, license_reference: str | None) -> list[int]:
    ids = set(grouping.spool.keys()) | set(grouping.mapping_errors) | set(grouping.duplicates)
    if license_reference is None:
        ids |= set(
            ArrowBillingSync.objects.filter(
                customer_mapping_id__in=list(index.mappings), report_period=period.first_day
            ).values_list("customer_mapping_id", flat=True)
        )
    return sorted(ids)


def _import_mappings(*, settings, period: Period, index: MappingIndex, grouping, run, today: datetime.date,
                     license_reference: str | None) -> dict:
    totals = MappingImport()
    failures: dict[str, str] = {}
    missing: dict[str, list[str]] = {}
    mapping_ids = _mapping_ids_to_import(grouping, index, period, license_reference)
    for number, mapping_id in enumerate(mapping_ids, start=1):
        mapping = index.mappings[mapping_id]
        problems = grouping.mapping_problems(mapping_id)
        try:
            if problems:
                raise BillingImportError("; ".join(problems))
            result = billing_sync_import_mapping(
                settings=settings, mapping=mapping, period=period, lines=grouping.spool.lines(mapping_id),
                today=today, license_reference=license_reference,
            )
        except (BillingImportError, InvoiceNotPending, IntegrityError) as exc:
            message = _failure_message(period, mapping, problems or [str(exc)])
            billing_syncs_record_failure(mappings=[mapping], period=period, message=message)
            failures[mapping.arrow_reference] = message
        else:
            for name in ("created", "updated", "compensated", "linked_to_consumption", "late_charges", "unchanged"):
                setattr(totals, name, getattr(totals, name) + getattr(result, name))
            if result.missing:
                missing[mapping.arrow_reference] = result.missing[:MAX_REPORTED_ENTRIES]
        sync_run_progress(run, done=grouping.pages + number, total=grouping.pages + len(mapping_ids))
    return {
        "mappings_imported": len(mapping_ids) - len(failures),
        "mappings_failed": len(failures),
        "items_created": totals.created,
        "items_updated": totals.updated,
        "items_compensated": totals.compensated,
        "items_linked_to_consumption": totals.linked_to_consumption,
        "items_charged_after_issue": totals.late_charges,
        "items_unchanged": totals.unchanged,
        "missing_lines": missing,
        "failures": failures,
    }


def billing_sync_import_period(
    *, settings, period: Period, license_reference: str | None = None, today: datetime.date | None = None,
    client: ArrowClient | None = None,
) -> dict:
    """Import ``period``'s billing export of ``settings``; returns the run outcome (also stored).

    Runs under the (settings, period) lock and records an ArrowSyncRun with progress and outcome.
    ``license_reference`` restricts the import to that license's lines. On an Arrow error no line
    of the month is written and every active mapping's sync gets ``error_message`` (state kept);
    `ArrowUnavailable` is then re-raised so that a task can retry, other Arrow errors are returned
    in the outcome. Lines of unmapped customers are counted in the outcome. ``client`` reuses an
    open Arrow client (default: one built from ``settings``).
    """
    today = today or timezone.now().date()
    with sync_period_lock(settings=settings, period=period):
        run = sync_run_start(settings=settings, kind=SyncRunKind.BILLING, period=period)
        outcome: dict = {"period": str(period), "license_reference": license_reference}
        index = MappingIndex.for_settings(settings)
        try:
            if not settings.export_type_reference:
                raise BillingImportError("the settings have no billing export type")
            with export_client(settings, client) as arrow:
                grouping = billing_export_group(
                    client=arrow, settings=settings, period=period, index=index, license_reference=license_reference,
                    on_page=lambda page: sync_run_progress(run, done=page.page, total=page.total_pages),
                )
        except (ArrowError, BillingImportError) as exc:
            message = f"Billing import of {period} failed: {exc}"
            billing_syncs_record_failure(mappings=index.mappings.values(), period=period, message=message)
            sync_run_finish(run, outcome=outcome, error_message=message)
            if isinstance(exc, ArrowUnavailable):
                raise
            return {**outcome, "error": message}
        with grouping.spool:
            outcome.update(grouping.outcome())
            outcome.update(_import_mappings(settings=settings, period=period, index=index, grouping=grouping,
                                            run=run, today=today, license_reference=license_reference))
        errors = list(outcome["failures"].values())
        if grouping.unattributed_errors:
            errors.append(f"{len(grouping.unattributed_errors)} export row(s) without a customer could not be parsed")
        sync_run_finish(run, outcome=outcome, error_message="; ".join(errors))
        return outcome
