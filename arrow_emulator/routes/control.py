"""The control API of the emulator, under ``/_emulator/`` (outside the Arrow base path, no auth).

JSON in, JSON out; errors are ``{"detail": "..."}`` with 400 (bad input), 404 (unknown line or
license) or 409 (not possible for this line). Calls:

- ``GET  /_emulator/health``: liveness, the seed, "today", memory figures and the export page cache
  (``export_cache_mb`` from the command line; ``export_cache``: pages and bytes held, hits, misses);
- ``POST /_emulator/reset`` ``{"seed", "today", "validation_delay_days", "scale_lines",
  "scale_licenses", "export_page_size"}`` (all optional): seeded data again, faults and counters cleared;
- ``POST /_emulator/today`` ``{"date": "YYYY-MM-DD"}``;
- ``GET  /_emulator/lines?period=YYYY-MM``: the period's seeded and added lines (short form);
- ``POST /_emulator/lines`` ``{"period", "license", "sell", "buy", "quantity"?, "sequence"?}``;
- ``POST /_emulator/lines/{sequence}/price`` ``{"sell", "buy"}``; ``DELETE /_emulator/lines/{sequence}``;
- ``PUT|DELETE /_emulator/consumption/{license}/{YYYY-MM}`` ``{"sell", "buy"}``;
- ``GET|POST|DELETE /_emulator/faults``, ``DELETE /_emulator/faults/{id}``;
- ``GET /_emulator/counters``, ``POST /_emulator/counters/reset``.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from arrow_client.money import InvalidAmount, format_decimal, parse_decimal
from arrow_client.periods import Period
from arrow_emulator.columns import line_summary
from arrow_emulator.faults import ENDPOINTS, Fault
from arrow_emulator.routes.common import emulator_state
from arrow_emulator.state import ConflictError, NotFoundError

CONTROL_PREFIX = "/_emulator"
RESET_OPTIONS = {"seed": str, "today": "date", "validation_delay_days": int, "scale_lines": int,
                 "scale_licenses": int, "export_page_size": int}
FAULT_OPTIONS = ("endpoint", "status", "count", "probability", "latency", "retry_after", "malformed")


class ControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _handler(function):
    async def endpoint(request: Request) -> Response:
        try:
            return await function(request)
        except ControlError as exc:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status)
        except NotFoundError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        except ConflictError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=409)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ControlError(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "body must be a JSON object")
    return body


def _amount(body: dict[str, Any], key: str) -> Decimal:
    if key not in body:
        raise ControlError(400, f"'{key}' is required")
    try:
        return parse_decimal(body[key])
    except InvalidAmount as exc:
        raise ControlError(400, f"'{key}': {exc}") from None


def _date(value: Any, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"'{key}' must be a date YYYY-MM-DD") from None


def _memory() -> dict[str, int | None]:
    """Current and peak RSS of this process. The peak comes from VmHWM, which starts afresh at
    exec; getrusage's ru_maxrss would carry over the peak of the process that spawned us."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        rss_kb = int(fields["VmRSS"].split()[0])
        max_rss_kb = int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        rss_kb = None
        max_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rss_kb": rss_kb, "max_rss_kb": max_rss_kb}


async def health(request: Request) -> Response:
    state = emulator_state(request)
    config = state.config
    return JSONResponse({
        "status": "ok", "seed": config.seed, "today": state.today.isoformat(), "base_path": config.base_path,
        "validation_delay_days": config.validation_delay_days, "scale_lines": config.scale_lines,
        "scale_licenses": config.scale_licenses, "export_page_size": config.export_page_size,
        "export_cache_mb": config.export_cache_mb, "export_cache": state.export_pages.stats(), "tenant": config.tenant,
        "endpoints": list(ENDPOINTS), **_memory(),
    })


async def reset(request: Request) -> Response:
    body = await _body(request)
    unknown = set(body) - set(RESET_OPTIONS)
    if unknown:
        raise ControlError(400, f"unknown reset options: {sorted(unknown)}; known: {sorted(RESET_OPTIONS)}")
    changes: dict[str, Any] = {}
    for key, kind in RESET_OPTIONS.items():
        if key not in body:
            continue
        value = body[key]
        if kind == "date":
            changes[key] = None if value is None else _date(value, key)
        elif kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ControlError(400, f"'{key}' must be an integer")
        elif kind is str and not isinstance(value, str):
            raise ControlError(400, f"'{key}' must be a string")
        else:
            changes[key] = value
    emulator_state(request).reset(**changes)
    return await health(request)


async def set_today(request: Request) -> Response:
    body = await _body(request)
    emulator_state(request).set_today(_date(body.get("date"), "date"))
    return await health(request)


async def list_lines(request: Request) -> Response:
    state = emulator_state(request)
    period = Period.parse(request.query_params.get("period") or str(state.model.current))
    lines = [state.with_price(line) for line in state.period_lines(period)]
    return JSONResponse({"period": str(period), "lines": [line_summary(state.model, line) for line in lines]})


async def add_line(request: Request) -> Response:
    body = await _body(request)
    state = emulator_state(request)
    line = state.add_line(
        period=Period.parse(body.get("period") or ""),
        license_ref=str(body.get("license") or ""),
        sell=_amount(body, "sell"),
        buy=_amount(body, "buy"),
        quantity=_amount(body, "quantity") if "quantity" in body else Decimal(1),
        sequence=body.get("sequence"),
    )
    return JSONResponse(line_summary(state.model, line), status_code=201)


async def set_line_price(request: Request) -> Response:
    body = await _body(request)
    state = emulator_state(request)
    line = state.set_line_price(request.path_params["sequence"], _amount(body, "sell"), _amount(body, "buy"))
    return JSONResponse(line_summary(state.model, line))


async def remove_line(request: Request) -> Response:
    emulator_state(request).remove_line(request.path_params["sequence"])
    return Response(status_code=204)


async def consumption(request: Request) -> Response:
    state = emulator_state(request)
    license_ref, period = request.path_params["license"], Period.parse(request.path_params["period"])
    if request.method == "DELETE":
        state.clear_consumption(license_ref, period)
        return Response(status_code=204)
    body = await _body(request)
    sell, buy = _amount(body, "sell"), _amount(body, "buy")
    state.set_consumption(license_ref, period, sell, buy)
    return JSONResponse({"license": license_ref, "period": str(period),
                         "sell": format_decimal(sell), "buy": format_decimal(buy)})


async def faults(request: Request) -> Response:
    book = emulator_state(request).faults
    if request.method == "DELETE":
        book.clear()
        return Response(status_code=204)
    if request.method == "POST":
        body = await _body(request)
        unknown = set(body) - set(FAULT_OPTIONS)
        if unknown:
            raise ControlError(400, f"unknown fault options: {sorted(unknown)}; known: {list(FAULT_OPTIONS)}")
        if not isinstance(body.get("endpoint"), str):
            raise ControlError(400, "'endpoint' is required")
        options = {key: value for key, value in body.items() if value is not None}
        fault = book.add(Fault(**options))
        return JSONResponse(fault.as_dict(), status_code=201)
    return JSONResponse({"faults": book.list()})


async def remove_fault(request: Request) -> Response:
    fault_id = request.path_params["fault_id"]
    if not emulator_state(request).faults.remove(fault_id):
        raise ControlError(404, f"no fault #{fault_id}")
    return Response(status_code=204)


async def counters(request: Request) -> Response:
    return JSONResponse({"counters": emulator_state(request).counters.snapshot()})


async def reset_counters(request: Request) -> Response:
    emulator_state(request).counters.reset()
    return Response(status_code=204)


ROUTES = [
    Route(f"{CONTROL_PREFIX}/health", _handler(health), methods=["GET"]),
    Route(f"{CONTROL_PREFIX}/reset", _handler(reset), methods=["POST"]),
    Route(f"{CONTROL_PREFIX}/today", _handler(set_today), methods=["POST"]),
    Route(f"{CONTROL_PREFIX}/lines", _handler(list_lines), methods=["GET"]),
    Route(f"{CONTROL_PREFIX}/lines", _handler(add_line), methods=["POST"]),
    Route(f"{CONTROL_PREFIX}/lines/{{sequence}}/price", _handler(set_line_price), methods=["POST"]),
    Route(f"{CONTROL_PREFIX}/lines/{{sequence}}", _handler(remove_line), methods=["DELETE"]),
    Route(f"{CONTROL_PREFIX}/consumption/{{license}}/{{period}}", _handler(consumption), methods=["PUT", "DELETE"]),
    Route(f"{CONTROL_PREFIX}/faults", _handler(faults), methods=["GET", "POST", "DELETE"]),
    Route(f"{CONTROL_PREFIX}/faults/{{fault_id:int}}", _handler(remove_fault), methods=["DELETE"]),
    Route(f"{CONTROL_PREFIX}/counters", _handler(counters), methods=["GET"]),
    Route(f"{CONTROL_PREFIX}/counters/reset", _handler(reset_counters), methods=["POST"]),
]
