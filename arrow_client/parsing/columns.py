"""Arrow's column titles and their fallbacks, and reading columns by logical name.

The only module of the project that spells an Arrow column title (with `billing` and
`consumption` beside it, which read them). It tells whether an export type's columns are
usable and reads a cell as text; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

# Billing export: logical field -> accepted titles, preferred first.
BILLING_COLUMNS: dict[str, tuple[str, ...]] = {
    "sequence": ("Sequence",),
    "order_id": ("Order Id",),
    "report_period": ("Report Period",),
    "classification": ("Classification",),
    "customer_name": ("End User Company Name",),
    "customer_id": ("End User Company ID",),
    "vendor_name": ("Vendor Name",),
    "service_name": ("Service Name",),
    "product_name": ("Offer Name", "Product Name"),
    "friendly_name": ("Friendly Name",),
    "description": ("Description",),
    "arrow_sku": ("Arrow SKU",),
    "vendor_sku": ("Vendor SKU",),
    "quantity": ("Qty", "Quantity"),
    "unit_sell_price": ("Customer Unit Price", "Sell Unit Price"),
    "sell_total": ("Customer Total Price", "Sell Total Price"),
    "buy_total": ("Total Wholesale Price", "Buy Total Price"),
    "retail_total": ("Retail Total Price",),
    "currency": ("Country Marketplace Currency", "Currency"),
    "bill_from": ("Bill From",),
    "bill_to": ("Bill To",),
    "vendor_subscription_id": ("Vendor Subscription ID",),
    "license_reference": ("ARS Subscription ID",),
    "validation_date": ("Validation Date",),
    "billing_cycle": ("Billing Cycle",),
    "segment": ("Segment",),
}

# Without these an export type cannot feed billing syncs.
REQUIRED_BILLING_FIELDS = ("classification", "vendor_subscription_id", "customer_name", "sell_total", "buy_total")
# Without these it works, but with less precision (periods, licenses, line ids, validation).
IMPORTANT_BILLING_FIELDS = (
    "report_period",
    "license_reference",
    "sequence",
    "validation_date",
    "vendor_name",
    "quantity",
    "currency",
    "customer_id",
)
DEFAULT_QUANTITY = Decimal(1)

CONSUMPTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "report_period": ("Report Period",),
    "product_name": ("Vendor Product Name",),
    "meter_category": ("Vendor Meter Category",),
    "meter_subcategory": ("Vendor Meter Sub-Category",),
    "uom": ("UOM",),
    "quantity": ("Level Chargeable Quantity",),
    "currency": ("Country currency code",),
    "buy_total": ("Total buy price",),
    "sell_total": ("Total sell price",),
    "resource_group": ("Resource Group",),
    "region": ("Region",),
}
CONSUMPTION_NULL = "null"


class ColumnCompatibility(NamedTuple):
    """Whether an export type's columns can feed billing syncs (required) and fully (important)."""

    compatible: bool
    recommended: bool
    missing_required: list[str]
    missing_important: list[str]


def resolve_columns(headers: Sequence[str], columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Map each logical field to the title the headers use for it (exact title first, then any case)."""
    exact = set(headers)
    folded = {str(title).casefold(): title for title in headers}
    resolved: dict[str, str] = {}
    for name, titles in columns.items():
        for title in titles:
            if title in exact:
                resolved[name] = title
                break
        else:
            for title in titles:
                if title.casefold() in folded:
                    resolved[name] = folded[title.casefold()]
                    break
    return resolved


def describe_field(name: str, columns: dict[str, tuple[str, ...]] = BILLING_COLUMNS) -> str:
    """Human name of a logical field: its titles joined by ``" or "``."""
    return " or ".join(columns[name])


def export_columns_compatibility(headers: Sequence[str]) -> ColumnCompatibility:
    """Check an export type's headers against the required and important billing columns."""
    resolved = resolve_columns(headers, BILLING_COLUMNS)
    missing_required = [describe_field(name) for name in REQUIRED_BILLING_FIELDS if name not in resolved]
    missing_important = [describe_field(name) for name in IMPORTANT_BILLING_FIELDS if name not in resolved]
    compatible = not missing_required
    return ColumnCompatibility(compatible, compatible and not missing_important, missing_required, missing_important)


def cell_text(value: Any) -> str | None:
    """A cell as stripped text; ``None`` for JSON null and empty strings."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return text or None
