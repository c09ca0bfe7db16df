"""Read side of the FOCUS export: the Arrow-sourced charges on the invoices of one billing month.

A charge is an invoice item whose `details.source` says it charges or corrects Arrow billing:
a statement line of the billing export, a provisional consumption item, or a compensation.
`focus_charges` yields them invoice by invoice, reading the items in chunks (keyset pages of
`DEFAULT_CHUNK_SIZE`) and, per chunk, a constant number of look-ups for what an item alone
does not say:

- the Arrow settings a charge came through (its billing sync item's mapping; for consumption
  items and their compensations, the customer's mapping: live and active first);
- for a compensation, the details of the item it corrects, and whether the corrected month's
  invoice of the customer has been issued (then it is a correction of an invoiced month);
- for consumption items, Arrow's buy amount (the consumption record) and what the license is:
  vendor, product, classification and SKU from the resource's attributes, the license's
  statement lines, or the vendor mapping of the resource's offering;
- a currency for items that record none (a provisional item corrected to zero usage), from the
  other Arrow charges of the same invoice.

Canceled invoices are left out. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import F, Q, QuerySet
from django.db.models.fields.json import KT

from arrow_client import Period
from arrow_integration.choices import (
    ARROW_INVOICE_ITEM_SOURCES,
    ARROW_VENDOR_ATTRIBUTE,
    BILLING_EXPORT_SOURCE,
    COMPENSATION_SOURCE,
    PROVISIONAL_ITEM_SOURCE,
)
from arrow_integration.models import (
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowCustomerMapping,
    ArrowSettings,
    ArrowVendorOfferingMapping,
)
from core.models import Invoice, InvoiceItem

ARROW_CHARGE_SOURCES = ARROW_INVOICE_ITEM_SOURCES
# How a charge's source is called outside the database.
STATEMENT, CONSUMPTION, COMPENSATION = "statement", "consumption", "compensation"
SOURCE_NAMES = {BILLING_EXPORT_SOURCE: STATEMENT, PROVISIONAL_ITEM_SOURCE: CONSUMPTION,
                COMPENSATION_SOURCE: COMPENSATION}
DEFAULT_CHUNK_SIZE = 500


@dataclass(frozen=True)
class LicenseFacts:
    """What is known of a license besides its consumption: vendor, product, classification, SKU."""

    vendor: str = ""
    product: str = ""
    classification: str = ""
    sku: str = ""  # Arrow's SKU, from a statement line of the license


@dataclass(frozen=True)
class FocusCharge:
    """One Arrow-sourced invoice item and what the export needs to describe it.

    ``item`` comes with its invoice, customer, project and resource. ``described`` is the details
    of the charge this item is about: its own, or for a compensation those of the item it
    corrects (its own when that item is gone).
    """

    item: InvoiceItem
    settings: ArrowSettings | None
    described: dict
    described_article_code: str
    license: LicenseFacts
    consumed_buy: Decimal | None  # a provisional item's consumption in Arrow's buy price
    corrects_issued_month: bool  # a compensation of a month whose invoice was issued
    currency: str

    @property
    def source(self) -> str:
        """`STATEMENT`, `CONSUMPTION` or `COMPENSATION`."""
        return SOURCE_NAMES[self.item.details["source"]]

    @property
    def described_source(self) -> str:
        """The source of the charge described: a compensation's is that of the item it corrects."""
        return SOURCE_NAMES.get(self.described.get("source"), self.source)

    @property
    def arrow_sku(self) -> str:
        """Arrow's SKU of the statement line described, else of the license's statement lines
        (consumption items carry none of their own)."""
        return self.described_article_code if self.described_source == STATEMENT else self.license.sku

    @property
    def period(self) -> Period:
        """The month the charge is for (a compensation: the month it corrects)."""
        return charged_month(self.item) or self.billing_period

    @property
    def billing_period(self) -> Period:
        """The month of the invoice that carries the charge."""
        return Period.from_date(self.item.invoice.period)


def charged_month(item: InvoiceItem) -> Period | None:
    """The month an Arrow-sourced item names in its details (None when it names none it can)."""
    try:
        return Period.parse(item.details.get("period") or "")
    except ValueError:
        return None


def focus_invoice_items(
    *, period: Period, settings_uuid: uuid.UUID | None = None, customer_uuid: uuid.UUID | None = None
) -> QuerySet[InvoiceItem]:
    """The Arrow-sourced items on the month's invoices (canceled ones left out), narrowed to the
    customer and to customers mapped under the settings when given."""
    items = InvoiceItem.objects.filter(
        invoice__period=period.first_day, details__source__in=ARROW_CHARGE_SOURCES
    ).exclude(invoice__state=Invoice.State.CANCELED)
    if customer_uuid is not None:
        items = items.filter(invoice__customer__uuid=customer_uuid)
    if settings_uuid is not None:
        mapped = ArrowCustomerMapping.objects.filter(settings__uuid=settings_uuid).values("waldur_customer_id")
        items = items.filter(invoice__customer_id__in=mapped)
    return items.select_related("invoice__customer", "project", "resource")


def _chunks(items: QuerySet[InvoiceItem], size: int) -> Iterator[list[InvoiceItem]]:
    """Pages of ``items`` in (invoice, id) order, each read by its own query (keyset paging)."""
    last: tuple[int, int] | None = None
    while True:
        page = items
        if last is not None:
            page = page.filter(Q(invoice_id__gt=last[0]) | Q(invoice_id=last[0], id__gt=last[1]))
        rows = list(page.order_by("invoice_id", "id")[:size])
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = (rows[-1].invoice_id, rows[-1].id)


def focus_charges(
    *, period: Period, settings_uuid: uuid.UUID | None = None, customer_uuid: uuid.UUID | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[FocusCharge]:
    """The month's Arrow-sourced charges, invoice by invoice; with ``settings_uuid`` only those
    that came through that settings row."""
    items = focus_invoice_items(period=period, settings_uuid=settings_uuid, customer_uuid=customer_uuid)
    for chunk in _chunks(items, chunk_size):
        lookups = _ChunkLookups(chunk)
        for item in chunk:
            if settings_uuid is None or lookups.settings_uuid_of(item) == settings_uuid:
                yield lookups.charge(item)


def focus_charge_count(
    *, period: Period, settings_uuid: uuid.UUID | None = None, customer_uuid: uuid.UUID | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> int:
    """How many charges `focus_charges` yields for the same arguments (one query without
    ``settings_uuid``; with it, the settings look-ups of every chunk, nothing else)."""
    items = focus_invoice_items(period=period, settings_uuid=settings_uuid, customer_uuid=customer_uuid)
    if settings_uuid is None:
        return items.count()
    count = 0
    for chunk in _chunks(items, chunk_size):
        lookups = _ChunkLookups(chunk)
        count += sum(1 for item in chunk if lookups.settings_uuid_of(item) == settings_uuid)
    return count


def _first_by_key(rows: Iterable[tuple]) -> dict:
    """{first value: the rest} keeping the first row of each key (rows come in preference order)."""
    found: dict = {}
    for key, *rest in rows:
        found.setdefault(key, rest[0] if len(rest) == 1 else tuple(rest))
    return found


def _text_keys(values: Iterable) -> list[str]:
    return sorted({str(value) for value in values if value})


class _ChunkLookups:
    """The look-ups of one chunk of items: each runs once, when first needed, as one query
    whatever the chunk's size."""

    def __init__(self, items: list[InvoiceItem]) -> None:
        self.items = items
        self.item_ids = [item.pk for item in items]
        self.customer_ids = {item.invoice.customer_id for item in items}
        self.compensations = [item for item in items if item.details.get("source") == COMPENSATION_SOURCE]

    # The settings a charge came through.

    @cached_property
    def _settings_by_item(self) -> dict[int, int]:
        return _first_by_key(
            ArrowBillingSyncItem.objects.filter(invoice_item_id__in=self.item_ids)
            .order_by(F("duplicate_of").asc(nulls_first=True), "id")
            .values_list("invoice_item_id", "billing_sync__customer_mapping__settings_id")
        )

    @cached_property
    def _settings_by_sync_item(self) -> dict[str, int]:
        uuids = _text_keys(item.details.get("billing_sync_item_uuid") for item in self.compensations)
        return {str(key): value for key, value in ArrowBillingSyncItem.objects.filter(uuid__in=uuids).values_list(
            "uuid", "billing_sync__customer_mapping__settings_id")}

    @cached_property
    def _settings_by_customer(self) -> dict[int, int]:
        # The customer's live active mapping first, then the latest archived one.
        return _first_by_key(
            ArrowCustomerMapping.objects.filter(waldur_customer_id__in=self.customer_ids)
            .order_by("waldur_customer_id", F("archived_at").desc(nulls_first=True), "-is_active", "-id")
            .values_list("waldur_customer_id", "settings_id")
        )

    @cached_property
    def _settings(self) -> dict[int, ArrowSettings]:
        return ArrowSettings.objects.in_bulk({*self._settings_by_item.values(), *self._settings_by_sync_item.values(),
                                              *self._settings_by_customer.values()})

    def settings_of(self, item: InvoiceItem) -> ArrowSettings | None:
        settings_id = self._settings_by_item.get(item.pk) or self._settings_by_sync_item.get(
            str(item.details.get("billing_sync_item_uuid"))
        ) or self._settings_by_customer.get(item.invoice.customer_id)
        return self._settings.get(settings_id)

    def settings_uuid_of(self, item: InvoiceItem) -> uuid.UUID | None:
        settings = self.settings_of(item)
        return settings.uuid if settings is not None else None

    # What a charge is about.

    @cached_property
    def _corrected(self) -> dict[str, tuple[dict, str]]:
        uuids = _text_keys(item.details.get("original_invoice_item_uuid") for item in self.compensations)
        return {str(key): (details, article_code) for key, details, article_code in InvoiceItem.objects.filter(
            uuid__in=uuids).values_list("uuid", "details", "article_code")}

    def _described(self, item: InvoiceItem) -> tuple[dict, str]:
        if item.details.get("source") != COMPENSATION_SOURCE:
            return item.details, item.article_code
        return self._corrected.get(str(item.details.get("original_invoice_item_uuid")), (item.details, ""))

    @cached_property
    def _consumed_buy(self) -> dict[int, Decimal]:
        return dict(ArrowConsumptionRecord.objects.filter(invoice_item_id__in=self.item_ids).values_list(
            "invoice_item_id", "consumed_buy"))

    @cached_property
    def _issued_months(self) -> set[tuple[int, dt.date]]:
        """(customer, month) of the issued invoices of the months the chunk's compensations correct."""
        periods = {month.first_day for month in map(charged_month, self.compensations) if month is not None}
        if not periods:
            return set()
        return set(Invoice.objects.filter(customer_id__in=self.customer_ids, period__in=periods)
                   .exclude(state=Invoice.State.PENDING).values_list("customer_id", "period"))

    @cached_property
    def _licenses(self) -> dict[str, LicenseFacts]:
        """What is known of the licenses whose charges do not name their vendor (consumption)."""
        unnamed = [item for item in self.items if not self._described(item)[0].get("vendor_name")]
        references = _text_keys(self._described(item)[0].get("license_reference") for item in unnamed)
        if not references:
            return {}
        lines = _first_by_key(
            ArrowBillingSyncItem.objects.filter(license_reference__in=references)
            .order_by("license_reference", "-report_period", "-id")
            .values_list("license_reference", "vendor_name", "description", "classification")
        )
        skus = _first_by_key(
            InvoiceItem.objects.filter(invoice__customer_id__in={item.invoice.customer_id for item in unnamed},
                                       details__source=BILLING_EXPORT_SOURCE,
                                       details__license_reference__in=references)
            .exclude(article_code="").annotate(license=KT("details__license_reference"))
            .order_by("license", "-invoice__period", "-id").values_list("license", "article_code")
        )
        offering_vendors: dict[int, set[str]] = {}
        for offering_id, vendor in ArrowVendorOfferingMapping.objects.filter(
            offering_id__in={item.resource.offering_id for item in unnamed if item.resource is not None},
            is_active=True,
        ).values_list("offering_id", "arrow_vendor_name"):
            offering_vendors.setdefault(offering_id, set()).add(vendor)
        facts = {}
        for item in unnamed:
            reference = self._described(item)[0].get("license_reference")
            if not reference or reference in facts:
                continue
            vendor, product, classification = lines.get(reference, ("", "", ""))
            if item.resource is not None:
                mapped = offering_vendors.get(item.resource.offering_id, set())
                vendor = (item.resource.attributes or {}).get(ARROW_VENDOR_ATTRIBUTE) or vendor or (
                    next(iter(mapped)) if len(mapped) == 1 else "")
            facts[reference] = LicenseFacts(vendor=vendor or "", product=product or "",
                                            classification=classification or "", sku=skus.get(reference, ""))
        return facts

    def _own_currency(self, item: InvoiceItem) -> str:
        return item.details.get("currency") or self._described(item)[0].get("currency") or ""

    @cached_property
    def _invoice_currencies(self) -> dict[int, str]:
        """A currency for each invoice with an item that records none: its other Arrow charges'."""
        invoice_ids = {item.invoice_id for item in self.items if not self._own_currency(item)}
        if not invoice_ids:
            return {}
        return _first_by_key(
            InvoiceItem.objects.filter(invoice_id__in=invoice_ids, details__source__in=ARROW_CHARGE_SOURCES)
            .annotate(currency=KT("details__currency")).exclude(currency__isnull=True).exclude(currency="")
            .order_by("invoice_id", "id").values_list("invoice_id", "currency")
        )

    def charge(self, item: InvoiceItem) -> FocusCharge:
        described, article_code = self._described(item)
        corrects_issued = False
        corrected = charged_month(item) if item.details.get("source") == COMPENSATION_SOURCE else None
        if corrected is not None:
            corrects_issued = (corrected.first_day < item.invoice.period
                               and (item.invoice.customer_id, corrected.first_day) in self._issued_months)
        return FocusCharge(
            item=item,
            settings=self.settings_of(item),
            described=described,
            described_article_code=article_code,
            license=self._licenses.get(described.get("license_reference"), LicenseFacts()),
            consumed_buy=self._consumed_buy.get(item.pk),
            corrects_issued_month=corrects_issued,
            currency=self._own_currency(item) or self._invoice_currencies.get(item.invoice_id, ""),
        )
