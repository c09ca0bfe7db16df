"""Mutable state of a running emulator: configuration, "today", control-API changes, faults, counters.

The seeded data itself is derived on demand by `arrow_emulator.generator.DataModel`; this module
keeps only what the control API changed on top of it (line prices, added and removed lines,
consumption totals) and answers the questions routes ask (a period's lines, an export query, a
license-month's consumption). Requests are served on one event loop, so no locking is needed here.

Every change of the data an export depends on starts a new data ``generation`` and empties the
optional cache of rendered export pages (``export_cache_mb``), whose keys include the generation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from arrow_client.periods import Period
from arrow_emulator.exports import ArithmeticSegment, ExportFilter, ExportQuery, ListSegment, scale_residues
from arrow_emulator.faults import FaultBook, RequestCounters
from arrow_emulator.generator import SCALE_PRODUCTS, ConsumptionItem, DataModel, ExportLine, LicenseRecord
from arrow_emulator.page_cache import PageCache
from arrow_emulator.seeds import DEMO_SEED, MAX_TENANT, catalogue_for

DEFAULT_API_KEY = "arrow-demo-key"
DEFAULT_BASE_PATH = "/index.php/api/"
DEFAULT_VALIDATION_DELAY_DAYS = 5
EXPORT_PAGE_SIZE = 1000
ADDED_SEQUENCE_PREFIX = "ADD"
MEBIBYTE = 1024 * 1024


class NotFoundError(LookupError):
    """A control-API call names a line or license that does not exist."""


class ConflictError(ValueError):
    """A control-API call asks for something the emulator cannot do to this object."""


@dataclass(frozen=True)
class EmulatorConfig:
    seed: str = DEMO_SEED
    api_key: str = DEFAULT_API_KEY
    base_path: str = DEFAULT_BASE_PATH
    today: dt.date | None = None  # None: the real current date
    validation_delay_days: int = DEFAULT_VALIDATION_DELAY_DAYS
    scale_lines: int = 0  # at least this many export lines in every period of the window
    scale_licenses: int = 0  # at least this many licenses in the listing
    export_page_size: int = EXPORT_PAGE_SIZE
    export_cache_mb: int = 0  # > 0: keep rendered export pages, up to this many MiB (0: off)
    tenant: int = 0  # > 0: the partner and customers have references of their own (`seeds.tenant_reference`)

    def __post_init__(self) -> None:
        if not self.base_path.startswith("/") or not self.base_path.endswith("/"):
            raise ValueError("base_path must start and end with '/'")
        for name in ("validation_delay_days", "scale_lines", "scale_licenses", "export_cache_mb"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.export_page_size < 1:
            raise ValueError("export_page_size must be >= 1")
        if not 0 <= self.tenant <= MAX_TENANT:
            raise ValueError(f"tenant must be between 0 and {MAX_TENANT}")


class EmulatorState:
    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.initial_config = self.config
        self.faults = FaultBook()
        self.counters = RequestCounters()
        self._model: DataModel | None = None
        self.generation = 0
        self.export_pages = PageCache(self.config.export_cache_mb * MEBIBYTE)
        self._clear_changes()

    # Lifecycle

    def reset(self, **changes: object) -> None:
        """Back to seeded data and the startup configuration with ``changes`` applied.

        Clears every control-API change, the faults, the counters and the export page cache.
        """
        self.config = replace(self.initial_config, **changes)
        self._model = None
        self._clear_changes()
        self.faults.clear()
        self.counters.reset()
        self.generation += 1
        self.export_pages = PageCache(self.config.export_cache_mb * MEBIBYTE)

    def set_today(self, today: dt.date) -> None:
        """Move "today": the current month, partial usage and validated periods follow it."""
        self.config = replace(self.config, today=today)
        self._model = None
        self._export_data_changed()

    def _export_data_changed(self) -> None:
        # A new generation makes every cached page unusable; clearing frees their memory now.
        self.generation += 1
        self.export_pages.clear()

    def _clear_changes(self) -> None:
        self.price_overrides: dict[str, tuple[Decimal, Decimal]] = {}
        self.removed: set[str] = set()
        self.added: dict[Period, list[ExportLine]] = {}
        self.consumption_overrides: dict[tuple[str, Period], tuple[Decimal, Decimal]] = {}
        self._added_counter = 0

    @property
    def today(self) -> dt.date:
        return self.config.today or dt.date.today()

    @property
    def model(self) -> DataModel:
        if self._model is None or self._model.today != self.today:
            catalogue = catalogue_for(self.config.seed, self.config.tenant)
            self._model = DataModel(catalogue, self.config.seed, self.today, self.config.validation_delay_days,
                                    self.config.scale_licenses)
        return self._model

    # Export lines

    def period_lines(self, period: Period) -> list[ExportLine]:
        """Seeded lines of ``period`` minus removed ones, plus added ones (scale lines excluded)."""
        lines = [line for line in self.model.demo_export_lines(period) if line.sequence not in self.removed]
        return lines + self.added.get(period, [])

    def with_price(self, line: ExportLine) -> ExportLine:
        override = self.price_overrides.get(line.sequence)
        return line if override is None else replace(line, sell=override[0], buy=override[1])

    def export_page_key(self, export_type: str, flt: ExportFilter, page: int,
                        date_format: str) -> tuple[object, ...]:
        """What one export page depends on: the request (filters, page, date format), the data
        generation and the effective "today" (with the real clock, the data changes at midnight
        without any control call)."""
        return (self.generation, self.today, export_type, flt, page, date_format, self.config.export_page_size)

    def export_query(self, flt: ExportFilter) -> ExportQuery:
        model = self.model
        segments: list[ListSegment | ArithmeticSegment] = []
        products = tuple(model.catalogue.products[key] for key in SCALE_PRODUCTS)
        modulus, residues = scale_residues(flt, model.customers, products) if model.customers else (1, [])
        for period in Period.range(flt.period_from, flt.period_to):
            lines = self.period_lines(period)
            segments.append(ListSegment([line for line in lines if flt.accepts(line)]))
            if not model.in_window(period) or residues == []:
                continue
            fillers = max(0, self.config.scale_lines - len(lines) - model.scaled_count)
            for size, make in ((model.scaled_count, lambda j, p=period: model.scale_line(j, p)),
                               (fillers, lambda j, p=period: model.filler_line(j, p))):
                segment = ArithmeticSegment(size, modulus, residues, make)
                if flt.names_lines:  # few lines match: scan the segment once
                    segment = ListSegment([line for line in map(segment.line_at, range(segment.count()))
                                           if flt.accepts(line)])
                segments.append(segment)
        return ExportQuery(segments)

    def find_line(self, sequence: str) -> ExportLine | None:
        """A line by ``Sequence``: seeded or added lines of any period, or a scale line of the window."""
        for lines in self.added.values():
            for line in lines:
                if line.sequence == sequence:
                    return line
        for period in self.model.window:
            for line in self.model.demo_export_lines(period):
                if line.sequence == sequence and line.sequence not in self.removed:
                    return line
        return self._find_scale_line(sequence)

    def _find_scale_line(self, sequence: str) -> ExportLine | None:
        # SCL<yy>-<yyyymm>-L<index> (scaled license) or SCL<yy>-<yyyymm>-F<number> (filler)
        parts = sequence.split("-")
        if len(parts) != 3 or not parts[0].startswith("SCL") or len(parts[1]) != 6 or len(parts[2]) != 8:
            return None
        try:
            period = Period.parse(f"{parts[1][:4]}-{parts[1][4:]}")
            number = int(parts[2][1:])
        except ValueError:
            return None
        model = self.model
        if not model.in_window(period) or not model.customers:
            return None
        if parts[2][0] == "L":
            scaled = number - (model.license_count - model.scaled_count)
            return model.scale_line(scaled, period) if 0 <= scaled < model.scaled_count else None
        fillers = max(0, self.config.scale_lines - len(self.period_lines(period)) - model.scaled_count)
        return model.filler_line(number, period) if parts[2][0] == "F" and number < fillers else None

    # Control operations

    def set_line_price(self, sequence: str, sell: Decimal, buy: Decimal) -> ExportLine:
        line = self.find_line(sequence)
        if line is None:
            raise NotFoundError(f"no export line with Sequence {sequence!r}")
        self.price_overrides[sequence] = (sell, buy)
        self._export_data_changed()
        return self.with_price(line)

    def add_line(self, *, period: Period, license_ref: str, sell: Decimal, buy: Decimal,
                 quantity: Decimal = Decimal(1), sequence: str | None = None) -> ExportLine:
        record = self.find_license(license_ref)
        if record is None:
            raise NotFoundError(f"no license {license_ref!r}")
        if sequence is None:
            self._added_counter += 1
            sequence = f"{ADDED_SEQUENCE_PREFIX}{period.year % 100:02d}-{period.year}{period.month:02d}-" \
                       f"{self._added_counter:05d}"
        elif self.find_line(sequence) is not None:
            raise ConflictError(f"an export line with Sequence {sequence!r} already exists")
        line = ExportLine(sequence, period, record, quantity, sell, buy, "added")
        self.added.setdefault(period, []).append(line)
        self._export_data_changed()
        return line

    def remove_line(self, sequence: str) -> None:
        for period, lines in self.added.items():
            kept = [line for line in lines if line.sequence != sequence]
            if len(kept) != len(lines):
                self.added[period] = kept
                self._export_data_changed()
                return
        line = self.find_line(sequence)
        if line is None:
            raise NotFoundError(f"no export line with Sequence {sequence!r}")
        if line.kind != "demo":
            raise ConflictError("lines generated by the scale knob cannot be removed")
        self.removed.add(sequence)
        self._export_data_changed()

    def find_license(self, reference: str) -> LicenseRecord | None:
        return self.model.find_license(reference)

    # Consumption overrides change consumption answers only; export lines keep their own amounts
    # (the control API may change either side independently), so cached export pages stay valid.

    def set_consumption(self, license_ref: str, period: Period, sell: Decimal, buy: Decimal) -> None:
        if self.find_license(license_ref) is None:
            raise NotFoundError(f"no license {license_ref!r}")
        self.consumption_overrides[(license_ref, period)] = (sell, buy)

    def clear_consumption(self, license_ref: str, period: Period) -> None:
        self.consumption_overrides.pop((license_ref, period), None)

    def consumption(self, record: LicenseRecord, period_from: Period, period_to: Period) -> list[ConsumptionItem]:
        items: list[ConsumptionItem] = []
        for period in Period.range(period_from, period_to):
            override = self.consumption_overrides.get((record.reference, period))
            if override is None and not self.model.in_window(period):
                continue
            items.extend(self.model.consumption_items(record, period, override))
        return items
