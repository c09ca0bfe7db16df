"""Parsing a license's monthly consumption (``headers`` + ``lines``) into `ConsumptionLine`s.

Arrow writes the string ``"null"`` for an absent value; a malformed value or row raises
`TabularParseError` naming the line and column. No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from arrow_client.money import InvalidAmount, parse_decimal
from arrow_client.parsing.columns import (
    CONSUMPTION_COLUMNS,
    CONSUMPTION_NULL,
    cell_text,
    describe_field,
    resolve_columns,
)
from arrow_client.periods import Period
from arrow_client.types import ConsumptionLine


class TabularParseError(ValueError):
    """A tabular payload (consumption) holds a value that cannot be parsed."""


def parse_consumption_lines(headers: Sequence[str], lines: Sequence[Any]) -> list[ConsumptionLine]:
    """Parse a consumption answer's ``headers`` + ``lines``; the string ``"null"`` means absent.

    Raises `TabularParseError` naming the line and column for a malformed value or row.
    """
    columns = resolve_columns(headers, CONSUMPTION_COLUMNS)
    if "report_period" not in columns:
        raise TabularParseError(f"consumption headers lack {describe_field('report_period', CONSUMPTION_COLUMNS)}")
    parsed: list[ConsumptionLine] = []
    for number, values in enumerate(lines, start=1):
        if not isinstance(values, list | tuple) or len(values) != len(headers):
            raise TabularParseError(f"consumption line {number} does not match the {len(headers)} headers")
        row = dict(zip(headers, values, strict=True))

        def text(name: str, row: dict[str, Any] = row) -> str | None:
            title = columns.get(name)
            value = None if title is None else cell_text(row[title])
            return None if value == CONSUMPTION_NULL else value

        def amount(name: str, number: int = number) -> Decimal | None:
            value = text(name)
            try:
                return None if value is None else parse_decimal(value)
            except InvalidAmount as exc:
                raise TabularParseError(f"consumption line {number}, {columns[name]}: {exc}") from None

        period_text = text("report_period")
        try:
            report_period = Period.parse(period_text or "")
        except ValueError as exc:
            raise TabularParseError(f"consumption line {number}: {exc}") from None
        parsed.append(
            ConsumptionLine(
                report_period=report_period,
                product_name=text("product_name"),
                meter_category=text("meter_category"),
                meter_subcategory=text("meter_subcategory"),
                uom=text("uom"),
                quantity=amount("quantity"),
                currency=text("currency"),
                buy_total=amount("buy_total"),
                sell_total=amount("sell_total"),
                resource_group=text("resource_group"),
                region=text("region"),
                raw=row,
            )
        )
    return parsed
