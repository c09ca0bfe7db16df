"""From one billing export line to the field values of the rows that charge it (pure functions).

Builders here turn a `BillingLine` into the fields of its `InvoiceItem` and `ArrowBillingSyncItem`
and tell what a sync item has invoiced so far; they read no table and write nothing (the writes
are in `line_charges` and `items`). The money rules of SPEC 6 live here: the invoice amount of a
line is its total in the settings' price source, exactly (quantity 1, unit price = line total;
Arrow's Qty goes to the details).
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from arrow_client import BillingLine
from arrow_integration.choices import BILLING_EXPORT_SOURCE
from arrow_integration.models import ArrowBillingSyncItem
from core.models import InvoiceItem, Resource
from core.services.invoices import period_bounds

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


def previously_compensated(compensation: InvoiceItem) -> Decimal:
    """What the compensations before ``compensation`` (on issued invoices) added up to."""
    return Decimal(compensation.details.get(PREVIOUSLY_COMPENSATED, "0"))


def sync_item_invoiced_amount(item: ArrowBillingSyncItem) -> Decimal:
    """What the customer has been invoiced for the item's line: original charge plus compensations."""
    compensation = item.compensation_item
    if compensation is None:
        return item.original_price
    return item.original_price + compensation.total + previously_compensated(compensation)
