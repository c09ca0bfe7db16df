"""Deterministic data of the emulator: licenses, monthly amounts, consumption rows and export lines.

`DataModel` derives everything from the catalogue, the seed name and "today"; nothing is stored, so
the scale knob (thousands of licenses, a hundred thousand export lines a period) costs no memory:
a license or a line is built when a page needs it. The same inputs always give the same data
(amounts come from `random.Random` seeded with strings, never from `hash()`).

Rules (see `arrow_emulator.seeds` for the licenses they apply to):
- data exists for 13 months, the current one (the month of "today") included;
- the current month holds usage up to "today" (full amount x day / days in month);
- an IAAS license-month's export lines sum to its consumption, plus the license's final adjustment;
- SAAS licenses have no consumption; they bill seats x seat price every month;
- a line is validated ``validation_delay_days`` after the end of its month.
This module does not know about HTTP, overrides or the control API (`arrow_emulator.state` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from arrow_client.periods import Period
from arrow_emulator.seeds import CURRENCY, Catalogue, CustomerSeed, LicenseSeed, Meter, ProductSeed

WINDOW_MONTHS = 13
FIRST_SPLIT_PERCENT = Decimal(70)
HUNDRED = Decimal(100)
CONSUMPTION_QUANTUM = Decimal("0.00001")
UNIT_USAGE_PRICE = Decimal("0.0875")  # turns a generated amount into a plausible usage quantity
SCALE_LICENSE_PREFIX = "XSP9"
FILLER_LICENSE_PREFIX = "XSP8"
SCALE_PRODUCTS = ("azure", "aws")


@dataclass(frozen=True, slots=True)
class LicenseRecord:
    """A license as the emulator serves it: its seed plus resolved customer and product."""

    seed: LicenseSeed
    customer: CustomerSeed
    product: ProductSeed
    index: int  # position in the licenses listing (-1 for filler licenses, which are not listed)

    @property
    def reference(self) -> str:
        return self.seed.reference

    @property
    def vendor_license_id(self) -> str:
        return _hex_id(self.reference, 32, dashed=True)

    @property
    def order_id(self) -> str:
        return f"O_ARWS-V7-{_hex_id(self.reference, 8)}-{self.customer.reference[3:]}"


@dataclass(frozen=True, slots=True)
class ExportLine:
    """One billing export line before rendering into an export type's columns."""

    sequence: str
    period: Period
    license: LicenseRecord
    quantity: Decimal
    sell: Decimal
    buy: Decimal
    kind: str  # "demo", "added", "scale" or "filler"


@dataclass(frozen=True, slots=True)
class ConsumptionItem:
    """One consumption line before rendering into Arrow's consumption columns."""

    period: Period
    meter: Meter
    resource_group: str
    quantity: Decimal
    sell: Decimal
    buy: Decimal
    currency: str = CURRENCY


@dataclass(frozen=True, slots=True)
class MonthAmounts:
    consumed_sell: Decimal
    consumed_buy: Decimal
    final_sell: Decimal
    final_buy: Decimal


class DataModel:
    """Read-only view of a seed's data as of ``today``."""

    def __init__(self, catalogue: Catalogue, seed: str, today: dt.date, validation_delay_days: int,
                 scale_licenses: int = 0) -> None:
        self.catalogue = catalogue
        self.seed = seed
        self.today = today
        self.validation_delay_days = validation_delay_days
        self.current = Period.from_date(today)
        self.first = self.current.shift(1 - WINDOW_MONTHS)
        self.customers = catalogue.customers
        self._customer_by_ref = {customer.reference: customer for customer in catalogue.customers}
        self._demo = tuple(
            LicenseRecord(seed_, self._customer_by_ref[seed_.customer_ref], catalogue.products[seed_.product_key], i)
            for i, seed_ in enumerate(catalogue.licenses)
        )
        self._demo_by_ref = {record.reference: record for record in self._demo}
        self.scaled_count = max(0, scale_licenses - len(self._demo)) if self.customers else 0

    # Periods and validation

    @property
    def window(self) -> tuple[Period, ...]:
        return tuple(Period.range(self.first, self.current))

    def in_window(self, period: Period) -> bool:
        return self.first <= period <= self.current

    def validation_date(self, period: Period) -> dt.date | None:
        """When Arrow validated the month's lines, or ``None`` if not yet (never the current month)."""
        validated_on = period.last_day + dt.timedelta(days=self.validation_delay_days)
        if period < self.current and self.today >= validated_on:
            return validated_on
        return None

    # Customers and licenses

    def customer(self, reference: str) -> CustomerSeed | None:
        return self._customer_by_ref.get(reference)

    @property
    def license_count(self) -> int:
        return len(self._demo) + self.scaled_count

    def license_at(self, index: int) -> LicenseRecord:
        if index < len(self._demo):
            return self._demo[index]
        return self._scaled_license(index - len(self._demo))

    def find_license(self, reference: str) -> LicenseRecord | None:
        if reference in self._demo_by_ref:
            return self._demo_by_ref[reference]
        number = _number_after(reference, SCALE_LICENSE_PREFIX)
        if number is not None and number < self.scaled_count:
            return self._scaled_license(number)
        return None

    def demo_licenses_of(self, customer_ref: str) -> list[LicenseRecord]:
        return [record for record in self._demo if record.customer.reference == customer_ref]

    def scaled_license(self, number: int) -> LicenseRecord:
        return self._scaled_license(number)

    def _scaled_license(self, number: int) -> LicenseRecord:
        product_key = SCALE_PRODUCTS[number % len(SCALE_PRODUCTS)]
        reference = f"{SCALE_LICENSE_PREFIX}{number:07d}"
        rng = random.Random(f"{self.seed}|{reference}")
        seed = LicenseSeed(reference, self.customers[number % len(self.customers)].reference, product_key,
                           f"Scale {product_key} {number:07d}", Decimal(rng.randint(5_000, 200_000)) / 100)
        return LicenseRecord(seed, self.customers[number % len(self.customers)],
                             self.catalogue.products[product_key], len(self._demo) + number)

    def filler_license(self, number: int) -> LicenseRecord:
        product_key = SCALE_PRODUCTS[number % len(SCALE_PRODUCTS)]
        reference = f"{FILLER_LICENSE_PREFIX}{number:07d}"
        customer = self.customers[number % len(self.customers)]
        seed = LicenseSeed(reference, customer.reference, product_key, f"Filler {number:07d}",
                           Decimal(200 + number % 1800))
        return LicenseRecord(seed, customer, self.catalogue.products[product_key], -1)

    def is_active(self, record: LicenseRecord, period: Period) -> bool:
        if not self.in_window(period):
            return False
        if record.seed.start_offset is not None and period < self.current.shift(-record.seed.start_offset):
            return False
        if record.seed.end_offset is not None and period > self.current.shift(-record.seed.end_offset):
            return False
        return True

    def subscription_start(self, record: LicenseRecord) -> dt.date:
        offset = record.seed.start_offset if record.seed.start_offset is not None else WINDOW_MONTHS + record.index % 9
        return self.current.shift(-offset).first_day + dt.timedelta(days=3)

    # Amounts

    def month_amounts(self, record: LicenseRecord, period: Period) -> MonthAmounts | None:
        """Consumed and final totals of an IAAS license-month; ``None`` when there is no usage."""
        seed, product = record.seed, record.product
        if not product.is_iaas or seed.zero_usage or not self.is_active(record, period):
            return None
        if seed.zero_usage_every and period.index % seed.zero_usage_every == 0:
            return None
        quantum = Decimal(1).scaleb(-product.decimals)
        rng = random.Random(f"{self.seed}|{record.reference}|{period}")
        sell = seed.monthly_sell * Decimal(rng.randint(70, 130)) / HUNDRED
        if period == self.current:
            sell = sell * self.today.day / period.last_day.day
        sell = sell.quantize(quantum)
        if sell <= 0:
            return None
        buy = (sell * (HUNDRED - product.margin_percent) / HUNDRED).quantize(quantum)
        adjust = (HUNDRED + seed.final_adjustment_percent) / HUNDRED
        return MonthAmounts(sell, buy, (sell * adjust).quantize(quantum), (buy * adjust).quantize(quantum))

    def consumption_items(self, record: LicenseRecord, period: Period,
                          totals: tuple[Decimal, Decimal] | None) -> list[ConsumptionItem]:
        """Consumption lines of a license-month; ``totals`` (sell, buy) overrides the generated ones.

        The totals are split over the product's meters; zero totals mean no lines (no usage).
        """
        if totals is None:
            amounts = self.month_amounts(record, period)
            if amounts is None:
                return []
            totals = (amounts.consumed_sell, amounts.consumed_buy)
        sell_total, buy_total = totals
        if sell_total == 0 and buy_total == 0:
            return []
        product = record.product
        meters = product.meters or (Meter(product.offer_name, product.service_name, "null", "Unit", "null", 100),)
        shares = [meter.share for meter in meters]
        items = []
        for meter, sell, buy in zip(meters, _split(sell_total, shares), _split(buy_total, shares), strict=True):
            items.append(ConsumptionItem(
                period=period,
                meter=meter,
                resource_group=f"rg-{record.reference.lower()}" if product.key == "azure" else "null",
                quantity=(abs(sell) / UNIT_USAGE_PRICE).quantize(CONSUMPTION_QUANTUM),
                sell=sell,
                buy=buy,
            ))
        return items

    # Export lines

    def demo_export_lines(self, period: Period) -> list[ExportLine]:
        """Export lines of the seeded licenses for ``period`` (before control-API changes)."""
        lines: list[ExportLine] = []
        for record in self._demo:
            lines.extend(self.license_export_lines(record, period, kind="demo"))
        return lines

    def license_export_lines(self, record: LicenseRecord, period: Period, *, kind: str) -> list[ExportLine]:
        product, seed = record.product, record.seed
        prefix = f"{product.sequence_prefix}{period.year % 100:02d}-{period.year}{period.month:02d}"
        if not product.is_iaas:
            if not self.is_active(record, period):
                return []
            quantum = Decimal(1).scaleb(-product.decimals)
            sell = (product.unit_sell_price * seed.seats).quantize(quantum)
            buy = (sell * (HUNDRED - product.margin_percent) / HUNDRED).quantize(quantum)
            return [ExportLine(f"{prefix}{record.index:03d}-1", period, record, Decimal(seed.seats), sell, buy, kind)]
        amounts = self.month_amounts(record, period)
        if amounts is None:
            return []
        quantity = Decimal(seed.quantity)
        if kind == "scale":
            sequence = f"SCL{period.year % 100:02d}-{period.year}{period.month:02d}-L{record.index:07d}"
            return [ExportLine(sequence, period, record, quantity, amounts.final_sell, amounts.final_buy, kind)]
        if not seed.split_lines:
            return [ExportLine(f"{prefix}{record.index:03d}-1", period, record, quantity,
                               amounts.final_sell, amounts.final_buy, kind)]
        quantum = Decimal(1).scaleb(-product.decimals)
        first_sell = (amounts.final_sell * FIRST_SPLIT_PERCENT / HUNDRED).quantize(quantum)
        first_buy = (amounts.final_buy * FIRST_SPLIT_PERCENT / HUNDRED).quantize(quantum)
        return [
            ExportLine(f"{prefix}{record.index:03d}-1", period, record, quantity, first_sell, first_buy, kind),
            ExportLine(f"{prefix}{record.index:03d}-2", period, record, quantity,
                       amounts.final_sell - first_sell, amounts.final_buy - first_buy, kind),
        ]

    def scale_line(self, number: int, period: Period) -> ExportLine:
        """The export line of scaled license ``number`` (every scaled license bills every month)."""
        return self.license_export_lines(self._scaled_license(number), period, kind="scale")[0]

    def filler_line(self, number: int, period: Period) -> ExportLine:
        record = self.filler_license(number)
        rng = random.Random(f"{self.seed}|{record.reference}|{period}")
        quantum = Decimal(1).scaleb(-record.product.decimals)
        sell = (Decimal(rng.randint(100, 500_000)) / 100).quantize(quantum)
        buy = (sell * (HUNDRED - record.product.margin_percent) / HUNDRED).quantize(quantum)
        sequence = f"SCL{period.year % 100:02d}-{period.year}{period.month:02d}-F{number:07d}"
        return ExportLine(sequence, period, record, Decimal(1), sell, buy, "filler")


def _split(total: Decimal, shares: list[int]) -> list[Decimal]:
    """Split ``total`` by percentage ``shares``; the last part takes the rounding remainder."""
    parts = [(total * share / HUNDRED).quantize(CONSUMPTION_QUANTUM) for share in shares[:-1]]
    parts.append(total - sum(parts, Decimal(0)))
    return parts


def _hex_id(text: str, length: int, *, dashed: bool = False) -> str:
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()[:length]
    if not dashed:
        return digest
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}".upper()


def _number_after(reference: str, prefix: str) -> int | None:
    """The number of a generated reference such as ``XSP90000042`` (``None`` if not that form)."""
    digits = reference[len(prefix):]
    if reference.startswith(prefix) and len(digits) == 7 and digits.isdigit():
        return int(digits)
    return None
