"""The official client `waldur_api_client` parses every license and resource-sync answer (live server)."""

import pytest
from waldur_api_client.api.admin import (
    admin_arrow_billing_syncs_sync_resources,
    admin_arrow_customer_mappings_discover_licenses_retrieve,
    admin_arrow_customer_mappings_fetch_arrow_data_retrieve,
    admin_arrow_customer_mappings_import_license,
    admin_arrow_customer_mappings_link_resource,
)
from waldur_api_client.errors import UnexpectedStatus
from waldur_api_client.models.import_license_request_request import ImportLicenseRequestRequest
from waldur_api_client.models.link_resource_request_request import LinkResourceRequestRequest
from waldur_api_client.models.sync_resources_request_request import SyncResourcesRequestRequest

from arrow_client import Period
from arrow_integration.tests.license_support import DEVELOPMENT_LICENSE, PRODUCTION_LICENSE
from core.models import Resource

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(official_client):
    return official_client


def test_license_actions_parse(client, nordic_mapping, demo_data, vendor_mappings):
    discovery = admin_arrow_customer_mappings_discover_licenses_retrieve.sync(uuid=nordic_mapping.uuid, client=client)
    assert discovery.suggestions[0].resource_uuid == demo_data.resource.uuid
    assert discovery.suggestions[0].license_reference == PRODUCTION_LICENSE
    assert discovery.error is None

    linked = admin_arrow_customer_mappings_link_resource.sync(
        uuid=nordic_mapping.uuid, client=client,
        body=LinkResourceRequestRequest(resource_uuid=demo_data.resource.uuid, license_reference=PRODUCTION_LICENSE),
    )
    assert linked.success and linked.previous_backend_id == ""

    request = ImportLicenseRequestRequest(
        license_reference=DEVELOPMENT_LICENSE, offering_uuid=demo_data.offering.uuid, project_uuid=demo_data.project.uuid
    )
    imported = admin_arrow_customer_mappings_import_license.sync(uuid=nordic_mapping.uuid, client=client, body=request)
    assert imported.resource_name == "Azure Development"
    assert Resource.objects.get(uuid=imported.resource_uuid).backend_id == DEVELOPMENT_LICENSE
    with pytest.raises(UnexpectedStatus) as duplicate:
        admin_arrow_customer_mappings_import_license.sync(uuid=nordic_mapping.uuid, client=client, body=request)
    assert duplicate.value.status_code == 400

    data = admin_arrow_customer_mappings_fetch_arrow_data_retrieve.sync(uuid=nordic_mapping.uuid, client=client)
    assert data.period == str(Period.current())
    assert data.matched_resources == 2
    assert {line.license_reference for line in data.consumption_lines} == {PRODUCTION_LICENSE, DEVELOPMENT_LICENSE}
    assert data.billing_lines and data.billing_lines[0].vendor_name


def test_sync_resources_parses(client, arrow_settings, nordic_mapping, demo_data, vendor_mappings):
    result = admin_arrow_billing_syncs_sync_resources.sync(
        client=client, body=SyncResourcesRequestRequest(project_uuid=demo_data.project.uuid)
    )
    assert (result.created, result.updated) == (3, 0)
    assert result["customers_created"] == 0
    assert result["errors"]

    again = admin_arrow_billing_syncs_sync_resources.sync(client=client, body=SyncResourcesRequestRequest())
    assert (again.created, again.updated, again.synced) == (0, 0, 3)
