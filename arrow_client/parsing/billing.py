"""Parsing billing export rows into `BillingLine`s, or into `BillingLineError`s naming what failed.

Every row goes first through `_FastRowParser`, which handles the common clean row at a fraction of
the cost, and otherwise through `_parse_billing_row`, which reports each value that does not parse
(never replaced by zero); for a clean row both give equal lines (property tests check it). No I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from arrow_client.export_dates import DEFAULT_EXPORT_DATE_FORMAT, parse_export_date
from arrow_client.money import InvalidAmount, parse_decimal, parse_decimal_text
from arrow_client.parsing.columns import BILLING_COLUMNS, DEFAULT_QUANTITY, cell_text, describe_field, resolve_columns
from arrow_client.periods import Period
from arrow_client.types import BillingExportPage, BillingExportTable, BillingLine, BillingLineError, PageInfo, RowDicts


def parse_arrow_date(value: Any, date_format: str = DEFAULT_EXPORT_DATE_FORMAT) -> dt.date | None:
    """Parse an export date written in ``date_format`` (`arrow_client.export_dates`); empty means
    ``None``; raises `ValueError` for garbage."""
    return parse_export_date(cell_text(value), date_format)


def parse_billing_rows(
    headers: Sequence[str],
    values: Sequence[Any],
    *,
    first_row_number: int = 1,
    default_period: Period | None = None,
    positions: Iterable[int] | None = None,
    date_format: str = DEFAULT_EXPORT_DATE_FORMAT,
) -> tuple[Sequence[dict[str, Any]], tuple[BillingLine, ...], tuple[BillingLineError, ...]]:
    """Parse export rows into raw dicts (`RowDicts`), lines and errors.

    ``default_period`` is used for rows without a ``Report Period`` (only safe when the export was
    requested for a single period). A row with any unparseable value yields errors and no line.
    ``positions`` limits parsing to those rows of ``values`` (0-based; row numbers stay those of
    the whole page). Dates are read in ``date_format``, the one the export was requested in.
    """
    columns = resolve_columns(headers, BILLING_COLUMNS)
    fast = _FastRowParser(headers, columns, default_period, date_format)
    well_formed: list[Sequence[Any]] = []
    lines: list[BillingLine] = []
    errors: list[BillingLineError] = []
    for offset in range(len(values)) if positions is None else positions:
        values_of_row = values[offset]
        row_number = first_row_number + offset
        if not isinstance(values_of_row, list | tuple) or len(values_of_row) != len(headers):
            size = len(values_of_row) if isinstance(values_of_row, list | tuple) else type(values_of_row).__name__
            errors.append(
                BillingLineError(row_number, None, None, None, f"row has {size} values for {len(headers)} headers")
            )
            continue
        well_formed.append(values_of_row)
        line = fast.parse(values_of_row, row_number)
        if line is not None:
            lines.append(line)
            continue
        row = dict(zip(headers, values_of_row, strict=True))
        line, row_errors = _parse_billing_row(row, columns, row_number, default_period, date_format)
        if line is not None:
            lines.append(line)
        errors.extend(row_errors)
    return RowDicts(headers, well_formed), tuple(lines), tuple(errors)


def billing_export_page(
    headers: Sequence[str],
    values: Sequence[Any],
    page_info: PageInfo,
    *,
    default_period: Period | None = None,
    date_format: str = DEFAULT_EXPORT_DATE_FORMAT,
) -> BillingExportPage:
    """Assemble a `BillingExportPage`, numbering rows across pages."""
    table = BillingExportTable(
        headers=tuple(headers), values=list(values), page=page_info.current_page, total_pages=page_info.total_pages,
        total=page_info.total if page_info.total is not None else len(values), per_page=page_info.per_page,
        default_period=default_period, date_format=date_format,
    )
    return billing_table_parse(table)


def billing_table_parse(table: BillingExportTable, positions: Iterable[int] | None = None) -> BillingExportPage:
    """Parse the rows of an export table (only those at ``positions``, 0-based, when given)."""
    rows, lines, errors = parse_billing_rows(
        table.headers, table.values, first_row_number=table.first_row_number, default_period=table.default_period,
        positions=positions, date_format=table.date_format,
    )
    return BillingExportPage(
        headers=table.headers,
        rows=rows,
        lines=lines,
        errors=errors,
        page=table.page,
        total_pages=table.total_pages,
        total=table.total,
        per_page=table.per_page,
    )


class _RowReader:
    """Reads one export row's fields by logical name, collecting errors instead of raising."""

    def __init__(self, row: dict[str, Any], columns: dict[str, str], row_number: int, date_format: str) -> None:
        self.row = row
        self.columns = columns
        self.row_number = row_number
        self.date_format = date_format
        self.line_reference: str | None = None
        self.errors: list[BillingLineError] = []

    def text(self, name: str) -> str | None:
        title = self.columns.get(name)
        return None if title is None else cell_text(self.row[title])

    def fail(self, name: str, reason: str) -> None:
        title = self.columns.get(name) or describe_field(name)
        raw = self.row.get(title)
        self.errors.append(
            BillingLineError(self.row_number, self.line_reference, title, None if raw is None else str(raw), reason)
        )

    def amount(self, name: str, *, required: bool) -> Decimal | None:
        if name not in self.columns:
            if required:
                self.fail(name, f"the export has no {describe_field(name)} column")
            return None
        raw = self.row[self.columns[name]]
        if cell_text(raw) is None:
            if required:
                self.fail(name, "empty amount")
            return None
        try:
            return parse_decimal(raw if not isinstance(raw, str) else raw.strip())
        except InvalidAmount as exc:
            self.fail(name, str(exc))
            return None

    def date(self, name: str) -> dt.date | None:
        try:
            return parse_arrow_date(self.text(name), self.date_format)
        except ValueError as exc:
            self.fail(name, str(exc))
            return None


class _FastRowParser:
    """The common case of `_parse_billing_row` at a fraction of its cost (a page has 1000 rows).

    Reads cells by position and reuses parsed periods and dates of the page. It returns ``None``
    for anything but a clean row (missing line reference or period, empty required amount, any
    value that does not parse); the caller then runs `_parse_billing_row`, which reports the
    row's errors. For a clean row both give equal lines.
    """

    _TEXTS = ("classification", "customer_name", "customer_id", "vendor_name", "service_name", "product_name",
              "friendly_name", "description", "arrow_sku", "vendor_sku", "currency", "vendor_subscription_id",
              "license_reference", "billing_cycle", "segment")
    _AMOUNTS = ("quantity", "unit_sell_price", "sell_total", "buy_total", "retail_total")
    _DATES = ("bill_from", "bill_to", "validation_date")

    def __init__(self, headers: Sequence[str], columns: dict[str, str], default_period: Period | None,
                 date_format: str) -> None:
        position = {title: index for index, title in enumerate(headers)}  # the last of repeated titles wins
        self.columns = {name: position[title] for name, title in columns.items()}
        self.default_period = default_period
        self.date_format = date_format
        self.usable = "sell_total" in self.columns and "buy_total" in self.columns
        self._periods: dict[str, Period] = {}
        self._dates: dict[str, dt.date | None] = {}
        # Positions resolved once per page; None for a column the export does not have.
        self._texts = tuple((name, self.columns.get(name)) for name in self._TEXTS)
        self._amounts = tuple(self.columns.get(name) for name in self._AMOUNTS)
        self._date_positions = tuple(self.columns.get(name) for name in self._DATES)
        self._keys = tuple(self.columns.get(name) for name in ("sequence", "order_id", "report_period"))

    def _amount(self, values: Sequence[Any], index: int | None) -> Decimal | None:
        if index is None:
            return None
        raw = values[index]
        if raw.__class__ is str:
            text = raw.strip()
            return parse_decimal_text(text) if text else None
        return None if cell_text(raw) is None else parse_decimal(raw)

    def _date(self, text: str | None) -> dt.date | None:
        if text is None:
            return None
        if text not in self._dates:
            self._dates[text] = parse_export_date(text, self.date_format)
        return self._dates[text]

    def parse(self, values: Sequence[Any], row_number: int) -> BillingLine | None:
        if not self.usable:
            return None
        sequence, order_id, period_text = (None if index is None else cell_text(values[index]) for index in self._keys)
        if (sequence or order_id) is None or (period_text is None and self.default_period is None):
            return None
        try:
            report_period = self.default_period
            if period_text is not None:
                report_period = self._periods.get(period_text) or self._periods.setdefault(
                    period_text, Period.parse(period_text))
            quantity, unit_sell_price, sell_total, buy_total, retail_total = (
                self._amount(values, index) for index in self._amounts
            )
            bill_from, bill_to, validation_date = (
                self._date(None if index is None else cell_text(values[index])) for index in self._date_positions
            )
        except ValueError:  # InvalidAmount included
            return None
        if sell_total is None or buy_total is None:
            return None
        fields = {}
        for name, index in self._texts:  # `cell_text` written out: 15 cells a row
            raw = None if index is None else values[index]
            fields[name] = (raw.strip() or None) if raw.__class__ is str else cell_text(raw)
        fields.update(
            row_number=row_number,
            line_reference=sequence or order_id,
            sequence=sequence,
            order_id=order_id,
            report_period=report_period,
            quantity=DEFAULT_QUANTITY if quantity is None else quantity,
            unit_sell_price=unit_sell_price,
            sell_total=sell_total,
            buy_total=buy_total,
            retail_total=retail_total,
            bill_from=bill_from,
            bill_to=bill_to,
            validation_date=validation_date,
        )
        return BillingLine(**fields)


def _parse_billing_row(
    row: dict[str, Any], columns: dict[str, str], row_number: int, default_period: Period | None, date_format: str
) -> tuple[BillingLine | None, list[BillingLineError]]:
    reader = _RowReader(row, columns, row_number, date_format)
    sequence, order_id = reader.text("sequence"), reader.text("order_id")
    reader.line_reference = sequence or order_id
    if reader.line_reference is None:
        reader.fail("sequence", f"no line reference ({describe_field('sequence')} or {describe_field('order_id')})")

    report_period = default_period
    period_text = reader.text("report_period")
    if period_text is not None:
        try:
            report_period = Period.parse(period_text)
        except ValueError as exc:
            reader.fail("report_period", str(exc))
    elif default_period is None:
        reader.fail("report_period", "no report period")

    quantity = reader.amount("quantity", required=False)
    unit_sell_price = reader.amount("unit_sell_price", required=False)
    sell_total = reader.amount("sell_total", required=True)
    buy_total = reader.amount("buy_total", required=True)
    retail_total = reader.amount("retail_total", required=False)
    bill_from, bill_to = reader.date("bill_from"), reader.date("bill_to")
    validation_date = reader.date("validation_date")

    if reader.errors:
        return None, reader.errors
    line = BillingLine(
        row_number=row_number,
        line_reference=reader.line_reference,
        sequence=sequence,
        order_id=order_id,
        report_period=report_period,
        classification=reader.text("classification"),
        customer_name=reader.text("customer_name"),
        customer_id=reader.text("customer_id"),
        vendor_name=reader.text("vendor_name"),
        service_name=reader.text("service_name"),
        product_name=reader.text("product_name"),
        friendly_name=reader.text("friendly_name"),
        description=reader.text("description"),
        arrow_sku=reader.text("arrow_sku"),
        vendor_sku=reader.text("vendor_sku"),
        quantity=DEFAULT_QUANTITY if quantity is None else quantity,
        unit_sell_price=unit_sell_price,
        sell_total=sell_total,
        buy_total=buy_total,
        retail_total=retail_total,
        currency=reader.text("currency"),
        bill_from=bill_from,
        bill_to=bill_to,
        vendor_subscription_id=reader.text("vendor_subscription_id"),
        license_reference=reader.text("license_reference"),
        validation_date=validation_date,
        billing_cycle=reader.text("billing_cycle"),
        segment=reader.text("segment"),
    )
    return line, []
