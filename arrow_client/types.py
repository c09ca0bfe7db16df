"""Frozen dataclasses (and, for billing lines, a NamedTuple) the Arrow client returns: the typed
boundary between Arrow and the rest.

Objects here carry parsed values only (Decimal amounts, `Period`s, dates); building them from
Arrow's payloads is the job of `arrow_client.parsing` and `arrow_client.payloads`. Where a `raw`
mapping is kept it holds the payload as Arrow sent it, for debugging and "raw look-up" endpoints;
it is excluded from equality and repr and must be treated as read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from arrow_client.export_dates import DEFAULT_EXPORT_DATE_FORMAT
from arrow_client.periods import Period
from arrow_client.references import xsp_reference

PRICE_SOURCE_SELL = "sell"
PRICE_SOURCE_BUY = "buy"
PRICE_SOURCES = (PRICE_SOURCE_SELL, PRICE_SOURCE_BUY)


def _raw() -> Any:
    return field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Partner:
    """The reseller account the API key belongs to (``whoami``)."""

    reference: str
    company_name: str
    email: str | None = None
    city: str | None = None
    country_code: str | None = None
    ref: str | None = None
    billing_id: str | None = None
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True)
class Customer:
    """An end customer of the partner (``customers``)."""

    reference: str
    company_name: str
    email: str | None = None
    city: str | None = None
    country_code: str | None = None
    internal_reference: str | None = None
    ref: str | None = None
    contact_email: str | None = None
    billing_id: str | None = None
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True)
class ExportType:
    """A billing export template: ``reference`` is sent to the export call, ``name`` is for people."""

    reference: str
    name: str


@dataclass(frozen=True)
class Vendor:
    """A program of a catalog category; its ``name`` is the vendor name used in billing lines.

    ``reference`` is a vendor slug (``microsoft``); ``associated_program`` the program code that
    licenses carry as ``associatedSubscriptionProgram`` (``MSCSP``).
    """

    name: str
    reference: str | None = None
    category: str | None = None
    associated_program: str | None = None
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True)
class License:
    """A license (subscription) of a customer; ``license_id`` is its XSP reference.

    Arrow describes a license in two shapes (`arrow_client.payloads`): the detail and the
    listings carry ``program``, ``associated_program`` (``MSCSP``) and ``vendor_code`` but no vendor
    or customer name; the license search carries ``vendor_name`` (as billing lines name the
    vendor) and ``customer_name``. ``classification`` is ``IAAS``/``SAAS``; prices are of one seat.
    """

    license_id: str
    customer_ref: str | None
    service_ref: str | None
    name: str
    sku: str | None
    friendly_name: str | None
    vendor_license_id: str | None
    state: str | None
    vendor_name: str | None = None
    classification: str | None = None
    customer_name: str | None = None
    seats: Decimal | None = None
    periodicity: str | None = None
    term: str | None = None
    unit_buy_price: Decimal | None = None
    unit_sell_price: Decimal | None = None
    unit_list_price: Decimal | None = None
    currency: str | None = None
    program: str | None = None
    associated_program: str | None = None
    vendor_code: str | None = None
    offer_name: str | None = None
    raw: dict[str, Any] = _raw()

    @property
    def reference(self) -> str:
        return self.license_id


@dataclass(frozen=True)
class PageInfo:
    """Where a page sits in a paginated answer (normalised over Arrow's two pagination styles)."""

    current_page: int
    total_pages: int
    total: int | None
    per_page: int | None


class BillingLine(NamedTuple):
    """One parsed row of a billing export (immutable; a typed tuple, which an export of 100 000
    rows builds at a fraction of a frozen dataclass's cost).

    ``sell_total`` and ``buy_total`` are line totals: never multiply them by ``quantity``.
    ``line_reference`` is ``Sequence`` when the export has it, else ``Order Id``; Arrow does not
    promise it is unique, so importers must detect repeats. ``report_period`` is the period the line
    belongs to, whatever its ``bill_from``/``bill_to`` dates say. ``customer_id`` is the cell as
    Arrow wrote it (a number in live exports); compare it through `arrow_client.references`.
    """

    row_number: int
    line_reference: str
    sequence: str | None
    order_id: str | None
    report_period: Period
    classification: str | None
    customer_name: str | None
    customer_id: str | None
    vendor_name: str | None
    service_name: str | None
    product_name: str | None
    friendly_name: str | None
    description: str | None
    arrow_sku: str | None
    vendor_sku: str | None
    quantity: Decimal
    unit_sell_price: Decimal | None
    sell_total: Decimal
    buy_total: Decimal
    retail_total: Decimal | None
    currency: str | None
    bill_from: dt.date | None
    bill_to: dt.date | None
    vendor_subscription_id: str | None
    license_reference: str | None
    validation_date: dt.date | None
    billing_cycle: str | None
    segment: str | None = None

    @property
    def is_validated(self) -> bool:
        """Arrow has validated (finalised) this line."""
        return self.validation_date is not None

    @property
    def customer_reference(self) -> str | None:
        """The customer's XSP reference: live exports write its numeric ``Ref`` as
        ``End User Company ID`` (``111111`` for ``XSP111111``); an XSP value is kept as it is."""
        return xsp_reference(self.customer_id)

    def total_for(self, price_source: str) -> Decimal:
        """The line total in ``price_source`` (``"sell"`` or ``"buy"``)."""
        if price_source == PRICE_SOURCE_SELL:
            return self.sell_total
        if price_source == PRICE_SOURCE_BUY:
            return self.buy_total
        raise ValueError(f"Unknown price source {price_source!r}; expected one of {PRICE_SOURCES}")


@dataclass(frozen=True)
class BillingLineError:
    """A billing export row that could not be parsed, with the reason; never dropped silently.

    ``row_number`` counts rows from 1 across the whole export (page offsets included).
    """

    row_number: int
    line_reference: str | None
    column: str | None
    value: str | None
    reason: str


class RowDicts(Sequence):
    """Rows as dicts of column title → value, built when read (most callers never read them)."""

    def __init__(self, headers: Sequence[str], rows: list[Sequence[Any]]) -> None:
        self._headers = tuple(headers)
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [dict(zip(self._headers, row, strict=True)) for row in self._rows[index]]
        return dict(zip(self._headers, self._rows[index], strict=True))


@dataclass(frozen=True)
class BillingExportPage:
    """One page of a billing export: column titles, raw rows, parsed lines and row errors."""

    headers: tuple[str, ...]
    rows: Sequence[dict[str, Any]] = field(compare=False, repr=False)  # well-formed rows, title → value
    lines: tuple[BillingLine, ...]
    errors: tuple[BillingLineError, ...]
    page: int
    total_pages: int
    total: int
    per_page: int | None = None

    @property
    def is_last(self) -> bool:
        return self.page >= self.total_pages


@dataclass(frozen=True)
class BillingExportTable:
    """One page of a billing export as Arrow sent it: column titles and rows of cell values.

    Not parsed yet (`arrow_client.parsing.billing_table_parse` does that, for all rows or some), so
    a caller that recognises rows it has seen before can skip their parsing. ``default_period`` is
    the period given to rows without a ``Report Period`` (set when one period was requested).
    """

    headers: tuple[str, ...]
    values: list[Any] = field(compare=False, repr=False)
    page: int
    total_pages: int
    total: int
    per_page: int | None = None
    default_period: Period | None = None
    # BLAKE2b of the answer's bytes as Arrow sent them: equal digests, equal pages.
    digest: str | None = field(default=None, compare=False)
    # outputFormat.date the export was requested with: how its dates are to be read.
    date_format: str = DEFAULT_EXPORT_DATE_FORMAT

    @property
    def is_last(self) -> bool:
        return self.page >= self.total_pages

    @property
    def first_row_number(self) -> int:
        """Number of the page's first row, counted from 1 across the whole export."""
        return (self.page - 1) * (self.per_page or len(self.values)) + 1


@dataclass(frozen=True)
class ConsumptionLine:
    """One line of a license's monthly consumption; Arrow's ``"null"`` strings become ``None``."""

    report_period: Period
    product_name: str | None
    meter_category: str | None
    meter_subcategory: str | None
    uom: str | None
    quantity: Decimal | None
    currency: str | None
    buy_total: Decimal | None
    sell_total: Decimal | None
    resource_group: str | None = None
    region: str | None = None
    raw: dict[str, Any] = _raw()


@dataclass(frozen=True)
class ConsumptionTotals:
    """Sums of consumption lines for one license and period (lines with absent totals add nothing)."""

    sell_total: Decimal
    buy_total: Decimal
    currency: str | None
    line_count: int

    def total_for(self, price_source: str) -> Decimal:
        if price_source == PRICE_SOURCE_SELL:
            return self.sell_total
        if price_source == PRICE_SOURCE_BUY:
            return self.buy_total
        raise ValueError(f"Unknown price source {price_source!r}; expected one of {PRICE_SOURCES}")


def consumption_totals(lines: list[ConsumptionLine] | tuple[ConsumptionLine, ...]) -> ConsumptionTotals:
    """Sum sell and buy totals of ``lines``; raises `ValueError` if they mix currencies."""
    currencies = {line.currency for line in lines if line.currency}
    if len(currencies) > 1:
        raise ValueError(f"Consumption lines mix currencies: {sorted(currencies)}")
    return ConsumptionTotals(
        sell_total=sum((line.sell_total for line in lines if line.sell_total is not None), Decimal(0)),
        buy_total=sum((line.buy_total for line in lines if line.buy_total is not None), Decimal(0)),
        currency=currencies.pop() if currencies else None,
        line_count=len(lines),
    )
