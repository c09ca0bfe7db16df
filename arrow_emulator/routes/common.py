"""Shared plumbing of the Arrow routes: envelopes, error bodies, auth, faults, counters, paging.

Every Arrow route is built with `arrow_route`, which counts the request, applies an injected fault,
checks the ``apiKey`` header and turns `ArrowHttpError` into Arrow's error body
``{"status": <code>, "error": "<short>", "messages": ["…"]}``.
"""

from __future__ import annotations

import asyncio
import hmac
import math
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from arrow_emulator.faults import Fault
from arrow_emulator.state import EmulatorState

API_KEY_HEADER = "apiKey"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 1000
MALFORMED_BODY = b'{"status": 200, "data": {"unterminated'
STATUS_NAMES = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}

Handler = Callable[[Request, EmulatorState], Awaitable[Response]]


class ArrowHttpError(Exception):
    """Raised by a route to answer with Arrow's error body."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(status, messages)
        self.status = status
        self.messages = list(messages)


def emulator_state(request: Request) -> EmulatorState:
    return request.app.state.emulator


def arrow_ok(data: Any, pagination: dict[str, Any] | None = None) -> JSONResponse:
    """The envelope of most endpoints: ``{"status": 200, "data": …, "pagination": …}``."""
    body: dict[str, Any] = {"status": 200, "data": data}
    if pagination is not None:
        body["pagination"] = pagination
    return JSONResponse(body)


def billing_ok(data: Any, pagination: dict[str, Any] | None = None) -> JSONResponse:
    """The envelope of billing endpoints: ``{"code": 200, "message": "success", "data": …}``."""
    body: dict[str, Any] = {"code": 200, "message": "success", "data": data}
    if pagination is not None:
        body["pagination"] = pagination
    return JSONResponse(body)


def arrow_error(status: int, *messages: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"status": status, "error": STATUS_NAMES.get(status, "Error"), "messages": list(messages)}
    return JSONResponse(body, status_code=status, headers=headers)


def fault_response(fault: Fault) -> Response | None:
    """The answer an injected fault imposes, or ``None`` when it only delays the real answer."""
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
    if fault.malformed:
        return Response(MALFORMED_BODY, status_code=fault.status or 200, media_type="application/json",
                        headers=headers)
    if fault.status is not None:
        return arrow_error(fault.status, f"Injected fault #{fault.id}", headers=headers)
    return None


def arrow_route(path: str, name: str, handler: Handler, methods: tuple[str, ...] = ("GET",)) -> Route:
    """A route below the Arrow base path with counting, faults, auth and error bodies."""

    async def endpoint(request: Request) -> Response:
        state = emulator_state(request)
        state.counters.hit(name)
        fault = state.faults.pick(name)
        if fault is not None:
            if fault.latency:
                await asyncio.sleep(fault.latency)
            response = fault_response(fault)
            if response is not None:
                return response
        presented = request.headers.get(API_KEY_HEADER, "")
        if not presented or not hmac.compare_digest(presented.encode(), state.config.api_key.encode()):
            return arrow_error(401, "Invalid or missing API key" if presented else "Missing apiKey header")
        try:
            return await handler(request, state)
        except ArrowHttpError as exc:
            return arrow_error(exc.status, *exc.messages)

    return Route(path, endpoint, methods=list(methods), name=name)


def page_params(request: Request) -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1..1000) query parameters; 400 when malformed."""
    page = _positive_int(request.query_params.get("page"), "page", 1)
    per_page = _positive_int(request.query_params.get("per_page"), "per_page", DEFAULT_PER_PAGE)
    if per_page > MAX_PER_PAGE:
        raise ArrowHttpError(400, f"per_page must not exceed {MAX_PER_PAGE}")
    return page, per_page


def total_page_pagination(request: Request, page: int, per_page: int, total: int) -> dict[str, Any]:
    """Pagination of customer and license listings (``total_page`` style, snake_case)."""
    total_page = math.ceil(total / per_page)

    def link(number: int) -> str | None:
        if number < 1 or number > total_page:
            return None
        return str(request.url.include_query_params(page=number, per_page=per_page))

    return {
        "per_page": per_page,
        "current_page": page,
        "total_page": total_page,
        "total": total,
        "next": link(page + 1),
        "previous": link(page - 1),
    }


def _positive_int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ArrowHttpError(400, f"{name} must be a positive integer")
    return int(raw)
