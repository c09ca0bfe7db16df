"""The official client `waldur_api_client` drives every one of its 62 `admin_arrow_*` calls against
a live server and the Arrow emulator, in an operator's order: wizard, settings, customer mappings,
vendor mappings, billing, consumption, licenses, cleanup, deletes.

Status codes are checked by the client itself (it raises `UnexpectedStatus` for any other) and
every body is parsed by its models, except the answers listed in `RAW_JSON_CASES`: the 8.1.3
models type a few relations as required UUIDs although they are empty in real data (SPEC 5.1,
client-contract.md section 0.3). Those calls are made with the module's own request and their
raw JSON is asserted instead. The emulator runs with a random API key, and neither the server's
answers nor any log line of the run (this process, where the live server runs, and the
emulator's own log) may contain it.
"""

import secrets

import pytest
from rest_framework.authtoken.models import Token

from arrow_client import ArrowClient, Period
from arrow_emulator.testing import EmulatorProcess
from core.services.demo import core_demo_seed
from tests.contract_api import steps_operations, steps_setup
from tests.contract_api.support import Flow, LogCapture, Operator, admin_arrow_modules

pytestmark = pytest.mark.django_db(transaction=True)

# The calls whose answer the official client cannot parse in this flow: module -> why.
RAW_JSON_CASES = {
    "admin_arrow_vendor_offering_mappings_create": (
        "a vendor mapping without a plan answers plan_uuid null (no plan, nothing to point at); "
        "ArrowVendorOfferingMappingCreate.plan_uuid is a required UUID"
    ),
    "admin_arrow_billing_syncs_list": (
        "before reconciliation the embedded items answer compensation_item_uuid null (no compensation "
        "exists yet); ArrowBillingSyncItem.compensation_item_uuid is a required UUID"
    ),
    "admin_arrow_consumption_records_list": (
        "before reconciliation a record answers compensation_item_uuid null; "
        "ArrowConsumptionRecord.compensation_item_uuid is a required UUID"
    ),
}


@pytest.fixture(scope="module")
def secret_emulator():
    """An emulator of its own whose API key is random, so that any leak of it can be found."""
    with EmulatorProcess(seed="demo", api_key=secrets.token_hex(24), log_level="debug") as emulator:
        yield emulator


@pytest.fixture
def operator(live_server, staff_user):
    token, _ = Token.objects.get_or_create(user=staff_user)
    operator = Operator(base_url=live_server.url, token=token.key, raw_cases=RAW_JSON_CASES)
    yield operator
    operator.close()


@pytest.fixture
def arrow(secret_emulator):
    """The test's own view of Arrow (expected values come from here, not from the server)."""
    with ArrowClient(secret_emulator.base_url, secret_emulator.api_key, timeout=5) as client:
        yield client


def test_an_operator_drives_every_admin_arrow_call(operator, secret_emulator, arrow):
    secret_emulator.control.reset(seed="demo")
    flow = Flow(
        operator=operator, arrow=arrow, emulator=secret_emulator, demo=core_demo_seed(), current=Period.current()
    )
    with LogCapture() as logs:
        for step in (steps_setup.wizard, steps_setup.settings_crud, steps_setup.customer_mappings,
                     steps_setup.vendor_mappings, steps_operations.billing, steps_operations.consumption,
                     steps_operations.licenses, steps_operations.cleanup, steps_operations.deletes):
            step(flow)

    assert sorted(set(admin_arrow_modules()) - operator.called) == []
    assert len(admin_arrow_modules()) == 62
    assert operator.called_raw == set(RAW_JSON_CASES)

    key = secret_emulator.api_key
    assert key in operator.text_sent(), "the scan must see the key where it belongs (our own requests)"
    assert key not in operator.text_received()
    assert any(" arrow_integration." in line for line in logs.lines), "the server's own records were captured"
    assert any(line.startswith("DEBUG httpcore") for line in logs.lines), "and DEBUG records of HTTP libraries"
    assert [line for line in logs.lines if key in line] == []
    assert secret_emulator.log_text() and key not in secret_emulator.log_text()
