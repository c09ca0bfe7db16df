"""fetch_arrow_data: live billing lines and consumption of a mapped customer, errors inline."""

from decimal import Decimal

import pytest

from arrow_client import Period
from arrow_integration.clients import arrow_client_for
from arrow_integration.tests.license_support import (
    NORDIC_AWS_LICENSE,
    NORDIC_REFERENCE,
    PRODUCTION_LICENSE,
    UNKNOWN_LICENSE,
    url,
)
from core.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

EXPORT_ENDPOINT = "billing/erp/exports/sync"


@pytest.fixture
def linked_resources(demo_data):
    demo_data.resource.backend_id = PRODUCTION_LICENSE
    demo_data.resource.save()
    aws = ResourceFactory(project=demo_data.project, offering=demo_data.offering, name="AWS", backend_id=NORDIC_AWS_LICENSE)
    return demo_data.resource, aws


def test_billing_and_consumption_of_the_current_month(staff_client, nordic_mapping, linked_resources):
    response = staff_client.get(url(nordic_mapping, "fetch_arrow_data"))

    assert response.status_code == 200
    body = response.json()
    period = Period.current()
    assert body["period"] == str(period)
    assert body["arrow_reference"] == NORDIC_REFERENCE
    assert body["waldur_customer_name"] == "Nordic Cloud Solutions"
    assert body["error"] is None
    assert body["total_customer_resources"] == 2
    assert body["resources_with_backend_id"] == 2
    assert body["matched_resources"] == 2
    lines = {line["license_reference"]: line for line in body["consumption_lines"]}
    assert set(lines) == {PRODUCTION_LICENSE, NORDIC_AWS_LICENSE}
    with arrow_client_for(nordic_mapping.settings) as client:
        production = sum(line.sell_total for line in client.consumption(PRODUCTION_LICENSE, period))
    assert Decimal(lines[PRODUCTION_LICENSE]["sell_price"]) == production.quantize(Decimal("0.01"))
    assert lines[PRODUCTION_LICENSE]["resource_uuid"] == str(linked_resources[0].uuid)
    assert lines[PRODUCTION_LICENSE]["error"] is None
    consumption_total = sum(Decimal(line["sell_price"]) for line in lines.values())
    assert abs(Decimal(body["consumption_total_sell"]) - consumption_total) <= Decimal("0.01")
    assert body["billing_available"] is True
    assert body["billing_lines"]
    assert {line["classification"] for line in body["billing_lines"]} == {"IAAS"}
    assert {line["license_reference"] for line in body["billing_lines"]} <= {"XSP5000101", "XSP5000102", "XSP5000103"}
    billing_total = sum(Decimal(line["sell_price"]) for line in body["billing_lines"])
    assert abs(Decimal(body["billing_total_sell"]) - billing_total) <= Decimal("0.01") * len(body["billing_lines"])
    for amount in (body["billing_total_sell"], body["billing_total_buy"], body["consumption_total_buy"]):
        assert isinstance(amount, str) and len(amount.split(".")[1]) == 2


def test_license_errors_are_reported_inline(staff_client, nordic_mapping, linked_resources, demo_data):
    broken = ResourceFactory(project=demo_data.project, offering=demo_data.offering, name="Gone", backend_id=UNKNOWN_LICENSE)

    body = staff_client.get(url(nordic_mapping, "fetch_arrow_data")).json()

    lines = {line["license_reference"]: line for line in body["consumption_lines"]}
    assert lines[UNKNOWN_LICENSE]["error"]
    assert lines[UNKNOWN_LICENSE]["sell_price"] is None
    assert lines[UNKNOWN_LICENSE]["resource_uuid"] == str(broken.uuid)
    assert body["resources_with_backend_id"] == 3
    assert body["matched_resources"] == 2
    assert body["error"] is None


def test_billing_export_failure_is_reported_and_consumption_still_shown(
    staff_client, nordic_mapping, linked_resources, arrow_emulator, settings
):
    settings.ARROW_HTTP_MAX_RETRIES = 0
    arrow_emulator.control.inject_fault(EXPORT_ENDPOINT, status=503)

    response = staff_client.get(url(nordic_mapping, "fetch_arrow_data"))

    assert response.status_code == 200
    body = response.json()
    assert body["billing_available"] is False
    assert body["billing_lines"] == []
    assert body["billing_total_sell"] is None
    assert "Billing export failed" in body["error"]
    assert body["matched_resources"] == 2


def test_no_linked_resources_gives_empty_consumption(staff_client, nordic_mapping):
    body = staff_client.get(url(nordic_mapping, "fetch_arrow_data")).json()

    assert body["consumption_lines"] == []
    assert body["consumption_total_sell"] is None
    assert body["resources_with_backend_id"] == 0
    assert body["matched_resources"] == 0


def test_rejected_key_is_400(staff_client, nordic_mapping):
    nordic_mapping.settings.api_key = "wrong-key"
    nordic_mapping.settings.save()

    response = staff_client.get(url(nordic_mapping, "fetch_arrow_data"))

    assert response.status_code == 400
    assert "detail" in response.json()
