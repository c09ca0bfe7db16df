"""Arrow consumption route: ``consumption/monthly/license/{ref}?reportPeriodStart=&reportPeriodEnd=``.

Answers ``data.headers`` and ``data.lines`` (rows of strings; ``"null"`` where Arrow has no value).
A month without usage has no lines; SAAS licenses never have consumption. Both ends of the period
are required (``YYYY-MM``), named ``reportPeriodStart``/``reportPeriodEnd`` or, as the Node SDK's
mock sends them (``tests/consumption/mocks/consumption.mocks.ts``), ``billingMonthStart``/
``billingMonthEnd``; an unknown license is a 404. The columns are those our notes confirm (SPEC
section 4), not the mock's longer and dated set, whose row does not match its own headers.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from arrow_client.periods import Period
from arrow_emulator.columns import CONSUMPTION_HEADERS, render_consumption_rows
from arrow_emulator.routes.common import ArrowHttpError, arrow_ok, arrow_route
from arrow_emulator.state import EmulatorState

MAX_CONSUMPTION_MONTHS = 36
PERIOD_PARAMETERS = (("reportPeriodStart", "billingMonthStart"), ("reportPeriodEnd", "billingMonthEnd"))


async def monthly_license(request: Request, state: EmulatorState) -> Response:
    reference = request.path_params["ref"]
    periods = []
    for name, other_name in PERIOD_PARAMETERS:
        raw = request.query_params.get(name) or request.query_params.get(other_name)
        if not raw:
            raise ArrowHttpError(400, f"{name} (or {other_name}) is required (YYYY-MM)")
        try:
            periods.append(Period.parse(raw))
        except ValueError as exc:
            raise ArrowHttpError(400, f"{name}: {exc}") from None
    period_from, period_to = periods
    if period_from > period_to:
        raise ArrowHttpError(400, "reportPeriodStart is after reportPeriodEnd")
    if period_to.index - period_from.index >= MAX_CONSUMPTION_MONTHS:
        raise ArrowHttpError(400, f"the period spans more than {MAX_CONSUMPTION_MONTHS} months")
    record = state.find_license(reference)
    if record is None:
        raise ArrowHttpError(404, f"License {reference} not found")
    items = state.consumption(record, period_from, period_to)
    return arrow_ok({"headers": list(CONSUMPTION_HEADERS), "lines": render_consumption_rows(items)})


ROUTES = [
    arrow_route("/consumption/monthly/license/{ref}", "consumption/monthly/license/{ref}", monthly_license),
]
