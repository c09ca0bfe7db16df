"""Streaming a billing export into per-customer-mapping groups, without holding it in memory.

`billing_export_group` reads the export page by page through the client (the next pages are
fetched in the client's helper threads while the current one is grouped), assigns every line
to an active customer mapping and spools it to a temporary on-disk table (`BillingLineSpool`),
so memory holds a few pages plus the line references seen, whatever the export's size.
Lines are assigned by the export's customer id (`End User Company ID`, the customer's numeric
`Ref` in live exports, so compared with the digits of the mapping's XSP reference; an XSP value is
compared with the reference itself), else, as a last resort that the outcome counts
(`lines_matched_by_name`), by company name compared without case, whitespace and punctuation.
What cannot be assigned is counted and reported, never dropped silently: lines of unmapped
customers, unparseable rows (attributed to their mapping when the row names its customer),
repeated line references within one import, lines of another period or classification.
Every classification is read and the settings' classification filter applied here, so that the
lines it leaves out are counted with their amounts (`billing.uncharged`) like those of unmapped
customers, and spooled for the import to record.

For the billing import (``known`` given), each raw row is first fingerprinted
(`billing.fingerprints`): a row the month already holds unchanged is only counted and its
reference noted; only new or changed rows are parsed, spooled and written. A page read
byte for byte as an earlier import recorded it (`billing.page_records`) gives its rows'
fingerprints without digesting them.

This module reads Arrow, the known fingerprints and page records, and writes only the temporary spool.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from arrow_client import ArrowClient, BillingExportPage, BillingExportTable, BillingLine, BillingLineError, Period
from arrow_client.parsing import BILLING_COLUMNS, billing_table_parse, resolve_columns
from arrow_client.references import customer_key
from arrow_client.row_keys import BillingRowKeys
from arrow_integration.choices import UnchargedReason
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowCustomerMapping
from arrow_integration.services.billing.fingerprints import KnownLines, RowFingerprints
from arrow_integration.services.billing.page_records import PageRecords, RowRecord, page_context, page_digest
from arrow_integration.services.billing.spool import BillingLineSpool
from arrow_integration.services.billing.uncharged import UnchargedTally, outside_classification_filter

# Bound on the number of distinct unmapped customers and error texts kept in an outcome.
MAX_REPORTED_ENTRIES = 50
# Export pages requested ahead of the one being grouped: Arrow prepares them meanwhile.
EXPORT_READ_AHEAD_PAGES = 2


@contextmanager
def export_client(settings, client: ArrowClient | None = None) -> Iterator[ArrowClient]:
    """``client`` when given (kept open), else a client for ``settings`` closed on exit."""
    if client is not None:
        yield client
        return
    with arrow_client_for(settings) as own:
        yield own


def company_name_key(name: str | None) -> str:
    """A company name reduced to lower-case letters and digits ("Nordic Cloud OÜ" → "nordiccloudoü")."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(char for char in text if char.isalnum())


class MappingIndex:
    """Active customer mappings of one settings row, looked up by customer id or company name.

    The id of a row and the reference of a mapping are compared by `customer_key` (``111111``
    and ``XSP111111`` are one customer). Two mappings whose names reduce to the same key are
    ambiguous and matched by id only.
    """

    def __init__(self, mappings: list[ArrowCustomerMapping]) -> None:
        self.mappings = {mapping.pk: mapping for mapping in mappings}
        self._by_reference = {customer_key(mapping.arrow_reference): mapping for mapping in mappings}
        names: dict[str, list[ArrowCustomerMapping]] = defaultdict(list)
        for mapping in mappings:
            key = company_name_key(mapping.arrow_company_name)
            if key:
                names[key].append(mapping)
        self._by_name = {key: found[0] for key, found in names.items() if len(found) == 1}
        self._found: dict[tuple, tuple[ArrowCustomerMapping | None, bool]] = {}

    @classmethod
    def for_settings(cls, settings) -> MappingIndex:
        mappings = ArrowCustomerMapping.objects.filter(settings=settings, is_active=True).select_related(
            "waldur_customer"
        )
        return cls(list(mappings))

    def find(self, customer_id: str | None, customer_name: str | None) -> tuple[ArrowCustomerMapping | None, bool]:
        """The mapping of a row's customer, and whether it was found by company name only.

        Remembered per (id, name): an export names each customer the same way on every row.
        """
        found = self._found.get((customer_id, customer_name))
        if found is None:
            mapping = self._by_reference.get(customer_key(customer_id)) if customer_id else None
            by_name = mapping is None and company_name_key(customer_name) in self._by_name
            found = self._found[(customer_id, customer_name)] = (
                self._by_name[company_name_key(customer_name)] if by_name else mapping, by_name)
        return found

    def match(self, customer_id: str | None, customer_name: str | None) -> ArrowCustomerMapping | None:
        return self.find(customer_id, customer_name)[0]


@dataclass
class ExportGrouping:
    """What streaming one period's export produced: the spool and everything left out of it."""

    spool: BillingLineSpool
    pages: int = 0
    rows: int = 0
    lines: int = 0
    mapping_errors: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    duplicates: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    unmapped_lines: Counter = field(default_factory=Counter)
    unmapped_errors: int = 0
    unattributed_errors: list[str] = field(default_factory=list)
    skipped_other_period: int = 0
    skipped_other_classification: int = 0
    # Accepted lines whose customer id matched no mapping: grouped by company name, a last resort.
    matched_by_name: int = 0
    # Unparseable rows of a classification the settings leave out (they block no mapping).
    other_classification_errors: int = 0
    # Lines left out by the classification filter or for want of a mapping, per customer; with
    # ``keep_uncharged`` they are spooled too (a full import records them).
    uncharged: UnchargedTally = field(default_factory=UnchargedTally)
    keep_uncharged: bool = False
    # References of spooled lines whose item another mapping's sync holds, by mapping id: the
    # import takes these items over instead of charging the lines again.
    held_elsewhere: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Line references of every accepted row by mapping id: what each mapping's export holds.
    seen: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Rows recognised as unchanged by mapping id (counted and seen, never spooled).
    unchanged: Counter = field(default_factory=Counter)
    # Pages taken whole from an earlier import's record, and what this import can record.
    pages_recognised: int = 0
    page_rows: dict[int, tuple[str, list[RowRecord]]] = field(default_factory=dict)

    @property
    def unchanged_lines(self) -> int:
        return sum(self.unchanged.values())

    def mapping_problems(self, mapping_id: int) -> list[str]:
        """Reasons why this mapping's period must not be written (bad rows, repeated references)."""
        problems = list(self.mapping_errors.get(mapping_id, ()))
        repeated = self.duplicates.get(mapping_id, ())
        if repeated:
            problems.append(f"repeated line reference(s) in one export: {', '.join(sorted(set(repeated)))}")
        return problems

    def outcome(self) -> dict:
        """JSON-able summary of what was read and what was left out."""
        return {
            "pages": self.pages,
            "rows": self.rows,
            "lines": self.lines,
            "lines_recognised_unchanged": self.unchanged_lines,
            "pages_recognised_unchanged": self.pages_recognised,
            "unmapped_lines": sum(self.unmapped_lines.values()),
            "unmapped_customers": dict(self.unmapped_lines.most_common(MAX_REPORTED_ENTRIES)),
            "unmapped_line_errors": self.unmapped_errors,
            "unattributed_line_errors": self.unattributed_errors[:MAX_REPORTED_ENTRIES],
            "unmapped_by_customer": self.uncharged.outcome(UnchargedReason.UNMAPPED_CUSTOMER, MAX_REPORTED_ENTRIES),
            "lines_of_other_period": self.skipped_other_period,
            "lines_of_other_classification": self.skipped_other_classification,
            "lines_matched_by_name": self.matched_by_name,
            "excluded_by_classification": self.uncharged.outcome(UnchargedReason.CLASSIFICATION,
                                                                 MAX_REPORTED_ENTRIES),
            "other_classification_line_errors": self.other_classification_errors,
        }


def describe_line_error(error: BillingLineError) -> str:
    where = f"row {error.row_number}" + (f" ({error.line_reference})" if error.line_reference else "")
    column = f" {error.column}" if error.column else ""
    return f"{where}:{column} {error.reason}"


def _error_customers(page: BillingExportPage) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Customer id, customer name and classification of the page's rows by line reference, for
    rows that failed to parse."""
    wanted = {error.line_reference for error in page.errors if error.line_reference}
    if not wanted:
        return {}
    columns = resolve_columns(page.headers, BILLING_COLUMNS)

    def value(row: dict, name: str) -> str | None:
        title = columns.get(name)
        text = row.get(title) if title else None
        return str(text).strip() if text not in (None, "") else None

    found = {}
    for row in page.rows:
        reference = value(row, "sequence") or value(row, "order_id")
        if reference in wanted:
            found[reference] = (value(row, "customer_id"), value(row, "customer_name"), value(row, "classification"))
    return found


def _accepted_lines(page: BillingExportPage, grouping: ExportGrouping, index: MappingIndex, *,
                    period: Period, classification: str, license_reference: str | None) -> list[tuple]:
    """Count the page's errors and left-out lines; return (mapping id, line) of the lines to spool."""
    customers = _error_customers(page)
    for error in page.errors:
        customer_id, customer_name, row_classification = customers.get(error.line_reference, (None, None, None))
        mapping = index.match(customer_id, customer_name)
        if row_classification is not None and outside_classification_filter(row_classification, classification):
            grouping.other_classification_errors += 1
        elif mapping is not None:
            grouping.mapping_errors[mapping.pk].append(describe_line_error(error))
        elif customer_id or customer_name:
            grouping.unmapped_errors += 1
        else:
            grouping.unattributed_errors.append(describe_line_error(error))
    grouping.rows += len(page.lines) + len({error.row_number for error in page.errors})
    accepted, uncharged = [], []
    for line in page.lines:
        if license_reference is not None and line.license_reference != license_reference:
            continue
        if line.report_period != period:
            grouping.skipped_other_period += 1
            continue
        if outside_classification_filter(line.classification, classification):
            grouping.skipped_other_classification += 1
            uncharged.append((UnchargedReason.CLASSIFICATION, line))
            continue
        mapping, by_name = index.find(line.customer_id, line.customer_name)
        if mapping is None:
            grouping.unmapped_lines[line.customer_reference or line.customer_name or "(no customer)"] += 1
            uncharged.append((UnchargedReason.UNMAPPED_CUSTOMER, line))
            continue
        grouping.matched_by_name += by_name
        grouping.lines += 1
        accepted.append((mapping.pk, line))
    for reason, line in uncharged:
        grouping.uncharged.add(reason, line)
    if grouping.keep_uncharged and uncharged:
        grouping.spool.add_uncharged(uncharged)
    return accepted


def _spool(grouping: ExportGrouping, entries: list[tuple[RowRecord, BillingLine | None]]) -> int:
    """Keep the accepted rows ``entries`` (each row's record and its parsed line, or None for a
    row recognised as unchanged, which is only counted) in export order: a reference seen before
    under the same mapping is a repeat. Returns how many entries were repeats."""
    spooled = []
    repeats = 0
    for record, line in entries:
        mapping_id, reference = record.mapping_id, record.line_reference
        seen = grouping.seen[mapping_id]
        if reference in seen:
            grouping.duplicates[mapping_id].append(reference)
            repeats += 1
            continue
        seen.add(reference)
        if line is None:
            grouping.unchanged[mapping_id] += 1
        else:
            spooled.append((mapping_id, record.fingerprint, line))
    grouping.spool.add_many(spooled)
    grouping.spool.commit()
    return repeats


def _group_page(page: BillingExportPage, grouping: ExportGrouping, index: MappingIndex, *,
                period: Period, classification: str, license_reference: str | None) -> None:
    accepted = _accepted_lines(page, grouping, index, period=period, classification=classification,
                               license_reference=license_reference)
    _spool(grouping, [(RowRecord(mapping_id, line.line_reference, "", line.license_reference), line)
                      for mapping_id, line in accepted])


def _group_table(table: BillingExportTable, grouping: ExportGrouping, index: MappingIndex, *, settings,
                 known: KnownLines, records: PageRecords, context: bytes, period: Period, classification: str,
                 license_reference: str | None) -> None:
    """Group a raw page: rows `known` recognises as unchanged are only counted, the others are
    parsed and grouped like `_group_page`, each with its fingerprint. A page recorded by an
    earlier import with the same digest gives its rows' records without reading them."""
    digest = page_digest(context, table)
    recorded = records.rows_of(table.page, digest)
    if recorded is not None and all(known.is_unchanged(*row) for row in recorded):
        grouping.rows += len(recorded)
        grouping.lines += len(recorded)
        grouping.pages_recognised += 1
        grouping.page_rows[table.page] = (digest, recorded)
        _spool(grouping, [(row, None) for row in recorded])
        return
    read = BillingRowKeys(table.headers).read
    fingerprint_of = RowFingerprints(settings=settings, headers=table.headers).of
    is_unchanged = known.is_unchanged
    find = index.find
    entries: dict[int, tuple[RowRecord, BillingLine | None]] = {}  # by position in the page: export order
    row_records: dict[int, RowRecord] = {}  # of the rows that went to a mapping by their keys, by position
    to_parse: list[int] = []
    matched_before = grouping.matched_by_name
    for position, values in enumerate(table.values):
        keys = read(values)
        if keys is None or not keys.line_reference:
            to_parse.append(position)  # malformed or without reference: parsing reports it
            continue
        mapping, by_name = find(keys.customer_id, keys.customer_name)
        if mapping is None:  # parsing counts it (or reports it)
            to_parse.append(position)
            continue
        fingerprint = fingerprint_of(mapping.arrow_reference, keys.cells)
        record = row_records[position] = RowRecord(mapping.id, keys.line_reference, fingerprint,
                                                   keys.license_reference)
        if is_unchanged(*record):
            entries[position] = (record, None)
            grouping.matched_by_name += by_name
        else:
            to_parse.append(position)
    grouping.rows += len(entries)
    grouping.lines += len(entries)
    if to_parse:
        page = billing_table_parse(table, to_parse)
        first = table.first_row_number
        holder = known.holder
        for mapping_id, line in _accepted_lines(page, grouping, index, period=period, classification=classification,
                                                license_reference=license_reference):
            position = line.row_number - first
            fingerprint = row_records[position].fingerprint if position in row_records else ""
            entries[position] = (RowRecord(mapping_id, line.line_reference, fingerprint, line.license_reference), line)
            if holder(line.line_reference) not in (None, mapping_id):
                grouping.held_elsewhere[mapping_id].add(line.line_reference)
    repeats = _spool(grouping, [entries[position] for position in sorted(entries)])
    # Recorded only when every row went to a mapping by its id, as it was read: the record
    # replays that (rows grouped by name are read again, so the outcome keeps counting them).
    if (digest is not None and license_reference is None and not repeats
            and grouping.matched_by_name == matched_before
            and len(entries) == len(row_records) == len(table.values)):
        grouping.page_rows[table.page] = (digest, [row_records[position] for position in sorted(row_records)])


def billing_export_group(
    *,
    client: ArrowClient,
    settings,
    period: Period,
    index: MappingIndex,
    license_reference: str | None = None,
    on_page: Callable[[BillingExportPage | BillingExportTable], None] | None = None,
    known: KnownLines | None = None,
    records: PageRecords | None = None,
    keep_uncharged: bool = False,
) -> ExportGrouping:
    """Stream ``period``'s export of ``settings`` into a spool grouped by mapping.

    ``license_reference`` keeps only that license's lines. ``on_page`` is called after each page
    (progress reporting). With ``known`` (the billing import), rows it recognises as unchanged
    are spooled without their line, every spooled line carries its fingerprint, and lines held
    by another mapping are noted (`ExportGrouping.held_elsewhere`). ``keep_uncharged`` spools
    the lines left out too. The caller owns the returned spool and must close it. Raises the
    client's `ArrowError`s; the spool is closed before re-raising.
    """
    classification = (settings.classification_filter or "").strip()
    context = page_context(settings=settings, mappings=index.mappings.values())
    grouping = ExportGrouping(spool=BillingLineSpool(), keep_uncharged=keep_uncharged)
    # Every classification is requested: the filter is applied here, so that what it leaves out is counted.
    options = {"read_ahead": EXPORT_READ_AHEAD_PAGES}
    # The next pages are requested (and, without ``known``, parsed) in the client's threads while
    # this one is grouped.
    if known is None:
        pages = client.iter_billing_export(settings.export_type_reference, period, period, **options)
    else:
        pages = client.iter_billing_export_tables(settings.export_type_reference, period, period, **options)
    try:
        for page in pages:
            grouping.pages += 1
            if known is None:
                _group_page(page, grouping, index, period=period, classification=classification,
                            license_reference=license_reference)
            else:
                _group_table(page, grouping, index, settings=settings, known=known, records=records or PageRecords({}),
                             context=context, period=period, classification=classification,
                             license_reference=license_reference)
            if on_page is not None:
                on_page(page)
    except BaseException:
        grouping.spool.close()
        raise
    finally:
        pages.close()
    return grouping
