"""Arrow routes of licenses: ``licenses``, ``licenses/{ref}``, ``customers/{ref}/licenses`` and
``POST licenses/v2/find``.

The detail and the listings describe a license with the keys of the Node SDK's ``LicenseGetFields``
(`arrow_emulator.license_json.license_detail_json`) inside the ``status``/``data`` envelope; listings
page with ``page``/``per_page`` (``total_page`` style). The search answers
``{results: [{license, offer}], filters, pagination: {currentPage, totalPage, total}}`` without a
``data`` wrapper, reads ``page``/``per_page`` from the query string and the query from the body
(`arrow_emulator.license_search`). Licenses of the scale knob are built per page: license ``i`` of
the scale belongs to customer ``i % len(customers)``; a search builds every license it looks at.
"""

from __future__ import annotations

import json
import math

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from arrow_emulator.generator import DataModel, LicenseRecord
from arrow_emulator.license_json import license_detail_json, license_search_json
from arrow_emulator.license_search import LicenseQuery, SearchError, facets
from arrow_emulator.routes.common import ArrowHttpError, arrow_ok, arrow_route, page_params, total_page_pagination
from arrow_emulator.state import EmulatorState


async def licenses(request: Request, state: EmulatorState) -> Response:
    page, per_page = page_params(request)
    model = state.model
    start, stop = (page - 1) * per_page, min(page * per_page, model.license_count)
    data = {"licenses": [license_detail_json(model, model.license_at(index)) for index in range(start, stop)]}
    return arrow_ok(data, total_page_pagination(request, page, per_page, model.license_count))


async def license_detail(request: Request, state: EmulatorState) -> Response:
    reference = request.path_params["ref"]
    record = state.find_license(reference)
    if record is None:
        raise ArrowHttpError(404, f"License {reference} not found")
    return arrow_ok({"license": license_detail_json(state.model, record)})


def _customer_records(model: DataModel, reference: str) -> list[LicenseRecord]:
    demo = model.demo_licenses_of(reference)
    position = [customer.reference for customer in model.customers].index(reference)
    modulus = len(model.customers)
    scaled = max(0, (model.scaled_count - position + modulus - 1) // modulus)
    return demo + [model.scaled_license(number * modulus + position) for number in range(scaled)]


async def customer_licenses(request: Request, state: EmulatorState) -> Response:
    reference = request.path_params["ref"]
    model = state.model
    if model.customer(reference) is None:
        raise ArrowHttpError(404, f"Customer {reference} not found")
    page, per_page = page_params(request)
    records = _customer_records(model, reference)
    chunk = records[(page - 1) * per_page: page * per_page]
    data = {"licenses": [license_detail_json(model, record) for record in chunk]}
    return arrow_ok(data, total_page_pagination(request, page, per_page, len(records)))


async def find_licenses(request: Request, state: EmulatorState) -> Response:
    page, per_page = page_params(request)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ArrowHttpError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ArrowHttpError(400, "Request body must be a JSON object")
    model = state.model
    try:
        query = LicenseQuery(body)
        found = query.select([license_search_json(model, model.license_at(index))
                              for index in range(model.license_count)])
    except SearchError as exc:
        raise ArrowHttpError(400, str(exc)) from None
    return JSONResponse({
        "results": found[(page - 1) * per_page: page * per_page],
        "filters": facets(found),
        "pagination": {"currentPage": page, "totalPage": math.ceil(len(found) / per_page), "total": len(found)},
    })


ROUTES = [
    arrow_route("/licenses", "licenses", licenses),
    arrow_route("/licenses/v2/find", "licenses/v2/find", find_licenses, methods=("POST",)),
    arrow_route("/licenses/{ref}", "licenses/{ref}", license_detail),
    arrow_route("/customers/{ref}/licenses", "customers/{ref}/licenses", customer_licenses),
]
