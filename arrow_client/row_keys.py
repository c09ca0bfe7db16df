"""Reading what identifies a raw billing export row, without parsing the row.

`BillingRowKeys` lets an importer recognise rows it has seen before (by the cells parsing would
read) at a fraction of the cost of parsing them; `arrow_client.parsing` parses the others.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from arrow_client.parsing import BILLING_COLUMNS, cell_text, resolve_columns


class RowKeys(NamedTuple):
    """What identifies one raw export row: the cells parsing reads and, from them, the texts
    parsing would give (stripped, ``None`` when empty)."""

    cells: tuple
    line_reference: str | None  # ``Sequence``, else ``Order Id``
    customer_id: str | None
    customer_name: str | None
    license_reference: str | None


class BillingRowKeys:
    """Reads what identifies a raw export row, without parsing the row.

    `read` gives the `RowKeys` of a row: the cells that parsing reads (the row's content as far as
    a `BillingLine` can tell) and the line reference, customer id and name and license reference
    read from them; ``None`` for a row that is not a list of one value per column.
    """

    _NAMES = ("sequence", "order_id", "customer_id", "customer_name", "license_reference")

    def __init__(self, headers: Sequence[str]) -> None:
        position = {title: index for index, title in enumerate(headers)}  # as `_FastRowParser`
        columns = resolve_columns(headers, BILLING_COLUMNS)
        self.width = len(headers)
        read = sorted({position[title] for title in columns.values()})
        self._cells = _tuple_getter(read)
        offset = {index: number for number, index in enumerate(read)}
        self._offsets = tuple(offset[position[columns[name]]] if name in columns else None for name in self._NAMES)

    def read(self, values: Any) -> RowKeys | None:
        if not isinstance(values, list | tuple) or len(values) != self.width:
            return None
        cells = self._cells(values)
        sequence, order_id, customer_id, customer_name, license_reference = (
            None if offset is None else cell_text(cells[offset]) for offset in self._offsets
        )
        return RowKeys(cells, sequence or order_id, customer_id, customer_name, license_reference)


def _tuple_getter(positions: list[int]) -> Callable[[Sequence[Any]], tuple]:
    if len(positions) > 1:
        return operator.itemgetter(*positions)
    return lambda values: tuple(values[index] for index in positions)
