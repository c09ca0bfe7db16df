"""Paging of the emulated billing export without materialising it.

An export is a sequence of segments per period: the period's seeded and added lines (a short list,
filtered in memory), then the lines of scaled licenses and the filler lines of the scale knob.
The last two are arithmetic: line ``j`` belongs to customer ``j % len(customers)`` and is IAAS, so
counts and the ``k``-th matching line under a customer or classification filter are computed, not
searched. A page therefore costs the same whatever the scale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from arrow_client.periods import Period
from arrow_emulator.generator import ExportLine

IAAS = "IAAS"


@dataclass(frozen=True)
class ExportFilter:
    period_from: Period
    period_to: Period
    classifications: frozenset[str] | None = None
    customer_refs: frozenset[str] | None = None

    def accepts(self, line: ExportLine) -> bool:
        if self.classifications is not None and line.license.product.classification not in self.classifications:
            return False
        return self.customer_refs is None or line.license.customer.reference in self.customer_refs

    def accepts_iaas(self) -> bool:
        return self.classifications is None or IAAS in self.classifications


class ListSegment:
    def __init__(self, lines: list[ExportLine]) -> None:
        self.lines = lines

    def count(self) -> int:
        return len(self.lines)

    def line_at(self, position: int) -> ExportLine:
        return self.lines[position]


class ArithmeticSegment:
    """Lines ``0..size-1`` built by ``make``; line ``j`` belongs to customer ``j % modulus``."""

    def __init__(self, size: int, modulus: int, residues: list[int] | None, make: Callable[[int], ExportLine]) -> None:
        self.size = size
        self.modulus = modulus
        self.residues = residues
        self.make = make

    def count(self) -> int:
        if self.residues is None:
            return self.size
        return sum(max(0, (self.size - residue + self.modulus - 1) // self.modulus) for residue in self.residues)

    def line_at(self, position: int) -> ExportLine:
        if self.residues is None:
            return self.make(position)
        block, slot = divmod(position, len(self.residues))
        return self.make(block * self.modulus + self.residues[slot])


class ExportQuery:
    """The lines of one export request, addressable by page."""

    def __init__(self, segments: list[ListSegment | ArithmeticSegment]) -> None:
        self.segments = [(segment, segment.count()) for segment in segments]
        self.total = sum(count for _, count in self.segments)

    def page(self, number: int, per_page: int) -> list[ExportLine]:
        return list(self._slice((number - 1) * per_page, per_page))

    def _slice(self, start: int, limit: int) -> Iterator[ExportLine]:
        for segment, count in self.segments:
            if limit <= 0:
                return
            if start >= count:
                start -= count
                continue
            stop = min(count, start + limit)
            for position in range(start, stop):
                yield segment.line_at(position)
            limit -= stop - start
            start = 0


def customer_residues(customer_refs: list[str], wanted: frozenset[str] | None) -> list[int] | None:
    """Indexes of the wanted customers in ``customer_refs`` (``None``: no customer filter)."""
    if wanted is None:
        return None
    return [index for index, reference in enumerate(customer_refs) if reference in wanted]
