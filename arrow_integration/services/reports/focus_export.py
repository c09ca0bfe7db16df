"""The FOCUS export: a billing month's Arrow-sourced charges as FOCUS 1.0 rows, written as CSV.

One row per Arrow-sourced item on the invoices of the month (statement lines, provisional
consumption items, compensations), read through `selectors.focus` in chunks and written as they
come, so a month of any size streams in constant memory. The mapping (README "FOCUS export"):

- the local customer is the billing account, its project the sub account; the license is the
  resource (`ResourceId` the license reference, `ResourceName` the linked resource's name, else
  Arrow's friendly name); the reseller (the settings' Arrow partner name) issues the invoice and
  provides the service; the vendor publishes it;
- `BilledCost` is the invoiced amount. Nothing discounts it further, so `EffectiveCost`,
  `ContractedCost` and `ListCost` equal it: the reseller's list price is what it invoices
  (Arrow's retail price is in the export but the import does not keep it);
- the billing period is the invoice's month, the charge period the month charged (for a
  compensation, the month it corrects); a compensation is an `Adjustment`, and a `Correction`
  when that month's invoice was already issued;
- statement lines of IAAS licenses and consumption items are `Usage`, other statement lines
  (seat licenses) `Purchase`, and a charge below zero that is no compensation a `Credit`;
- `x_WholesaleCost` is Arrow's buy price of the charge (for a compensation it is known only when
  the invoice price source is the buy price itself, and left empty otherwise).

Pure reads: nothing here writes to the database.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

from arrow_client import Period
from arrow_integration.choices import PriceSource
from arrow_integration.selectors.focus import COMPENSATION, CONSUMPTION, FocusCharge, focus_charges
from arrow_integration.services.reports import focus_columns as focus

# A unit price is the cost divided by the quantity, to this many places where it does not divide.
UNIT_PRICE_QUANTUM = Decimal("1E-10")
SEAT_UNIT = "Licenses"  # seat licenses are priced per license
USAGE_UNIT = "Units"  # Arrow's Qty of an IaaS SKU (one month of a subscription's usage)
RESOURCE_TYPE = "License"  # an Arrow license (subscription): what the charges are attributed to
CSV_BATCH_ROWS = 200  # rows joined into one piece of the stream


def _decimal(text) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _classification(charge: FocusCharge) -> str:
    found = charge.described.get("classification") or charge.license.classification
    if not found and charge.described_source == CONSUMPTION:
        return focus.USAGE_CLASSIFICATION  # consumption is tracked for IaaS licenses only
    return (found or "").upper()


def _is_seat_license(charge: FocusCharge) -> bool:
    classification = _classification(charge)
    return bool(classification) and classification != focus.USAGE_CLASSIFICATION


def _charge_category(charge: FocusCharge, billed: Decimal) -> str:
    if charge.source == COMPENSATION:
        return focus.ADJUSTMENT
    if billed < 0:
        return focus.CREDIT
    return focus.PURCHASE if _is_seat_license(charge) else focus.USAGE


def _frequency(category: str) -> str:
    return {focus.USAGE: focus.USAGE_BASED, focus.PURCHASE: focus.RECURRING}.get(category, focus.ONE_TIME)


def _pricing_quantity(charge: FocusCharge, category: str) -> Decimal | None:
    """Arrow's Qty of a statement line, one for a consumption item; none for adjustments."""
    if category == focus.ADJUSTMENT:
        return None
    if charge.source == CONSUMPTION:
        return charge.item.quantity
    arrow_quantity = _decimal(charge.described.get("arrow_quantity"))
    return charge.item.quantity if arrow_quantity is None else arrow_quantity


def _unit_price(cost: Decimal, quantity: Decimal | None, category: str) -> Decimal | None:
    if category not in (focus.USAGE, focus.PURCHASE) or not quantity:
        return None
    price = cost / quantity
    return price if price * quantity == cost else price.quantize(UNIT_PRICE_QUANTUM)


def _price_source(charge: FocusCharge) -> str:
    source = charge.item.details.get("price_source") or charge.described.get("price_source")
    return source or (charge.settings.invoice_price_source if charge.settings else PriceSource.SELL)


def _wholesale(charge: FocusCharge, billed: Decimal) -> Decimal | None:
    """Arrow's buy price of the charge, where it is known."""
    if _price_source(charge) == PriceSource.BUY:
        return billed
    if charge.source == COMPENSATION:
        return None
    if charge.source == CONSUMPTION:
        return charge.consumed_buy
    return _decimal(charge.described.get("buy_total"))


def _reseller(charge: FocusCharge) -> str:
    settings = charge.settings
    return (settings.partner_name or settings.partner_reference) if settings else ""


def _resource(charge: FocusCharge) -> tuple[str, str, str]:
    """ResourceId, ResourceName and ResourceType: the license, named by its resource or Arrow."""
    resource = charge.item.resource
    reference = charge.described.get("license_reference") or (resource.backend_id if resource else "")
    if not reference:
        return "", "", ""
    name = resource.name if resource is not None else (charge.described.get("friendly_name") or "")
    return reference, name, RESOURCE_TYPE


def _service(charge: FocusCharge) -> tuple[str, str, str]:
    """PublisherName, ServiceName and ServiceCategory, from the vendor and the product."""
    vendor = charge.described.get("vendor_name") or charge.license.vendor
    product = charge.described.get("product_name") or charge.license.product
    category = focus.service_category(product=product, vendor=vendor, classification=_classification(charge))
    publisher = vendor or _reseller(charge)
    return publisher, product or vendor or charge.item.name, category


def focus_row(charge: FocusCharge) -> dict[str, str]:
    """The FOCUS 1.0 row of one charge: column ID → value as written (empty for null)."""
    item, invoice = charge.item, charge.item.invoice
    billed = item.unit_price * item.quantity
    category = _charge_category(charge, billed)
    quantity = _pricing_quantity(charge, category)
    unit = None if quantity is None else (SEAT_UNIT if _is_seat_license(charge) else USAGE_UNIT)
    unit_price = _unit_price(billed, quantity, category)
    usage = category == focus.USAGE
    billing_start, billing_end = focus.period_bounds_utc(charge.billing_period)
    charge_start, charge_end = focus.period_bounds_utc(charge.period)
    resource_id, resource_name, resource_type = _resource(charge)
    publisher, service_name, service_category = _service(charge)
    reseller = _reseller(charge)
    row = dict.fromkeys(focus.EXPORT_COLUMNS, "")
    row.update({
        "BilledCost": focus.money_text(billed),
        "BillingAccountId": str(invoice.customer.uuid),
        "BillingAccountName": invoice.customer.name,
        "BillingCurrency": charge.currency,
        "BillingPeriodStart": billing_start,
        "BillingPeriodEnd": billing_end,
        "ChargeCategory": category,
        "ChargeClass": focus.CORRECTION if charge.corrects_issued_month else "",
        "ChargeDescription": item.name,
        "ChargeFrequency": _frequency(category),
        "ChargePeriodStart": charge_start,
        "ChargePeriodEnd": charge_end,
        "ConsumedQuantity": focus.decimal_text(quantity) if usage else "",
        "ConsumedUnit": unit if usage else "",
        "ContractedCost": focus.money_text(billed),
        "ContractedUnitPrice": focus.money_text(unit_price),
        "EffectiveCost": focus.money_text(billed),
        "InvoiceIssuerName": reseller,
        "ListCost": focus.money_text(billed),
        "ListUnitPrice": focus.money_text(unit_price),
        "PricingCategory": focus.STANDARD_PRICING if category in (focus.USAGE, focus.PURCHASE) else "",
        "PricingQuantity": focus.decimal_text(quantity),
        "PricingUnit": unit or "",
        "ProviderName": reseller,
        "PublisherName": publisher,
        "ResourceId": resource_id,
        "ResourceName": resource_name,
        "ResourceType": resource_type,
        "ServiceCategory": service_category,
        "ServiceName": service_name,
        "SkuId": charge.arrow_sku,
        "SkuPriceId": charge.arrow_sku,
        "SubAccountId": str(item.project.uuid) if item.project else "",
        "SubAccountName": item.project.name if item.project else "",
        "x_WholesaleCost": focus.money_text(_wholesale(charge, billed)),
        "x_InvoiceId": str(invoice.uuid),
        "x_InvoiceItemId": str(item.uuid),
        "x_ChargeSource": charge.source,
    })
    return row


def focus_rows(
    *, period: Period, settings_uuid: uuid.UUID | None = None, customer_uuid: uuid.UUID | None = None
) -> Iterator[dict[str, str]]:
    """The month's FOCUS rows, invoice by invoice (see `selectors.focus.focus_charges`)."""
    for charge in focus_charges(period=period, settings_uuid=settings_uuid, customer_uuid=customer_uuid):
        yield focus_row(charge)


class _Echo:
    """A file whose `write` hands back what it was given: csv.writer then returns each line."""

    def write(self, text: str) -> str:
        return text


def focus_csv_pieces(
    *, period: Period, settings_uuid: uuid.UUID | None = None, customer_uuid: uuid.UUID | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """The export as CSV text in pieces: the header, then up to `CSV_BATCH_ROWS` rows a piece.

    ``progress`` is called with the number of rows of each piece as it is handed out.
    """
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(focus.EXPORT_COLUMNS)
    batch: list[str] = []
    for row in focus_rows(period=period, settings_uuid=settings_uuid, customer_uuid=customer_uuid):
        batch.append(writer.writerow([row[column] for column in focus.EXPORT_COLUMNS]))
        if len(batch) >= CSV_BATCH_ROWS:
            yield "".join(batch)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        yield "".join(batch)
        if progress:
            progress(len(batch))


def focus_export_filename(period: Period) -> str:
    """The name a month's export is offered under."""
    return f"focus-{period}.csv"
