"""Paging of the emulated billing export without materialising it.

An export is a sequence of segments per period: the period's seeded and added lines (a short list,
filtered in memory), then the lines of scaled licenses and the filler lines of the scale knob.
The last two are arithmetic: line ``j`` belongs to customer ``j % len(customers)``, bills product
``SCALE_PRODUCTS[j % 2]`` and is IAAS, so counts and the ``k``-th matching line under filters on
customers, classifications, vendors, programs or SKU are computed, not searched, and a page costs
the same whatever the scale. Filters that name single lines or licenses (sequences, vendor
subscription ids, friendly names) select few lines: those segments are scanned once per request.

`ExportFilter` holds every filter of the request (the PHP SDK's ``ErpExportsClient::EXPORT_FILTERS_*``
that the emulator honours), text compared without case.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from arrow_client.periods import Period
from arrow_emulator.generator import ExportLine
from arrow_emulator.seeds import CustomerSeed, ProductSeed


def _allows(wanted: frozenset[str] | None, value: str) -> bool:
    return wanted is None or value.casefold() in wanted


@dataclass(frozen=True)
class ExportFilter:
    """The filters of one export request; ``None`` is "not filtered"; text is kept casefolded."""

    period_from: Period
    period_to: Period
    classifications: frozenset[str] | None = None
    customer_refs: frozenset[str] | None = None
    vendors: frozenset[str] | None = None
    programs: frozenset[str] | None = None
    arrow_sku: str | None = None
    sequences: frozenset[str] | None = None
    vendor_subscription_ids: frozenset[str] | None = None
    friendly_names: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for name in ("classifications", "customer_refs", "vendors", "programs", "sequences",
                     "vendor_subscription_ids", "friendly_names"):
            wanted = getattr(self, name)
            if wanted is not None:
                object.__setattr__(self, name, frozenset(text.casefold() for text in wanted))
        if self.arrow_sku is not None:
            object.__setattr__(self, "arrow_sku", self.arrow_sku.casefold())

    def accepts_customer(self, customer: CustomerSeed) -> bool:
        return _allows(self.customer_refs, customer.reference)

    def accepts_product(self, product: ProductSeed) -> bool:
        return (_allows(self.classifications, product.classification) and _allows(self.vendors, product.vendor_name)
                and _allows(self.programs, product.program_reference)
                and (self.arrow_sku is None or product.arrow_sku.casefold() == self.arrow_sku))

    @property
    def names_lines(self) -> bool:
        """Whether a filter names single lines or licenses (segments must then be scanned)."""
        return any(wanted is not None for wanted in (self.sequences, self.vendor_subscription_ids,
                                                     self.friendly_names))

    def accepts(self, line: ExportLine) -> bool:
        record = line.license
        return (self.accepts_customer(record.customer) and self.accepts_product(record.product)
                and _allows(self.sequences, line.sequence)
                and _allows(self.vendor_subscription_ids, record.vendor_license_id)
                and _allows(self.friendly_names, record.seed.friendly_name))


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


def scale_residues(flt: ExportFilter, customers: tuple[CustomerSeed, ...],
                   products: tuple[ProductSeed, ...]) -> tuple[int, list[int] | None]:
    """``(modulus, residues)`` of the arithmetic lines ``flt`` accepts: line ``j`` has customer
    ``customers[j % len(customers)]`` and product ``products[j % len(products)]``, so whether it
    is accepted depends on ``j % modulus`` only; ``residues`` is ``None`` when every line is."""
    modulus = math.lcm(len(customers), len(products))
    accepted = [residue for residue in range(modulus)
                if flt.accepts_customer(customers[residue % len(customers)])
                and flt.accepts_product(products[residue % len(products)])]
    return modulus, None if len(accepted) == modulus else accepted
