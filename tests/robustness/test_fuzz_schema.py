"""Schema-driven fuzzing of every /api/admin/arrow/ operation against a live server.

Schemathesis generates requests from the OFFICIAL schema (`tests/conformance/official-openapi.yaml`):
valid ones and invalid ones (wrong types, missing fields, malformed UUIDs, periods and bodies), sent
with a staff token to the server started by pytest-django's `live_server`, whose active Arrow
settings point at the emulator, so actions that call Arrow really do. Path UUIDs and the
references in bodies are, half of the time, swapped for objects that exist (see `world.KNOWN`),
so generated input also reaches real objects and the emulator instead of stopping at a 404.

Asserted for every request: no 5xx, and every 4xx carries a JSON body. Bounded and repeatable:
a fixed number of examples per operation, a fixed seed, no example database. Every name
resolution except loopback fails (`loopback_only_network`), so generated URLs stay local.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests.robustness.official_schema import OFFICIAL_SCHEMA
from tests.robustness.world import KNOWN, LINKED_LICENSE, known_uuid_for_path

# Examples per operation; raise it (e.g. WALDUR_ARROW_FUZZ_EXAMPLES=200) for a deeper local run.
EXAMPLES_PER_OPERATION = int(os.environ.get("WALDUR_ARROW_FUZZ_EXAMPLES", "12"))
FUZZ_SEED = 20250801
REQUEST_TIMEOUT_SECONDS = 60

schema = schemathesis.openapi.from_path(
    OFFICIAL_SCHEMA,
    config=schemathesis.Config.from_dict({
        "seed": FUZZ_SEED,
        "suppress-health-check": ["all"],
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,
        },
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }),
)


# Body fields that name something: the existing object (or value) a generated body may use instead.
KNOWN_BODY_VALUES = {
    "settings": str(KNOWN.settings),
    "settings_uuid": str(KNOWN.settings),
    "resource_uuid": str(KNOWN.linked_resource),
    "offering": str(KNOWN.offering),
    "offering_uuid": str(KNOWN.offering),
    "project_uuid": str(KNOWN.project),
    "plan": str(KNOWN.plan),
    "waldur_customer": str(KNOWN.customer),
    "waldur_customer_uuid": str(KNOWN.customer),
    "license_reference": LINKED_LICENSE,
}
# Filled in by the fixture once the emulator's address and the month under test are known.
LIVE_BODY_VALUES: dict[str, object] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    known = known_uuid_for_path(context.operation.path)
    if known is None or not isinstance(path_parameters, dict) or "uuid" not in path_parameters:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, "uuid": str(known)}])


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    known = {**KNOWN_BODY_VALUES, **LIVE_BODY_VALUES}
    return st.fixed_dictionaries({
        key: st.sampled_from([value, known[key]]) if key in known else st.just(value)
        for key, value in body.items()
    })


@pytest.fixture
def fuzz_target(live_server, admin_world, staff_user):
    """The live server's URL and a staff token header; bodies may use the emulator and the world's month."""
    period = admin_world.period
    LIVE_BODY_VALUES.update({
        "api_url": admin_world.emulator_base_url,
        "api_key": admin_world.emulator_api_key,
        "year": period.year,
        "month": period.month,
        "period": str(period),
        "period_from": str(period),
        "period_to": str(period),
    })
    token, _ = Token.objects.get_or_create(user=staff_user)
    yield live_server.url, {"Authorization": f"Token {token.key}"}
    LIVE_BODY_VALUES.clear()


def _describe(case, response) -> str:
    return f"{case.method} {case.formatted_path} -> {response.status_code}: {response.content[:500]!r}\n" \
           f"reproduce: {case.as_curl_command()}"


@schema.parametrize()
def test_generated_requests_never_get_a_server_error_and_errors_are_json(case, fuzz_target):
    base_url, headers = fuzz_target
    response = case.call(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS)

    assert response.status_code < 500, _describe(case, response)
    if 400 <= response.status_code < 500 and case.method.upper() != "HEAD":
        content_type = ";".join(response.headers.get("content-type", []))
        assert "application/json" in content_type, _describe(case, response)
        assert isinstance(json.loads(response.content), (dict, list)), _describe(case, response)
