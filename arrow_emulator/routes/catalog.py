"""Arrow catalog route: ``catalog/categories/{category}/programs`` (the vendors of a category).

Answers ``data`` as a list of programs in the shape of the PHP SDK (``src/Catalog/Entities/Program.php``
and the listing of ``tests/Catalog/ProgramClientTest.php``): ``reference`` is a vendor slug
(``microsoft``), ``name`` the vendor name used in billing lines, ``associatedSubscriptionProgram`` the
program code licenses carry (``MSCSP``), ``logo`` a path, ``category`` and ``links``; the listing
pages with ``page``/``per_page`` (``total_page`` pagination). IAAS lists Microsoft, Amazon Web
Services and Google Cloud (the last has no licenses in the seed); SAAS lists Microsoft; other
categories are empty.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from arrow_emulator.routes.common import arrow_ok, arrow_route, page_params, total_page_pagination
from arrow_emulator.seeds import ProgramSeed
from arrow_emulator.state import EmulatorState

LOGO_PATH = "/index.php/site/img/type/vendor/ref/{logo_id}"
PROGRAM_LINK = "/api/catalog/categories/{category}/programs/{reference}"


def program_json(program: ProgramSeed, category: str) -> dict[str, Any]:
    link = PROGRAM_LINK.format(category=category, reference=program.reference)
    return {
        "reference": program.reference,
        "name": program.name,
        "associatedSubscriptionProgram": program.associated_program,
        "logo": LOGO_PATH.format(logo_id=program.logo_id),
        "category": category,
        "links": {"program": link, "products": f"{link}/products"},
    }


async def programs(request: Request, state: EmulatorState) -> Response:
    category = request.path_params["category"].upper()
    page, per_page = page_params(request)
    listed = state.model.catalogue.programs.get(category, ())
    chunk = listed[(page - 1) * per_page: page * per_page]
    return arrow_ok([program_json(program, category) for program in chunk],
                    total_page_pagination(request, page, per_page, len(listed)))


ROUTES = [
    arrow_route("/catalog/categories/{category}/programs", "catalog/categories/{category}/programs", programs),
]
