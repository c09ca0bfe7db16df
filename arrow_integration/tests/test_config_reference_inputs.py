"""Arrow references given to the API go into Arrow URL paths: only `XSP` + digits are accepted.

Every input that the client puts into a path (license references of the look-ups, link and
import; customer references of mappings) answers 400 naming the field for anything else, before
any call to Arrow: `..` would otherwise ask for the API root, `XSP1/..` for the parent listing.
"""

import pytest

from arrow_integration.models import ArrowCustomerMapping
from arrow_integration.tests.license_support import PRODUCTION_LICENSE, url

pytestmark = pytest.mark.django_db

BILLING = "/api/admin/arrow/billing-syncs/"
MAPPINGS = "/api/admin/arrow/customer-mappings/"
PATH_ESCAPES = ["..", ".", "../whoami", "XSP1/..", "XSP5000101/../..", "XSP1?page=2", "XSP1#x", "%2e%2e",
                "XSP%2F..", "xsp5000101", "XSP", "XSP-1", "XSP 1", "XSP1\r\nX", "XSP１２"]


@pytest.fixture
def quiet_emulator(arrow_emulator):
    arrow_emulator.control.reset_counters()
    return arrow_emulator


def refused(response, field: str) -> bool:
    return response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("reference", PATH_ESCAPES)
def test_license_references_are_validated(reference, staff_client, nordic_mapping, demo_data, quiet_emulator):
    resource, offering = demo_data.resource, demo_data.offering
    calls = [
        (f"{BILLING}fetch_license_info/", {"license_reference": reference}),
        (f"{BILLING}fetch_consumption/", {"license_reference": reference, "period": "2025-01"}),
        (url(nordic_mapping, "link_resource"), {"resource_uuid": str(resource.uuid), "license_reference": reference}),
        (url(nordic_mapping, "import_license"), {"license_reference": reference, "offering_uuid": str(offering.uuid),
                                                 "project_uuid": str(resource.project.uuid)}),
    ]
    for path, body in calls:
        response = staff_client.post(path, body, format="json")
        assert refused(response, "license_reference"), (path, response.status_code, response.content)
    assert quiet_emulator.control.counters() == {}


@pytest.mark.parametrize("reference", PATH_ESCAPES)
def test_customer_references_are_validated(reference, staff_client, nordic_mapping, demo_data, quiet_emulator):
    customer = demo_data.customers[1]
    created = staff_client.post(MAPPINGS, {"settings": str(nordic_mapping.settings.uuid), "arrow_reference": reference,
                                           "waldur_customer": str(customer.uuid)}, format="json")
    updated = staff_client.patch(f"{MAPPINGS}{nordic_mapping.uuid}/", {"arrow_reference": reference}, format="json")
    saved = staff_client.post("/api/admin/arrow/settings/save_settings/", {
        "api_url": quiet_emulator.base_url, "api_key": quiet_emulator.api_key,
        "customer_mappings": [{"arrow_reference": reference, "waldur_customer_uuid": str(customer.uuid)}],
    }, format="json")

    assert refused(created, "arrow_reference"), created.content
    assert refused(updated, "arrow_reference"), updated.content
    assert refused(saved, "customer_mappings") and "arrow_reference" in str(saved.json()["customer_mappings"])
    assert list(ArrowCustomerMapping.objects.values_list("arrow_reference", flat=True)) == ["XSP100001"]
    assert quiet_emulator.control.counters() == {}


def test_well_formed_references_still_reach_arrow(staff_client, nordic_mapping, quiet_emulator):
    response = staff_client.post(f"{BILLING}fetch_license_info/", {"license_reference": f" {PRODUCTION_LICENSE} "},
                                 format="json")

    assert response.status_code == 200, response.content
    assert response.json()["data"]["license_id"] == PRODUCTION_LICENSE
