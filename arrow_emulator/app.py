"""The ArrowSphere emulator application: ``create_app(state)`` builds the Starlette app.

It serves the ArrowSphere calls used by waldur-arrow under a configurable base path (default
``/index.php/api/``) over deterministic seeded data, plus a control API under ``/_emulator/`` for
tests, demos and benchmarks. It binds to 127.0.0.1 by default and is never meant to face a network.
Its answers follow Arrow's own SDKs (PHP ``ArrowSphere/public-api-client``, Node
``ArrowSphere/nodejs-api-client``), the live-data fixtures of ``shearnie/ArrowSphereApiDotNet`` and the
golden export page; ``tests/contract/test_arrow_shapes.py`` pins those shapes, naming each source.

Emulated faithfully:
- paths and methods of ``whoami``, ``customers``, ``customers/{ref}``, ``customers/{ref}/licenses``,
  ``licenses``, ``licenses/{ref}``, ``POST licenses/v2/find``, ``billing/erp/exports/types``,
  ``POST billing/erp/exports/sync``, ``catalog/categories/{category}/programs`` and
  ``consumption/monthly/license/{ref}``;
- auth by the ``apiKey`` header, 401 with an error body when it is missing or wrong;
- envelopes (``status``/``data``/``pagination``; ``code``/``message`` on billing calls; the bare
  ``{results, filters, pagination}`` of the license search) and error bodies ``{"status", "error",
  "messages"}``, also for unknown paths (404) and methods (405);
- key sets and casing per endpoint: the PHP SDK's ``Whoami`` (camelCase) and ``Customer``
  (PascalCase, ``BillingId``, ``Ref`` = the digits of the XSP reference); the Node SDK's
  ``LicenseGetFields`` for the license detail and listings (``price`` of ``unit``/``total`` numbers,
  ``program`` and ``associatedSubscriptionProgram``, no vendor or customer name) and its
  ``LicenseFindResultFields`` for search results (snake_case, ``partner_ref``, ``vendor_name``,
  ``customer_name``, ``price.sell_price``); programs with a vendor-slug ``reference``, a string ``logo``,
  ``links`` and pagination; the three pagination styles (``total_page``, ``totalPages``, ``totalPage``);
- the license search's body (``filters``/``keywords``/``sort`` by dotted path, ``keyword``) with
  ``page``/``per_page`` in the query string;
- the export's filters ``reportPeriod``, ``classifications``, ``customerXspRefs``, ``vendors``,
  ``programs``, ``sequences``, ``vendorSubscriptionIds``, ``friendlyNames`` and ``arrowSku``, its
  ``outputFormat.date`` (``MM/DD/YYYY``, ``DD/MM/YYYY``, ``DD-MM-YYYY``) and ``page`` in the query string
  (the PHP SDK) or the body;
- the 70 export columns of "MSP (Extended)" in Arrow's order, amounts as strings with 5 decimals
  (2 on Azure lines), ``Qty`` as ``"1"`` or ``"1.00000"``, JSON ``null`` Segment, several lines for one
  license-month, Azure lines billed in the month after their ``Report Period``, headers present on
  an empty export, ``Validation Date`` filled only once a month is validated, ``End User Company ID``
  holding the customer's numeric ``Ref`` as live rows do; consumption ``headers``/``lines`` with
  ``"null"`` strings, asked for with ``reportPeriodStart/End`` or ``billingMonthStart/End``.

Simplified, and why:
- data is generated, not stored: 13 months up to "today", amounts derived from the seed name, so
  tests and benchmarks get the same data at any scale without fixtures;
- one currency (EUR), no tax, exchange rate 1, empty ERP invoice fields: the importer reads totals
  and currency only;
- a month counts as validated ``validation_delay_days`` after it ends, all its lines at once: the
  reconciliation only needs "validated or not" per line;
- export pages are 1000 rows (configurable for tests); the export filters ``issueDate``,
  ``validationDate``, ``subscriptionDate``, ``createdAt``, ``marketplaces``, ``references``,
  ``resellerXspRefs`` and ``resellerCompanyTags`` and ``outputFormat.file`` are accepted and ignored
  (the project does not send them); the license search has no ``highlight`` and counts facets of a
  few fields only; no other Arrow calls (billing statements, pricing plans, billing preferences,
  writes): the project does not call them (see the README's "Arrow emulator fidelity");
- consumption columns are those the project's notes confirm, not the Node mock's longer, dated set;
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
