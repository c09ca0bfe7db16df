"""Arrow catalog route: ``catalog/categories/{category}/programs`` (the vendors of a category).

Answers ``data`` as a list of programs whose ``name`` is the vendor name used in billing lines.
IAAS lists Microsoft, Amazon Web Services and Google Cloud (the last has no licenses in the seed);
SAAS lists Microsoft; other categories are empty.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from arrow_emulator.routes.common import arrow_ok, arrow_route
from arrow_emulator.state import EmulatorState

SAAS_PROGRAMS = (("MSCSP", "Microsoft"),)


async def programs(request: Request, state: EmulatorState) -> Response:
    category = request.path_params["category"].upper()
    listed = {"IAAS": state.model.catalogue.iaas_programs, "SAAS": SAAS_PROGRAMS}.get(category, ())
    return arrow_ok([
        {"reference": reference, "name": name, "category": category, "logo": None}
        for reference, name in listed
    ])


ROUTES = [
    arrow_route("/catalog/categories/{category}/programs", "catalog/categories/{category}/programs", programs),
]
