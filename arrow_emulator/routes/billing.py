"""Arrow billing routes: ``billing/erp/exports/types`` and ``POST billing/erp/exports/sync``.

Billing answers use the ``code``/``message`` envelope. The export returns ``data.headers`` (always,
even with no rows) and ``data.values`` (rows of strings, ``null`` for an empty ``Segment``), one page
of `EXPORT_PAGE_SIZE` rows per call, with ``{perPage, currentPage, total, totalPages}`` pagination.
The request is the PHP SDK's (``src/Billing/ErpExportsClient.php``): filters ``reportPeriod {from,
to}`` (required), and the lists of strings ``classifications``, ``customerXspRefs``, ``vendors``,
``programs`` (program codes, the ``Arrow Reference ID`` column), ``sequences``,
``vendorSubscriptionIds`` and ``friendlyNames``, and ``arrowSku`` (one string); ``outputFormat.date``
(``FormatDateEnum``: ``DD-MM-YYYY``, ``DD/MM/YYYY``, ``MM/DD/YYYY``, the default); ``page`` in the
query string, as the SDK sends it, or in the body (the same number if both are given).

With ``export_cache_mb`` set, the encoded body of a rendered page is kept and served again as is
(`arrow_emulator.page_cache`). Counting, faults and auth happen before the handler runs
(`arrow_route`), so a cached page goes through them exactly like a rendered one.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from arrow_client.periods import Period
from arrow_emulator.columns import (
    DATE_FORMATS,
    DEFAULT_DATE_FORMAT,
    EXPORT_COLUMNS,
    EXPORT_TYPES,
    export_headers,
    render_export_rows,
)
from arrow_emulator.exports import ExportFilter
from arrow_emulator.routes.common import ArrowHttpError, arrow_route, billing_ok
from arrow_emulator.state import EmulatorState

MAX_EXPORT_MONTHS = 60
# filters key → ExportFilter field, for the filters that take a list of strings
LIST_FILTERS = {
    "classifications": "classifications",
    "customerXspRefs": "customer_refs",
    "vendors": "vendors",
    "programs": "programs",
    "sequences": "sequences",
    "vendorSubscriptionIds": "vendor_subscription_ids",
    "friendlyNames": "friendly_names",
}


async def export_types(request: Request, state: EmulatorState) -> Response:
    return billing_ok({"exportTypes": dict(EXPORT_TYPES)})


async def export_sync(request: Request, state: EmulatorState) -> Response:
    body = await _json_body(request)
    export_type = body.get("exportTypeReference")
    if not isinstance(export_type, str) or not export_type:
        raise ArrowHttpError(400, "exportTypeReference is required")
    if export_type not in EXPORT_COLUMNS:
        raise ArrowHttpError(404, f"Export type {export_type} not found")
    flt = _export_filter(body.get("filters"))
    date_format = _date_format(body.get("outputFormat"))
    page = _page(request, body)

    # No await from here on: the data cannot change between taking the key and rendering the page.
    key = state.export_page_key(export_type, flt, page, date_format)
    cached = state.export_pages.get(key)
    if cached is not None:
        return _cached_page(cached)
    response = _export_page(state, export_type, flt, page, date_format)
    state.export_pages.put(key, response.body)
    return response


def _page(request: Request, body: dict[str, Any]) -> int:
    """``page`` of the query string or of the body (1 when neither has it)."""
    raw = request.query_params.get("page")
    from_query = None
    if raw is not None:
        if not raw.isdigit() or int(raw) < 1:
            raise ArrowHttpError(400, "page must be a positive integer")
        from_query = int(raw)
    from_body = body.get("page")
    if from_body is not None and (isinstance(from_body, bool) or not isinstance(from_body, int) or from_body < 1):
        raise ArrowHttpError(400, "page must be a positive integer")
    if from_query is not None and from_body is not None and from_query != from_body:
        raise ArrowHttpError(400, f"page is {from_query} in the query string but {from_body} in the body")
    return from_query or from_body or 1


def _date_format(output_format: Any) -> str:
    if output_format is None:
        return DEFAULT_DATE_FORMAT
    if not isinstance(output_format, dict):
        raise ArrowHttpError(400, "outputFormat must be an object")
    date_format = output_format.get("date", DEFAULT_DATE_FORMAT)
    if date_format not in DATE_FORMATS:
        raise ArrowHttpError(400, f"outputFormat.date must be one of {sorted(DATE_FORMATS)}")
    return date_format


def _export_page(state: EmulatorState, export_type: str, flt: ExportFilter, page: int, date_format: str) -> Response:
    per_page = state.config.export_page_size
    query = state.export_query(flt)
    lines = [state.with_price(line) for line in query.page(page, per_page)]
    rows = render_export_rows(export_type, state.model, lines, date_format)
    data = {"headers": export_headers(export_type), "values": rows}
    pagination = {"perPage": per_page, "currentPage": page, "total": query.total,
                  "totalPages": math.ceil(query.total / per_page)}
    return billing_ok(data, pagination)


def _cached_page(body: bytes) -> Response:
    # The status, content type and length a `billing_ok` answer of this body has.
    return Response(body, media_type=JSONResponse.media_type)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ArrowHttpError(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ArrowHttpError(400, "Request body must be a JSON object")
    return body


def _export_filter(filters: Any) -> ExportFilter:
    if not isinstance(filters, dict) or not isinstance(filters.get("reportPeriod"), dict):
        raise ArrowHttpError(400, "filters.reportPeriod {from, to} is required")
    report_period = filters["reportPeriod"]
    try:
        period_from = Period.parse(report_period.get("from"))
        period_to = Period.parse(report_period.get("to", report_period.get("from")))
    except ValueError as exc:
        raise ArrowHttpError(400, f"filters.reportPeriod: {exc}") from None
    if period_from > period_to:
        raise ArrowHttpError(400, "filters.reportPeriod: 'from' is after 'to'")
    if period_to.index - period_from.index >= MAX_EXPORT_MONTHS:
        raise ArrowHttpError(400, f"filters.reportPeriod spans more than {MAX_EXPORT_MONTHS} months")
    arrow_sku = filters.get("arrowSku")
    if arrow_sku is not None and not isinstance(arrow_sku, str):
        raise ArrowHttpError(400, "filters.arrowSku must be a string")
    chosen = {field: _string_set(filters.get(name), name) for name, field in LIST_FILTERS.items()}
    return ExportFilter(period_from, period_to, arrow_sku=arrow_sku or None, **chosen)


def _string_set(value: Any, name: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ArrowHttpError(400, f"filters.{name} must be a list of strings")
    return frozenset(value)


ROUTES = [
    arrow_route("/billing/erp/exports/types", "billing/erp/exports/types", export_types),
    arrow_route("/billing/erp/exports/sync", "billing/erp/exports/sync", export_sync, methods=("POST",)),
]
