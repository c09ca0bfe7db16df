"""From one billing export line to the rows that charge it: invoice item and billing sync item.

Builders here turn a `BillingLine` into unsaved `InvoiceItem`/`ArrowBillingSyncItem` field sets,
look up what a line links to (resources by license reference, provisional consumption items)
and apply money corrections to an already imported item. The money rules of SPEC 6 live here:
the invoice amount of a line is its total in the settings' price source, exactly (quantity 1,
unit price = line total; Arrow's Qty goes to the details); a license-month that consumption
tracking already charged is linked, not charged twice; issued invoices are never written.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from arrow_client import BillingLine, Period
from arrow_integration.choices import COMPENSATION_THRESHOLD
from arrow_integration.models import ArrowBillingSyncItem, ArrowConsumptionRecord
from arrow_integration.services.compensation import compensation_item_adjust, compensation_item_create
from core.models import Customer, InvoiceItem, Resource
from core.services.invoices import invoice_item_delete, invoice_item_update, period_bounds

BILLING_EXPORT_SOURCE = "arrow_billing_export"
ONE = Decimal(1)
ZERO = Decimal(0)
MAX_ITEM_NAME_LENGTH = 255
# Compensations that follow an earlier, already issued one store the amount compensated before.
PREVIOUSLY_COMPENSATED = "previously_compensated"
PREVIOUS_COMPENSATION = "previous_compensation_uuid"
SYNC_ITEM_LINE_FIELDS = (
    "sell_price", "buy_price", "vendor_name", "subscription_reference", "license_reference",
    "classification", "description", "quantity", "validation_date",
)


def line_title(line: BillingLine) -> str:
    """What a person recognises the line by: friendly name, else product, else description."""
    return line.friendly_name or line.product_name or line.description or line.line_reference


def invoice_item_name(*, line: BillingLine, prefix: str) -> str:
    parts = [prefix, line.vendor_name, line_title(line)]
    name = " ".join(part for part in parts if part)
    return f"{name} ({line.report_period})"[:MAX_ITEM_NAME_LENGTH]


def _text(value) -> str | None:
    return None if value is None else str(value)


def invoice_item_details(*, line: BillingLine, price_source: str, arrow_reference: str) -> dict:
    """Source, line, license and vendor of a line, as stored on its invoice item."""
    return {
        "source": BILLING_EXPORT_SOURCE,
        "period": str(line.report_period),
        "line_reference": line.line_reference,
        "sequence": line.sequence,
        "order_id": line.order_id,
        "license_reference": line.license_reference,
        "subscription_reference": line.vendor_subscription_id,
        "vendor_name": line.vendor_name,
        "product_name": line.product_name,
        "friendly_name": line.friendly_name,
        "classification": line.classification,
        "arrow_customer_reference": arrow_reference,
        "arrow_quantity": _text(line.quantity),
        "price_source": price_source,
        "sell_total": _text(line.sell_total),
        "buy_total": _text(line.buy_total),
        "currency": line.currency,
        "bill_from": _text(line.bill_from),
        "bill_to": _text(line.bill_to),
    }


@functools.lru_cache(maxsize=64)
def _month_bounds(period: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    # The same (immutable) objects for every line of a month: bulk inserts convert them once.
    return period_bounds(period)


def invoice_item_fields(*, line: BillingLine, settings, arrow_reference: str, resource: Resource | None,
                        invoice_period: datetime.date) -> dict:
    """Fields of the invoice item charging ``line``: one unit priced at the line total.

    ``start``/``end`` span the month of the invoice that carries the item (the line's own month,
    or a later one when the line is charged after its month's invoice was issued).
    """
    start, end = _month_bounds(invoice_period)
    return {
        "name": invoice_item_name(line=line, prefix=settings.invoice_item_prefix),
        "resource": resource,
        "project": resource.project if resource is not None else None,
        "unit_price": line.total_for(settings.invoice_price_source),
        "quantity": ONE,
        "article_code": line.arrow_sku or "",
        "start": start,
        "end": end,
        "details": invoice_item_details(
            line=line, price_source=settings.invoice_price_source, arrow_reference=arrow_reference
        ),
    }


def sync_item_line_fields(line: BillingLine) -> dict:
    """The descriptive and price fields a sync item copies from its line."""
    return {
        "sell_price": line.sell_total,
        "buy_price": line.buy_total,
        "vendor_name": line.vendor_name or "",
        "subscription_reference": line.vendor_subscription_id or "",
        "license_reference": line.license_reference or "",
        "classification": line.classification or "",
        "description": line.description or line_title(line),
        "quantity": line.quantity,
        "validation_date": line.validation_date,
    }


@dataclass(frozen=True)
class LineLookups:
    """Whether a customer's month has anything the per-batch look-ups below could find.

    Two EXISTS queries per mapping-month spare two look-ups per thousand lines for customers
    without linked resources or consumption-charged license-months. The default says "maybe"
    to both (always look up).
    """

    linked_resources: bool = True
    provisional_items: bool = True

    @classmethod
    def for_customer_month(cls, *, customer: Customer, period: Period) -> LineLookups:
        return cls(
            linked_resources=Resource.objects.filter(project__customer=customer).exclude(backend_id="").exists(),
            provisional_items=ArrowConsumptionRecord.objects.filter(
                billing_period=period.first_day, invoice_item__isnull=False, resource__project__customer=customer,
            ).exists(),
        )


def resources_by_license(*, customer: Customer, license_references: Iterable[str]) -> dict[str, Resource]:
    """The customer's resources whose backend_id is one of the license references (one query)."""
    references = {reference for reference in license_references if reference}
    if not references:
        return {}
    resources = Resource.objects.filter(project__customer=customer, backend_id__in=references).select_related(
        "project"
    ).order_by("-created", "id")
    found: dict[str, Resource] = {}
    for resource in resources:
        found.setdefault(resource.backend_id, resource)
    return found


def license_month_charged_by_consumption(
    *, customer: Customer, period: Period, license_references: Iterable[str]
) -> dict[str, InvoiceItem]:
    """License-months that consumption tracking already charged: license reference → provisional item.

    One path per license-month (SPEC 6.4): a statement line of such a license-month links to this
    item instead of adding a second charge, and consumption reconciliation settles the difference.
    """
    references = {reference for reference in license_references if reference}
    if not references:
        return {}
    records = ArrowConsumptionRecord.objects.filter(
        billing_period=period.first_day,
        license_reference__in=references,
        invoice_item__isnull=False,
        resource__project__customer=customer,
    ).select_related("invoice_item").order_by("id")
    found: dict[str, InvoiceItem] = {}
    for record in records:
        found.setdefault(record.license_reference, record.invoice_item)
    return found


def sync_item_invoiced_amount(item: ArrowBillingSyncItem) -> Decimal:
    """What the customer has been invoiced for the item's line: original charge plus compensations."""
    compensation = item.compensation_item
    if compensation is None:
        return item.original_price
    return item.original_price + compensation.total + _previously_compensated(compensation)


def _compensation_description(item: ArrowBillingSyncItem) -> str:
    title = item.description or item.arrow_line_reference
    return f"{title} (line {item.arrow_line_reference})"


def _previously_compensated(compensation: InvoiceItem) -> Decimal:
    return Decimal(compensation.details.get(PREVIOUSLY_COMPENSATED, "0"))


def sync_item_compensate(
    *, item: ArrowBillingSyncItem, difference: Decimal, settings, period: Period, customer: Customer,
    reason: str, today: datetime.date | None = None,
) -> bool:
    """Add ``difference`` to what the item's line is invoiced, on the current pending invoice.

    Adjusts the item's latest compensation in place while its invoice is pending, else creates a
    new one that remembers the amount compensated before it (and the item it follows).
    Differences below COMPENSATION_THRESHOLD are ignored. Sets ``item.compensation_item``; the
    caller saves the item. True when it wrote.
    """
    if abs(difference) < COMPENSATION_THRESHOLD:
        return False
    current = item.compensation_item
    if current is not None and current.invoice.is_pending:
        amount = current.total + difference
        if amount != 0:
            compensation_item_adjust(item=current, amount=amount, period=period,
                                     description=_compensation_description(item),
                                     name_prefix=settings.invoice_item_prefix)
            return True
        previous_uuid = current.details.get(PREVIOUS_COMPENSATION)
        invoice_item_delete(item=current)
        item.compensation_item = (
            InvoiceItem.objects.select_related("invoice").get(uuid=previous_uuid) if previous_uuid else None
        )
        return True
    previously = ZERO if current is None else _previously_compensated(current) + current.total
    item.compensation_item = compensation_item_create(
        customer=customer,
        amount=difference,
        period=period,
        description=_compensation_description(item),
        details={
            "reason": reason,
            "billing_sync_item_uuid": str(item.uuid),
            "line_reference": item.arrow_line_reference,
            "license_reference": item.license_reference,
            "original_invoice_item_uuid": str(item.invoice_item.uuid),
            PREVIOUSLY_COMPENSATED: str(previously),
            PREVIOUS_COMPENSATION: str(current.uuid) if current is not None else None,
        },
        resource=item.invoice_item.resource,
        project=item.invoice_item.project,
        name_prefix=settings.invoice_item_prefix,
        today=today,
    )
    return True


def invoice_item_refresh(*, item: InvoiceItem, fields: dict) -> bool:
    """Update a pending invoice's item to ``fields`` when anything differs; True when it wrote."""
    changed = {name: value for name, value in fields.items() if getattr(item, name) != value}
    if not changed:
        return False
    invoice_item_update(item=item, **changed)
    return True

