"""Arrow's JSON envelopes and objects: from decoded JSON to typed dataclasses.

Knows the envelope shapes (``status``/``data``/``pagination`` on most endpoints, ``code``/``message``
on billing ones, the bare ``{results, filters, pagination}`` of the license search), the error
bodies, the pagination styles (``total_page``, ``totalPages``, ``totalPage``) and the key casing of
each object: camelCase partner, PascalCase customers, and the two shapes of a license, the detail's
(Node SDK ``LicenseGetFields``: ``license_id``, ``friendlyName``, ``program``, a ``price`` of
``unit{buy,sell,list}`` numbers, no vendor or customer name) and the search's (snake_case, the
reference in ``partner_ref``, ``vendor_name``, ``customer_name``, ``price.sell_price``).
Tabular payloads (export rows, consumption lines) are handed to `arrow_client.parsing`.
Raises `PayloadError` for anything that does not have the expected shape; it does no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from arrow_client.money import InvalidAmount, parse_decimal
from arrow_client.types import Customer, ExportType, License, PageInfo, Partner, Vendor


class PayloadError(ValueError):
    """A decoded JSON payload does not have the shape Arrow documents."""


def envelope_status(body: Any) -> int | None:
    """The status an envelope or error body declares (``status`` or ``code``), if it is an integer."""
    if not isinstance(body, Mapping):
        return None
    for key in ("status", "code"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def error_message(body: Any) -> str | None:
    """Arrow's error text from ``{"status", "error", "messages": [...]}`` (or a ``message``)."""
    if not isinstance(body, Mapping):
        return None
    parts: list[str] = []
    if isinstance(body.get("error"), str) and body["error"]:
        parts.append(body["error"])
    messages = body.get("messages")
    if isinstance(messages, list):
        parts.extend(str(message) for message in messages if message)
    elif isinstance(messages, str) and messages:
        parts.append(messages)
    if not parts and isinstance(body.get("message"), str) and body["message"] != "success":
        parts.append(body["message"])
    return "; ".join(parts) or None


def unwrap(body: Any) -> tuple[Any, Mapping[str, Any] | None]:
    """Return ``(data, pagination)`` of a successful envelope."""
    if not isinstance(body, Mapping):
        raise PayloadError(f"expected a JSON object envelope, got {type(body).__name__}")
    if "data" not in body:
        raise PayloadError("envelope has no 'data'")
    pagination = body.get("pagination")
    if pagination is not None and not isinstance(pagination, Mapping):
        raise PayloadError("envelope 'pagination' is not an object")
    return body["data"], pagination


def parse_page_info(pagination: Mapping[str, Any] | None, *, item_count: int) -> PageInfo:
    """Normalise ``{current_page, total_page, ...}``, ``{currentPage, totalPages, ...}`` and
    ``{currentPage, totalPage, ...}``.

    Without pagination the answer is a single page.
    """
    if pagination is None:
        return PageInfo(current_page=1, total_pages=1, total=item_count, per_page=None)
    current = _first_int(pagination, "current_page", "currentPage", default=1)
    total_pages = _first_int(pagination, "total_page", "totalPages", "totalPage", "total_pages", default=None)
    total = _first_int(pagination, "total", default=None)
    per_page = _first_int(pagination, "per_page", "perPage", default=None)
    if total_pages is None:
        if total is not None and per_page:
            total_pages = -(-total // per_page)
        else:
            raise PayloadError("pagination gives neither a page count nor a total and page size")
    return PageInfo(current_page=current, total_pages=total_pages, total=total, per_page=per_page)


def parse_partner(data: Any) -> Partner:
    item = _mapping(data, "whoami data")
    return Partner(
        reference=_required_str(item, "reference"),
        company_name=_required_str(item, "companyName"),
        email=_optional_str(item, "emailContact"),
        city=_optional_str(item, "city"),
        country_code=_optional_str(item, "countryCode"),
        ref=_optional_str(item, "ref"),
        billing_id=_optional_str(item, "billingId"),
        raw=dict(item),
    )


def parse_customers(data: Any) -> list[Customer]:
    """``data.customers[]`` of the customer listing and of the one-customer call."""
    items = _mapping(data, "customers data").get("customers")
    if not isinstance(items, list):
        raise PayloadError("'data.customers' is not a list")
    return [parse_customer(item) for item in items]


def parse_customer(item: Any) -> Customer:
    item = _mapping(item, "customer")
    contact = item.get("Contact") if isinstance(item.get("Contact"), Mapping) else {}
    return Customer(
        reference=_required_str(item, "Reference"),
        company_name=_required_str(item, "CompanyName"),
        email=_optional_str(item, "EmailContact"),
        city=_optional_str(item, "City"),
        country_code=_optional_str(item, "CountryCode"),
        internal_reference=_optional_str(item, "InternalReference"),
        ref=_optional_str(item, "Ref"),
        contact_email=_optional_str(contact, "Email"),
        billing_id=_optional_str(item, "BillingId"),
        raw=dict(item),
    )


def parse_licenses(data: Any) -> list[License]:
    """``data.licenses[]`` of ``GET licenses`` and ``customers/{ref}/licenses`` (the detail's shape)."""
    items = _mapping(data, "licenses data").get("licenses")
    if not isinstance(items, list):
        raise PayloadError("'data.licenses' is not a list")
    return [parse_license(item) for item in items]


def parse_license_detail(data: Any) -> License:
    """``data.license`` of ``GET licenses/{ref}``."""
    return parse_license(_mapping(data, "license data").get("license"))


def parse_license(item: Any) -> License:
    """A license in the detail's shape (``LicenseGetFields``)."""
    item = _mapping(item, "license")
    price = _optional_mapping(item, "price")
    unit = _optional_mapping(price, "unit")
    return License(
        license_id=_required_str(item, "license_id"),
        customer_ref=_optional_str(item, "customer_ref"),
        service_ref=_optional_str(item, "service_ref"),
        name=_optional_str(item, "name") or "",
        sku=_optional_str(item, "sku"),
        friendly_name=_optional_str(item, "friendlyName"),
        vendor_license_id=_optional_str(item, "vendor_license_id"),
        state=_optional_str(item, "state"),
        classification=_classification(_optional_str(item, "classification") or _optional_str(item, "category")),
        seats=_optional_decimal(item, "seats"),
        periodicity=_optional_str(item, "periodicity"),
        term=_optional_str(item, "term"),
        unit_buy_price=_optional_decimal(unit, "buy"),
        unit_sell_price=_optional_decimal(unit, "sell"),
        unit_list_price=_optional_decimal(unit, "list"),
        currency=_optional_str(price, "currency"),
        program=_optional_str(item, "program"),
        associated_program=_optional_str(item, "associatedSubscriptionProgram"),
        vendor_code=_optional_str(item, "vendor_code"),
        offer_name=_optional_str(item, "name"),
        raw=dict(item),
    )


def parse_license_search(body: Any) -> tuple[list[License], PageInfo]:
    """A ``POST licenses/v2/find`` answer: ``{results: [{license, offer}], filters, pagination}``."""
    body = _mapping(body, "license search answer")
    results = body.get("results")
    if not isinstance(results, list):
        raise PayloadError("license search 'results' is not a list")
    pagination = body.get("pagination")
    if not isinstance(pagination, Mapping):
        raise PayloadError("license search 'pagination' is not an object")
    licenses = [parse_license_search_result(result) for result in results]
    return licenses, parse_page_info(pagination, item_count=len(licenses))


def parse_license_search_result(result: Any) -> License:
    """One search result; the license reference is ``license.partner_ref``."""
    result = _mapping(result, "license search result")
    item = _mapping(result.get("license"), "license search result 'license'")
    price = _optional_mapping(item, "price")
    return License(
        license_id=_required_str(item, "partner_ref"),
        customer_ref=_optional_str(item, "customer_ref"),
        service_ref=_optional_str(item, "service_ref"),
        name=_optional_str(item, "offer") or "",
        sku=_optional_str(item, "sku"),
        friendly_name=_optional_str(item, "friendly_name"),
        vendor_license_id=_optional_str(item, "vendor_subscription_id"),
        state=_optional_str(item, "status_label"),
        vendor_name=_optional_str(item, "vendor_name"),
        classification=_classification(_optional_str(item, "cloud_type")),
        customer_name=_optional_str(item, "customer_name"),
        seats=_optional_decimal(item, "seat"),
        unit_buy_price=_optional_decimal(price, "buy_price"),
        unit_sell_price=_optional_decimal(price, "sell_price"),
        unit_list_price=_optional_decimal(price, "list_price"),
        currency=_optional_str(price, "currency"),
        vendor_code=_optional_str(item, "vendor_code"),
        offer_name=_optional_str(item, "offer"),
        raw=dict(result),
    )


def _classification(value: str | None) -> str | None:
    """``IAAS``/``SAAS`` whichever way Arrow cased it (``IaaS`` in licenses, ``IAAS`` in exports)."""
    return value.upper() if value else None


def parse_export_types(data: Any) -> list[ExportType]:
    """``data.exportTypes``: an object ``{reference: name}`` (a list of objects is also accepted)."""
    types = _mapping(data, "export types data").get("exportTypes")
    if isinstance(types, Mapping):
        return [ExportType(reference=str(ref), name=str(name)) for ref, name in types.items()]
    if isinstance(types, list):
        return [
            ExportType(reference=_required_str(item, "reference"), name=_optional_str(item, "name") or "")
            for item in (_mapping(entry, "export type") for entry in types)
        ]
    raise PayloadError("'data.exportTypes' is neither an object nor a list")


def parse_programs(data: Any, *, category: str | None = None) -> list[Vendor]:
    """``data[]`` of catalog programs; the vendor is each program's ``name``."""
    if not isinstance(data, list):
        raise PayloadError("programs 'data' is not a list")
    vendors = []
    for entry in data:
        item = _mapping(entry, "program")
        vendors.append(
            Vendor(
                name=_required_str(item, "name"),
                reference=_optional_str(item, "reference"),
                category=_optional_str(item, "category") or category,
                associated_program=_optional_str(item, "associatedSubscriptionProgram"),
                raw=dict(item),
            )
        )
    return vendors


def table(data: Any, rows_key: str) -> tuple[list[str], list[Any]]:
    """``data.headers[]`` and ``data.<rows_key>[][]`` of a tabular answer."""
    data = _mapping(data, "tabular data")
    headers, rows = data.get("headers"), data.get(rows_key)
    if not isinstance(headers, list) or not all(isinstance(title, str) for title in headers):
        raise PayloadError("'data.headers' is not a list of column titles")
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise PayloadError(f"'data.{rows_key}' is not a list")
    return headers, rows


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{what} is not an object")
    return value


def _optional_mapping(item: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = item.get(key)
    return value if isinstance(value, Mapping) else {}


def _required_str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"missing or empty '{key}'")
    return value.strip()


def _optional_str(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None or isinstance(value, Mapping | list):
        return None
    text = str(value).strip()
    return text or None


def _optional_decimal(item: Mapping[str, Any], key: str) -> Decimal | None:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_decimal(value)
    except InvalidAmount as exc:
        raise PayloadError(f"'{key}': {exc}") from None


def _first_int(pagination: Mapping[str, Any], *keys: str, default: int | None) -> int | None:
    for key in keys:
        if key in pagination and pagination[key] is not None:
            value = pagination[key]
            try:
                number = int(value) if not isinstance(value, bool) else None
            except (TypeError, ValueError):
                number = None
            if number is None or number < 0:
                raise PayloadError(f"pagination '{key}' is not a non-negative integer: {value!r}")
            return number
    return default
