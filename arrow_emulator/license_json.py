"""The two shapes in which Arrow describes a license, built from a `LicenseRecord`.

- `license_detail_json`: ``GET licenses/{ref}`` (and, as the third-party fixture
  ``shearnie/ArrowSphereApiDotNet`` ``TestData/Licenses.json`` shows, the items of ``GET licenses``):
  the keys of the Node SDK's ``LicenseGetFields`` (``src/licenses/entities/getLicense/licenseGetResult.ts``)
  in their mixed casing (``license_id``, ``friendlyName``, ``isTrial``, ``activation_datetime``, …), a
  ``price`` of ``{priceBandArrowsphereSku, currency, unit{buy,sell,list}, total{buy,sell,list}}`` with
  JSON numbers, and no vendor or customer name.
- `license_search_json`: one item of ``POST licenses/v2/find`` results, ``{license, offer}``, with the
  snake_case keys of the Node SDK's ``LicenseFindResultFields`` (``src/licenses/entities/license/
  licenseFindResult.ts``): the license reference is ``partner_ref`` (``id`` is Arrow's internal number),
  ``vendor_name`` and ``customer_name`` are there, and ``price`` is ``{priceBandArrowsphereSku,
  buy_price, sell_price, list_price, currency}``.

IAAS licenses have no unit price (zero, as in the fixture); a SAAS license's price is its seat price.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from arrow_emulator.generator import DataModel, LicenseRecord
from arrow_emulator.seeds import CURRENCY, reference_number

HUNDRED = Decimal(100)
MONTH_HOURS, YEAR_HOURS = 720, 8640  # Arrow's periodicity and term codes, in hours
STATUS_ACTIVE, STATUS_CANCELED = 86, 89
SUBSIDIARY_NAME = "Arrow ECS Baltic"
ZERO = Decimal(0)


def json_number(value: Decimal) -> int | float:
    """``value`` as a JSON number whose text is exactly ``value``.

    Python writes a float as the shortest text that reads back as the same float, so a decimal of
    up to 15 significant digits travels exactly; anything that would not is refused.
    """
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError(f"{value} cannot be written exactly as a JSON number")
    return number


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else f"{value.isoformat()}T00:00:00Z"


def _unit_prices(record: LicenseRecord) -> tuple[Decimal, Decimal, Decimal]:
    """(buy, sell, list) of one seat; zero for IAAS, whose price is its usage."""
    product = record.product
    if product.unit_sell_price is None:
        return ZERO, ZERO, ZERO
    sell = product.unit_sell_price
    buy = (sell * (HUNDRED - product.margin_percent) / HUNDRED).quantize(Decimal("0.01"))
    return buy, sell, sell


def _price_band_sku(record: LicenseRecord) -> str:
    product = record.product
    return f"{product.program_reference}_{product.arrow_sku.replace(':', '_')}_{CURRENCY}"


def _end_date(model: DataModel, record: LicenseRecord) -> dt.date | None:
    if record.seed.end_offset is not None:
        return model.current.shift(-record.seed.end_offset).last_day
    if record.product.is_iaas:
        return None
    start = model.subscription_start(record)
    return start.replace(year=start.year + 1)


def _category(record: LicenseRecord) -> str:
    return "IaaS" if record.product.is_iaas else "SaaS"


def _is_active(record: LicenseRecord) -> bool:
    return record.seed.state == "active"


def license_detail_json(model: DataModel, record: LicenseRecord) -> dict[str, Any]:
    """The license as ``GET licenses/{ref}`` describes it (``data.license``)."""
    product, seed, customer = record.product, record.seed, record.customer
    start, end = model.subscription_start(record), _end_date(model, record)
    buy, sell, listed = _unit_prices(record)
    seats = Decimal(seed.seats)
    order_reference = f"XSPO{reference_number(record.reference)}"
    return {
        "license_id": record.reference,
        "parent_license_id": None,
        "friendlyName": seed.friendly_name,
        "customer_ref": customer.reference,
        "state": seed.state,
        "statusCode": STATUS_ACTIVE if _is_active(record) else STATUS_CANCELED,
        "isTrial": False,
        "isAddon": False,
        "service_ref": product.service_ref,
        "sku": product.arrow_sku,
        "name": product.offer_name,
        "seats": seed.seats,
        "activeSeats": {"number": None if product.is_iaas else seed.seats,
                        "lastUpdate": None if product.is_iaas else _iso(start)},
        "activation_datetime": _iso(start),
        "expiry_datetime": _iso(end),
        "autoRenew": True,
        "marketplace": model.catalogue.partner.country_code,
        "message": "",
        "order_reference": order_reference,
        "order": {"reference": order_reference, "link": f"/api/orders/{order_reference}"},
        "vendor_license_id": record.vendor_license_id,
        "vendorBillingId": record.vendor_license_id if product.is_iaas else None,
        "periodicity": "per Month",
        "periodicityCode": MONTH_HOURS,
        "term": "No Term" if product.is_iaas else "1 Year",
        "termCode": 0 if product.is_iaas else YEAR_HOURS,
        "category": _category(record),
        "classification": product.classification,
        "program": product.program_name,
        "associatedSubscriptionProgram": product.program_reference,
        "vendor_code": product.vendor_code,
        "endDate": _iso(end),
        "attributes": [],
        "arrowSubCategories": [],
        "price": {
            "priceBandArrowsphereSku": _price_band_sku(record),
            "currency": CURRENCY,
            "unit": {"buy": json_number(buy), "sell": json_number(sell), "list": json_number(listed)},
            "total": {"buy": json_number(buy * seats), "sell": json_number(sell * seats),
                      "list": json_number(listed * seats)},
        },
    }


def license_search_fields(model: DataModel, record: LicenseRecord) -> dict[str, Any]:
    """The ``license`` object of a ``licenses/v2/find`` result."""
    product, seed, customer, partner = record.product, record.seed, record.customer, model.catalogue.partner
    start, end = model.subscription_start(record), _end_date(model, record)
    buy, sell, listed = _unit_prices(record)
    active = _is_active(record)
    return {
        "id": int(reference_number(record.reference)),
        "subscription_id": record.vendor_license_id.lower(),
        "partner_ref": record.reference,
        "parent_line_id": None,
        "parent_order_ref": None,
        "vendor_name": product.vendor_name,
        "vendor_code": product.vendor_code,
        "subsidiary_name": SUBSIDIARY_NAME,
        "status_code": STATUS_ACTIVE if active else STATUS_CANCELED,
        "status_label": "activation_ok" if active else "cancelled",
        "service_ref": product.service_ref,
        "sku": product.arrow_sku,
        "uom": "UNIT" if product.is_iaas else "LICENSE",
        "price": {"priceBandArrowsphereSku": _price_band_sku(record), "buy_price": json_number(buy),
                  "sell_price": json_number(sell), "list_price": json_number(listed), "currency": CURRENCY},
        "cloud_type": _category(record),
        "base_seat": seed.seats,
        "seat": seed.seats,
        "trial": False,
        "auto_renew": True,
        "offer": product.offer_name,
        "category": "BaseProduct",
        "type": "recurring",
        "start_date": _iso(start),
        "end_date": _iso(end),
        "accept_eula": False,
        "customer_ref": customer.reference,
        "customer_name": customer.company_name,
        "reseller_ref": partner.reference,
        "reseller_name": partner.company_name,
        "marketplace": partner.country_code,
        "active_seats": {"number": None if product.is_iaas else seed.seats, "lastUpdate": None},
        "friendly_name": seed.friendly_name,
        "vendor_subscription_id": record.vendor_license_id,
        "message": "",
        "periodicity": MONTH_HOURS,
        "term": 0 if product.is_iaas else YEAR_HOURS,
        "isEnabled": active,
        "lastUpdate": _iso(model.today),
        "configs": [],
        "warnings": [],
    }


def license_offer_json(model: DataModel, record: LicenseRecord) -> dict[str, Any]:
    """The ``offer`` object of a ``licenses/v2/find`` result (Node SDK ``offerFindResult.ts``)."""
    product = record.product
    buy, sell, listed = _unit_prices(record)
    return {
        "name": product.offer_name,
        "classification": _category(record),
        "isEnabled": True,
        "lastUpdate": _iso(model.today),
        "arrowSubCategories": [],
        "actionFlags": {"isAutoRenew": True, "manualProvisioning": False, "renewalSku": False},
        "priceBand": {
            "isEnabled": True,
            "currency": CURRENCY,
            "marketplace": model.catalogue.partner.country_code,
            "prices": {"buy": json_number(buy), "sell": json_number(sell), "public": json_number(listed)},
            "billing": {"cycle": MONTH_HOURS, "term": 0 if product.is_iaas else YEAR_HOURS,
                        "type": "consumption" if product.is_iaas else "recurring"},
            "saleConstraints": {"minQuantity": 1, "maxQuantity": 1 if product.is_iaas else 10_000_000},
            "identifiers": {"arrowsphere": {"sku": _price_band_sku(record)}},
            "actionFlags": {"canBeCancelled": True, "canBeReactivated": False, "canBeSuspended": False,
                            "canDecreaseSeats": not product.is_iaas, "canIncreaseSeats": not product.is_iaas},
        },
    }


def license_search_json(model: DataModel, record: LicenseRecord) -> dict[str, Any]:
    """One result of ``licenses/v2/find``: ``{license, offer}``."""
    return {"license": license_search_fields(model, record), "offer": license_offer_json(model, record)}
