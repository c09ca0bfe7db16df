"""Arrow routes of licenses: ``licenses``, ``licenses/{ref}`` and ``customers/{ref}/licenses``.

Keys are snake_case except ``friendlyName``, as Arrow writes them. Listings page with
``page``/``per_page`` (``total_page`` style). Licenses of the scale knob are built per page: license
``i`` of the scale belongs to customer ``i % len(customers)``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from arrow_emulator.generator import DataModel, LicenseRecord
from arrow_emulator.routes.common import ArrowHttpError, arrow_ok, arrow_route, page_params, total_page_pagination
from arrow_emulator.seeds import CURRENCY
from arrow_emulator.state import EmulatorState

HUNDRED = 100


def license_json(model: DataModel, record: LicenseRecord, *, detail: bool = False) -> dict[str, Any]:
    product, seed = record.product, record.seed
    start = model.subscription_start(record)
    data: dict[str, Any] = {
        "license_id": record.reference,
        "parent_line_id": None,
        "partner_ref": model.catalogue.partner.reference,
        "customer_ref": record.customer.reference,
        "customer_name": record.customer.company_name,
        "service_ref": product.service_ref,
        "sku": product.arrow_sku,
        "name": product.offer_name,
        "friendlyName": seed.friendly_name,
        "vendor_license_id": record.vendor_license_id,
        "vendor_name": product.vendor_name,
        "vendor_code": product.program_reference,
        "classification": product.classification,
        "state": seed.state,
        "is_trial": False,
        "is_addon": False,
        "start_date": start.isoformat(),
    }
    if detail:
        unit_sell = product.unit_sell_price
        unit_buy = unit_sell * (HUNDRED - product.margin_percent) / HUNDRED if unit_sell is not None else None
        data.update({
            "seats": seed.seats,
            "periodicity": "Monthly",
            "term": "Monthly" if product.is_iaas else "Yearly",
            "price": {
                "buy_price": None if unit_buy is None else f"{unit_buy:.5f}",
                "sell_price": None if unit_sell is None else f"{unit_sell:.5f}",
                "list_price": None if unit_sell is None else f"{unit_sell:.5f}",
                "currency": CURRENCY,
            },
        })
    return data


async def licenses(request: Request, state: EmulatorState) -> Response:
    page, per_page = page_params(request)
    model = state.model
    start, stop = (page - 1) * per_page, min(page * per_page, model.license_count)
    data = {"licenses": [license_json(model, model.license_at(index)) for index in range(start, stop)]}
    return arrow_ok(data, total_page_pagination(request, page, per_page, model.license_count))


async def license_detail(request: Request, state: EmulatorState) -> Response:
    reference = request.path_params["ref"]
    record = state.find_license(reference)
    if record is None:
        raise ArrowHttpError(404, f"License {reference} not found")
    return arrow_ok({"license": license_json(state.model, record, detail=True)})


async def customer_licenses(request: Request, state: EmulatorState) -> Response:
    reference = request.path_params["ref"]
    model = state.model
    if model.customer(reference) is None:
        raise ArrowHttpError(404, f"Customer {reference} not found")
    page, per_page = page_params(request)
    demo = model.demo_licenses_of(reference)
    position = [customer.reference for customer in model.customers].index(reference)
    modulus = len(model.customers)
    scaled = max(0, (model.scaled_count - position + modulus - 1) // modulus)
    total = len(demo) + scaled
    records = []
    for index in range((page - 1) * per_page, min(page * per_page, total)):
        records.append(demo[index] if index < len(demo)
                       else model.scaled_license((index - len(demo)) * modulus + position))
    data = {"licenses": [license_json(model, record) for record in records]}
    return arrow_ok(data, total_page_pagination(request, page, per_page, total))


ROUTES = [
    arrow_route("/licenses", "licenses", licenses),
    arrow_route("/licenses/{ref}", "licenses/{ref}", license_detail),
    arrow_route("/customers/{ref}/licenses", "customers/{ref}/licenses", customer_licenses),
]
