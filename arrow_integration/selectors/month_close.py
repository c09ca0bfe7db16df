"""The month-close report: Arrow's bill of a month against what was invoiced, per settings and
Arrow customer, with every difference classified (`month_close_lines` classifies the lines).

One `MonthCloseRow` per settings row × Arrow customer that has Arrow lines or Arrow-sourced
invoice items for the month, mapped or not, adding up its lines:

- `arrow_total`: every line read (in the settings' invoice price source), excluded ones too;
  `arrow_in_scope`: the lines within the settings' filters (all but `excluded`);
- `invoiced`: the invoice items the lines name (statement items, provisional consumption items,
  second charges, and the compensations that name the month, on whatever invoice they sit);
  `compensated`: the compensations among them; `difference` = `arrow_in_scope` − `invoiced`;
- `arrow_buy_total`: Arrow's buy amount of every line; `margin` = `invoiced` − the buy amount of
  the lines in scope (what the reseller keeps of what it invoiced);
- `counts`: lines per variance class, with `amounts` (their Arrow amount) and `differences`
  (their `arrow_in_scope` − `invoiced`) per class; `checked_at`: when the last successful run
  that read the month's export for these settings finished.

Per customer, the sum of the lines' Arrow amounts over the classes is `arrow_total`, and
`invoiced` is the sum of the items the lines name, to the cent and beyond (no rounding here).

The row's `status`, the first that applies:

- `not_checked`: no run has read the month for these settings (whatever the database holds of
  it: consumption items alone are no check against Arrow's bill), or the row has no settings;
- `provisional`: a line it charges is not validated by Arrow yet; a row without charged lines
  (unmapped customers, excluded lines only) while a billing sync of the month is not validated;
- `reconciled`: every line it charges was through its reconciliation (statement lines: their
  billing sync is Reconciled; consumption: the record is reconciled);
- `validated`: otherwise (validated by Arrow, reconciliation not run yet).

Nothing here writes. Reads run in a constant number of queries, whatever the month's size: the
bulk of a month (plain statement lines, lines read but not charged) is counted by the database
(`month_close_totals`), the rest classified line by line (`month_close_lines`).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain

from arrow_client.periods import Period
from arrow_client.references import customer_key
from arrow_integration.selectors.month_close_lines import (
    VARIANCE_CLASSES,
    LineFilters,
    MonthCloseLine,
    consumption_lines,
    invoice_item_lines,
    line_owner_key,
    month_close_lines,
    pass_sources,
    statement_lines,
    uncharged_lines,
)
from arrow_integration.selectors.month_close_sources import (
    MonthSources,
    plain_statement_lines,
    special_statement_lines,
    statement_queryset,
    uncharged_queryset,
)
from arrow_integration.selectors.month_close_totals import (
    LineGroup,
    statement_groups,
    statement_owner_filter,
    uncharged_groups,
    uncharged_owner_filter,
)

NOT_CHECKED, PROVISIONAL, VALIDATED, RECONCILED = "not_checked", "provisional", "validated", "reconciled"
MONTH_STATUSES = (NOT_CHECKED, PROVISIONAL, VALIDATED, RECONCILED)
ZERO = Decimal(0)
OWNER_FIELDS = ("settings_id", "settings_uuid", "arrow_customer_reference", "arrow_customer_name", "customer_id",
                "customer_uuid", "customer_name")


@dataclass
class MonthCloseRow:
    """One settings row × Arrow customer of the month (see the module)."""

    period: Period
    settings_id: int | None
    settings_uuid: uuid_module.UUID | None
    price_source: str
    arrow_customer_reference: str
    arrow_customer_name: str
    customer_uuid: uuid_module.UUID | None
    customer_name: str | None
    currency: str = ""
    status: str = NOT_CHECKED
    checked_at: dt.datetime | None = None
    arrow_total: Decimal = ZERO
    arrow_in_scope: Decimal = ZERO
    invoiced: Decimal = ZERO
    compensated: Decimal = ZERO
    arrow_buy_total: Decimal = ZERO
    arrow_buy_in_scope: Decimal = ZERO
    lines: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VARIANCE_CLASSES, 0))
    amounts: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(VARIANCE_CLASSES, ZERO))
    differences: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(VARIANCE_CLASSES, ZERO))
    # What decides the status (see `_status`).
    charged_lines: int = 0
    charged_unvalidated: int = 0
    charged_unreconciled: int = 0

    @property
    def difference(self) -> Decimal:
        return self.arrow_in_scope - self.invoiced

    @property
    def margin(self) -> Decimal:
        return self.invoiced - self.arrow_buy_in_scope

    def add(self, line: MonthCloseLine) -> None:
        """Count ``line`` into the row."""
        self.lines += 1
        self.counts[line.variance_class] += 1
        self.amounts[line.variance_class] += line.arrow_amount
        self.differences[line.variance_class] += line.difference
        self.arrow_total += line.arrow_amount
        self.arrow_buy_total += line.arrow_buy
        if line.in_scope:
            self.arrow_in_scope += line.arrow_amount
            self.arrow_buy_in_scope += line.arrow_buy
        self.invoiced += line.invoiced
        self.compensated += line.compensated
        self.currency = self.currency or line.currency
        if self.customer_uuid is None and line.customer_uuid is not None:
            self.customer_uuid, self.customer_name = line.customer_uuid, line.customer_name
        self.arrow_customer_name = self.arrow_customer_name or line.arrow_customer_name
        if line.charged:
            self.charged_lines += 1
            self.charged_unvalidated += not line.validated
            self.charged_unreconciled += not line.reconciled


    def add_group(self, group: LineGroup) -> None:
        """Count lines the database counted together (`month_close_totals`) into the row."""
        for name, count in group.counts.items():
            self.counts[name] += count
            self.amounts[name] += group.amounts[name]
            self.differences[name] += group.differences[name]
        self.lines += group.lines
        self.arrow_total += group.arrow_amount
        self.arrow_buy_total += group.arrow_buy
        self.arrow_in_scope += group.arrow_in_scope
        self.arrow_buy_in_scope += group.arrow_buy_in_scope
        self.invoiced += group.invoiced
        self.currency = self.currency or group.currency
        self.charged_lines += group.charged_lines
        self.charged_unvalidated += group.unvalidated
        self.charged_unreconciled += group.unreconciled


def _new_row(owner: dict, sources: MonthSources) -> MonthCloseRow:
    """An empty row for the owner of a line or group (its `MonthCloseLine` owner fields)."""
    settings = sources.settings.get(owner["settings_id"])
    return MonthCloseRow(
        period=sources.period, settings_id=owner["settings_id"], settings_uuid=owner["settings_uuid"],
        price_source=settings.price_source if settings else "",
        arrow_customer_reference=owner["arrow_customer_reference"], arrow_customer_name=owner["arrow_customer_name"],
        customer_uuid=owner["customer_uuid"], customer_name=owner["customer_name"],
        checked_at=sources.checked_at.get(owner["settings_id"]),
    )


def _owner(line: MonthCloseLine) -> dict:
    return {name: getattr(line, name) for name in OWNER_FIELDS}


def _status(row: MonthCloseRow, sources: MonthSources) -> str:
    if row.settings_id is None or row.checked_at is None:
        return NOT_CHECKED
    if not row.charged_lines:
        return VALIDATED if sources.month_validated.get(row.settings_id) else PROVISIONAL
    if row.charged_unvalidated:
        return PROVISIONAL
    return VALIDATED if row.charged_unreconciled else RECONCILED


def _rows(period: Period, filters: LineFilters, sources: MonthSources) -> dict[tuple, MonthCloseRow]:
    """The rows of the month: plain statement lines and lines read but not charged counted by the
    database, every other line added one by one."""
    sources = pass_sources(sources)
    rows: dict[tuple, MonthCloseRow] = {}

    def row_of(owner: dict) -> MonthCloseRow:
        key = (owner["settings_id"], customer_key(owner["arrow_customer_reference"]))
        if key not in rows:
            rows[key] = _new_row(owner, sources)
        return rows[key]

    statement = statement_owner_filter(statement_queryset(period), filters)
    for group in statement_groups(plain_statement_lines(statement, sources), sources):
        row_of(group.owner).add_group(group)
    uncharged = uncharged_owner_filter(uncharged_queryset(period), filters, sources)
    for group in uncharged_groups(uncharged, sources):
        row_of(group.owner).add_group(group)
    one_by_one = chain(statement_lines(sources, special_statement_lines(statement, sources)), consumption_lines(sources),
                       invoice_item_lines(sources))
    for line in one_by_one:
        if filters.owner_matches(line):
            row_of(_owner(line)).add(line)
    for row in rows.values():
        row.status = _status(row, sources)
    return rows


def _row_order(row: MonthCloseRow) -> tuple:
    return (str(row.settings_uuid or ""), row.arrow_customer_reference, row.arrow_customer_name)


def month_close_report(period: Period, filters: LineFilters | None = None) -> list[MonthCloseRow]:
    """The report's rows for ``period`` (filters: settings, local customer, Arrow customer, status),
    ordered by settings and Arrow reference. A constant number of queries."""
    filters = filters or LineFilters()
    sources = MonthSources.load(period)
    rows = _rows(period, filters, sources).values()
    return sorted((row for row in rows if filters.status is None or row.status == filters.status), key=_row_order)


def month_close_line_stream(period: Period, filters: LineFilters | None = None) -> Iterator[MonthCloseLine]:
    """The report's lines for ``period`` that match ``filters``, streamed (see `month_close_lines`).

    A status filter needs the rows' statuses first: the month is then read twice.
    """
    filters = filters or LineFilters()
    sources = MonthSources.load(period)
    statuses = None
    if filters.status is not None:
        statuses = {key: row.status for key, row in _rows(period, LineFilters(), sources).items()}
    for line in month_close_lines(period, sources):
        if filters.matches(line) and (statuses is None or statuses.get(line_owner_key(line)) == filters.status):
            yield line


def month_close_line_window(period: Period, filters: LineFilters | None, *, offset: int,
                            limit: int) -> tuple[int, list[MonthCloseLine]]:
    """How many lines match ``filters``, and those from ``offset`` (at most ``limit``).

    Without a class or status filter, the database counts the statement lines and the lines read
    but not charged and returns only those of the window; with one, every line of the month is
    classified (one pass, holding only the window). A constant number of queries either way.
    """
    filters = filters or LineFilters()
    if filters.variance_class is not None or filters.status is not None:
        count, window = 0, []
        for line in month_close_line_stream(period, filters):
            if offset <= count < offset + limit:
                window.append(line)
            count += 1
        return count, window
    sources = pass_sources(MonthSources.load(period))
    statement = statement_owner_filter(statement_queryset(period), filters)
    uncharged = uncharged_owner_filter(uncharged_queryset(period), filters, sources)
    consumption = [line for line in consumption_lines(sources) if filters.matches(line)]
    items = [line for line in invoice_item_lines(sources) if filters.matches(line)]
    segments = (
        (statement.count(), lambda start, stop: list(statement_lines(sources, statement[start:stop]))),
        (len(consumption), lambda start, stop: consumption[start:stop]),
        (uncharged.count(), lambda start, stop: list(uncharged_lines(sources, uncharged[start:stop]))),
        (len(items), lambda start, stop: items[start:stop]),
    )
    count, window = 0, []
    for total, fetch in segments:
        start = min(max(offset - count, 0), total)
        stop = min(max(offset + limit - count, 0), total)
        # Each segment is read once whether the window reaches it or not (at least one row asked
        # for), so that a page costs the same queries wherever it lies.
        window += fetch(start, start + max(stop - start, 1))[: stop - start]
        count += total
    return count, window
