"""Import of a month's billing export into billing syncs, billing sync items and invoice items.

`billing_sync_import_period` streams the export (never the whole of it in memory), groups lines
by active customer mapping and writes each mapping's month in one transaction: one
`ArrowBillingSync` per mapping and month on the customer's invoice of that month, one
`ArrowBillingSyncItem` per line, one invoice item per line priced in the settings' price source.
Lines are written a thousand at a time (`billing.items`): bulk inserts for new lines, a flat
snapshot comparison for known ones, so a 100 000-line month costs a few hundred queries. Rows
whose fingerprint shows them unchanged since the last import (`billing.fingerprints`) are not
even parsed: they only count as seen, so re-importing an unchanged month costs little more
than reading it.

Idempotent: a second run with the same data writes nothing. A changed amount updates the item
of a pending invoice in place; when that invoice was issued, the difference becomes a
compensation item on the customer's current pending invoice. A new line whose month's invoice
was issued is charged on the current pending invoice. Lines that disappeared are reported,
never deleted. A line is charged once whatever reads it (SPEC 6.9): items are found by the
line's identity (`billing.line_identity`), and a line whose item another mapping's sync holds is taken
over, then compared as usual; the database constraint on the identity stops a concurrent
second charge (that mapping's month then fails and the next run completes it).

A mapping with an unparseable line or a repeated line reference is not written at all; an
existing sync of it keeps its state and gets `error_message`, which the next good run clears.
Arrow failures leave the month unwritten (lines are spooled before any write): no sync, no
invoice is created just to hold an error, which goes on the run (`ArrowSyncRun`) and on the
syncs that exist. A full import also records the lines it read but did not charge
(`billing.uncharged`).
"""

from __future__ import annotations

import datetime
from itertools import islice

from django.db import IntegrityError, transaction
from django.utils import timezone

from arrow_client import ArrowClient, Period
from arrow_integration.choices import SyncRunKind
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowCustomerMapping, ArrowSyncRun
from arrow_integration.services.billing.fingerprints import KnownLines
from arrow_integration.services.billing.grouping import (
    MAX_REPORTED_ENTRIES,
    MappingIndex,
    billing_export_group,
    export_client,
)
from arrow_integration.services.billing.items import MappingImport, billing_sync_import_batch
from arrow_integration.services.billing.line_charges import LineLookups
from arrow_integration.services.billing.line_identity import sync_totals_refresh
from arrow_integration.services.billing.month_validation import billing_sync_validate_if_complete
from arrow_integration.services.billing.page_records import PageRecords, page_records_replace
from arrow_integration.services.billing.uncharged import uncharged_lines_replace
from arrow_integration.services.runs.period_job import period_job
from arrow_integration.services.runs.records import sync_run_progress
from core.models import InvoiceItem
from core.services.bulk_rows import tables_analyze
from core.services.invoices import InvoiceNotPending, invoice_get_or_create

LINE_BATCH_SIZE = 1000
# An import that created this many items refreshes the tables' planner statistics (PostgreSQL),
# so that the next import's look-ups over them are not planned for the tables' old size.
ANALYZE_AFTER_ITEMS = 10_000
MAX_PROBLEMS_IN_MESSAGE = 5


def batched(iterable, size: int):
    """Tuples of up to ``size`` consecutive elements (itertools.batched arrives in Python 3.12)."""
    iterator = iter(iterable)
    while batch := tuple(islice(iterator, size)):
        yield batch


class BillingImportError(Exception):
    """A mapping's month cannot be imported as a whole (bad lines, mixed currencies, no export type)."""


def billing_sync_get_or_create(*, mapping: ArrowCustomerMapping, period: Period) -> ArrowBillingSync:
    """The mapping's sync of ``period`` on the customer's invoice of that month (both created if missing)."""
    invoice = invoice_get_or_create(customer=mapping.waldur_customer, period=period.first_day)
    sync, _ = ArrowBillingSync.objects.get_or_create(
        customer_mapping=mapping, report_period=period.first_day, defaults={"invoice": invoice}
    )
    return sync


def billing_syncs_record_failure(*, mappings, period: Period, message: str) -> int:
    """Store ``message`` as the error of the mappings' existing syncs of ``period``; returns how
    many. Creates nothing (a failed import writes nothing for the month); states are not changed."""
    return (
        ArrowBillingSync.objects.filter(customer_mapping__in=[mapping.pk for mapping in mappings],
                                        report_period=period.first_day)
        .exclude(error_message=message)
        .update(error_message=message, modified=timezone.now())
    )


def _sync_finish(sync: ArrowBillingSync, *, currencies: set[str], today: datetime.date, missing: list[str]) -> None:
    """Totals from the items, currency from the lines, error cleared, Synced (then maybe Validated)."""
    if len(currencies) > 1:
        raise BillingImportError(f"lines in several currencies: {', '.join(sorted(currencies))}")
    sync_totals_refresh([sync])
    values = {"error_message": ""}
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
    license_reference: str | None = None, seen: set[str] | None = None, unchanged: int = 0,
    held_elsewhere: set[str] = frozenset(),
) -> MappingImport:
    """Write one mapping's month from its export ``lines`` in a single transaction.

    ``lines`` yields (line, fingerprint) pairs to compare and write. Rows the grouping recognised
    as unchanged are not among them: ``unchanged`` counts them and ``seen`` holds the references
    of all of the mapping's rows in the export (default: those of ``lines``). ``held_elsewhere``
    names lines whose items other syncs held when the import started: they are taken over.

    Raises `BillingImportError`, `InvoiceNotPending` (an invoice issued meanwhile) or
    `IntegrityError` (a concurrent writer); nothing of the mapping's month is written then.
    """
    result = MappingImport()
    with transaction.atomic():
        sync = billing_sync_get_or_create(mapping=mapping, period=period)
        sync.customer_mapping = mapping
        # Only references are kept for the whole month; items are compared one batch at a time.
        known = sync.items.filter(arrow_account=settings.arrow_account, duplicate_of__isnull=True)
        if license_reference:
            known = known.filter(license_reference=license_reference)
        imported = set(known.values_list("arrow_line_reference", flat=True))
        lookups = LineLookups.for_customer_month(customer=mapping.waldur_customer, period=period)
        compared: set[str] = set()
        for batch in batched(lines, LINE_BATCH_SIZE):
            compared.update(line.line_reference for line, _fingerprint in batch)
            result.currencies.update(line.currency for line, _fingerprint in batch if line.currency)
            billing_sync_import_batch(sync, imported, batch, settings=settings, today=today, result=result,
                                      lookups=lookups, held_elsewhere=held_elsewhere)
        if unchanged and sync.currency:
            # Unchanged rows are as last imported, in the currency the sync recorded then.
            result.currencies.add(sync.currency)
        result.unchanged += unchanged
        result.missing = sorted(imported - (compared if seen is None else seen))
        _sync_finish(sync, currencies=result.currencies, today=today, missing=result.missing)
    return result


def _failure_message(period: Period, mapping: ArrowCustomerMapping, problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_PROBLEMS_IN_MESSAGE])
    more = len(problems) - MAX_PROBLEMS_IN_MESSAGE
    suffix = f"; and {more} more" if more > 0 else ""
    return f"Billing import of {period} for {mapping.arrow_reference} failed: {shown}{suffix}"


def _mapping_ids_to_import(grouping, index: MappingIndex, period: Period, license_reference: str | None) -> list[int]:
    ids = set(grouping.seen) | set(grouping.mapping_errors) | set(grouping.duplicates)
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
                settings=settings, mapping=mapping, period=period, lines=grouping.spool.entries(mapping_id),
                today=today, license_reference=license_reference, seen=grouping.seen.get(mapping_id, set()),
                unchanged=grouping.unchanged[mapping_id], held_elsewhere=grouping.held_elsewhere.get(mapping_id, set()),
            )
        except (BillingImportError, InvoiceNotPending, IntegrityError) as exc:
            message = _failure_message(period, mapping, problems or [str(exc)])
            billing_syncs_record_failure(mappings=[mapping], period=period, message=message)
            failures[mapping.arrow_reference] = message
        else:
            for name in ("created", "updated", "compensated", "linked_to_consumption", "late_charges", "unchanged",
                         "adopted"):
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
        "items_taken_over": totals.adopted,
        "missing_lines": missing,
        "failures": failures,
    }


def billing_sync_import_period(
    *, settings, period: Period, license_reference: str | None = None, today: datetime.date | None = None,
    client: ArrowClient | None = None, run_uuid=None,
) -> ArrowSyncRun:
    """Import ``period``'s billing export of ``settings``; returns the finished run (its outcome
    says what was imported).

    A period job (`runs.period_job`: the month's lock, the run, Arrow errors by its one rule;
    ``run_uuid`` names a queued run to take). ``license_reference`` restricts the import to that
    license's lines. On an Arrow error nothing of the month is written and the existing syncs of
    the active mappings get the error too (states kept). Lines outside the classification filter
    and lines of unmapped customers are counted per customer in the outcome and, by a full
    import, recorded (`ArrowUnchargedLine`). ``client`` reuses an open Arrow client (default: one
    built from ``settings``).
    """
    today = today or timezone.now().date()
    with period_job(settings=settings, kind=SyncRunKind.BILLING, period=period, run_uuid=run_uuid,
                    label=f"Billing import of {period}",
                    outcome={"period": str(period), "license_reference": license_reference}) as job:
        index = MappingIndex.for_settings(settings)
        job.on_failure = lambda message: billing_syncs_record_failure(mappings=index.mappings.values(), period=period,
                                                                      message=message)
        if not settings.export_type_reference:
            job.refuse("the settings have no billing export type")
        with export_client(settings, client) as arrow:
            known = KnownLines.load(account=settings.arrow_account, mappings=index.mappings.values(),
                                    period=period, license_reference=license_reference)
            # Page records describe whole pages: a one-license import neither uses nor makes them.
            records = PageRecords.load(settings=settings, period=period) if license_reference is None else None
            grouping = billing_export_group(
                client=arrow, settings=settings, period=period, index=index, license_reference=license_reference,
                on_page=lambda page: job.progress(done=page.page, total=page.total_pages), known=known,
                records=records, keep_uncharged=license_reference is None,
            )
            recorded = records.digests() if records is not None else {}
            del known, records  # not needed for the writes: free them before
        job.on_failure = None  # the export is read: what fails from here on fails per mapping
        _import_grouping(job, settings=settings, period=period, index=index, grouping=grouping, today=today,
                         license_reference=license_reference, recorded=recorded)
    return job.run


def _import_grouping(job, *, settings, period: Period, index: MappingIndex, grouping, today: datetime.date,
                     license_reference: str | None, recorded: dict[int, str]) -> None:
    """The writing half of an import: every mapping's month, uncharged lines, page records."""
    outcome = job.outcome
    with grouping.spool:
        outcome.update(grouping.outcome())
        outcome.update(_import_mappings(settings=settings, period=period, index=index, grouping=grouping,
                                        run=job.run, today=today, license_reference=license_reference))
        if license_reference is None:
            outcome["uncharged_lines_recorded"] = uncharged_lines_replace(
                settings=settings, period=period, lines=grouping.spool.uncharged()
            )
    if license_reference is None:
        page_records_replace(settings=settings, period=period, pages=grouping.page_rows, recorded=recorded)
    if outcome["items_created"] >= ANALYZE_AFTER_ITEMS:
        tables_analyze(ArrowBillingSyncItem, InvoiceItem)
    errors = list(outcome["failures"].values())
    if grouping.unattributed_errors:
        errors.append(f"{len(grouping.unattributed_errors)} export row(s) without a customer could not be parsed")
    job.error_message = "; ".join(errors)
