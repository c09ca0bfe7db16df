"""The ArrowSphere emulator application: ``create_app(state)`` builds the Starlette app.

It serves the ArrowSphere calls used by waldur-arrow under a configurable base path (default
``/index.php/api/``) over deterministic seeded data, plus a control API under ``/_emulator/`` for
tests, demos and benchmarks. It binds to 127.0.0.1 by default and is never meant to face a network.

Emulated faithfully:
- paths and methods of ``whoami``, ``customers``, ``customers/{ref}``, ``customers/{ref}/licenses``,
  ``licenses``, ``licenses/{ref}``, ``billing/erp/exports/types``, ``billing/erp/exports/sync``,
  ``catalog/categories/{category}/programs`` and ``consumption/monthly/license/{ref}``;
- auth by the ``apiKey`` header, 401 with an error body when it is missing or wrong;
- envelopes (``status``/``data``/``pagination``; ``code``/``message`` on billing calls) and error
  bodies ``{"status", "error", "messages"}``, also for unknown paths (404) and methods (405);
- key casing per endpoint (camelCase partner, PascalCase customers, snake_case licenses with
  ``friendlyName``) and both pagination styles (``total_page`` on listings, ``totalPages`` on exports);
- the 70 export columns of "MSP (Extended)" in Arrow's order, ``MM/DD/YYYY`` dates, amounts as
  strings with 5 decimals (2 on Azure lines), ``Qty`` as ``"1"`` or ``"1.00000"``, JSON ``null``
  Segment, several lines for one license-month, Azure lines billed in the month after their
  ``Report Period``, headers present on an empty export, ``Validation Date`` filled only once a
  month is validated; consumption ``headers``/``lines`` with ``"null"`` strings.

Simplified:
- data is generated, not stored: 13 months up to "today", amounts derived from the seed name;
- ``End User Company ID`` holds the customer's XSP reference; one currency (EUR), no tax;
- a month counts as validated ``validation_delay_days`` after it ends, all its lines at once;
- export pages are 1000 rows (configurable for tests); filters are ``reportPeriod``,
  ``classifications`` and ``customerXspRefs`` only; no other Arrow calls, no write calls;
- consumption and export amounts agree except for the seed's documented final adjustments; the
  control API may change either side independently;
- the control API has no authentication (loopback only).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount

from arrow_emulator.routes import ARROW_ROUTES, control
from arrow_emulator.routes.common import arrow_error
from arrow_emulator.state import EmulatorConfig, EmulatorState


def create_app(state: EmulatorState | None = None) -> Starlette:
    """Build the app around ``state`` (a fresh demo state when omitted)."""
    state = state or EmulatorState(EmulatorConfig())
    base_path = state.config.base_path.rstrip("/")

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(control.CONTROL_PREFIX + "/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return arrow_error(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}")

    app = Starlette(
        routes=[*control.ROUTES, Mount(base_path, routes=ARROW_ROUTES)],
        exception_handlers={HTTPException: http_error},
    )
    app.state.emulator = state
    return app
