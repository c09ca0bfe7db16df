"""discover_licenses, link_resource and import_license against the emulator, through the API."""

import uuid

import pytest

from arrow_client import Period
from arrow_integration.models import ArrowConsumptionRecord
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.services.licenses.links import VENDOR_SUBSCRIPTION_ATTRIBUTE
from arrow_integration.tests.license_support import (
    BALTIC_LICENSE,
    DEVELOPMENT_LICENSE,
    MICROSOFT,
    NORDIC_AWS_LICENSE,
    PRODUCTION_LICENSE,
    UNKNOWN_LICENSE,
    url,
)
from core.models import Resource
from core.tests.factories import ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def suggestions_by_license(body) -> dict[str, dict]:
    return {suggestion["license_reference"]: suggestion for suggestion in body["suggestions"]}


class TestDiscoverLicenses:
    def test_suggests_demo_resource_for_similar_license_name(self, staff_client, nordic_mapping, demo_data):
        response = staff_client.get(url(nordic_mapping, "discover_licenses"))

        assert response.status_code == 200
        body = response.json()
        assert body["customer_mapping_uuid"] == str(nordic_mapping.uuid)
        assert body["arrow_reference"] == "XSP100001"
        assert body["waldur_customer_name"] == "Nordic Cloud Solutions"
        assert body["error"] is None
        assert {item["license_reference"] for item in body["arrow_licenses"]} >= {
            PRODUCTION_LICENSE, DEVELOPMENT_LICENSE, NORDIC_AWS_LICENSE
        }
        production = next(item for item in body["arrow_licenses"] if item["license_reference"] == PRODUCTION_LICENSE)
        assert production == {
            "license_reference": PRODUCTION_LICENSE, "vendor_name": MICROSOFT, "offer_name": "Microsoft Azure Plan",
            "offer_sku": "DZH318Z0BPS6:0001", "friendly_name": "Azure Production Subscr.",
        }
        assert [resource["name"] for resource in body["waldur_resources"]] == ["Azure Production Subscription"]
        assert body["waldur_resources"][0]["backend_id"] == ""
        suggestion = suggestions_by_license(body)[PRODUCTION_LICENSE]
        assert suggestion["resource_uuid"] == str(demo_data.resource.uuid)
        assert suggestion["license_name"] == "Azure Production Subscr."
        assert 0.8 <= suggestion["confidence"] <= 1
        assert len(body["suggestions"]) == 1
        assert response["X-Result-Count"] == "1"

    def test_each_license_and_resource_suggested_once(self, staff_client, nordic_mapping, demo_data):
        ResourceFactory(project=demo_data.project, offering=demo_data.offering, name="Azure Production Subscriptions")
        ResourceFactory(project=demo_data.project, offering=demo_data.offering, name="Azure Development")

        body = staff_client.get(url(nordic_mapping, "discover_licenses")).json()

        licenses = [suggestion["license_reference"] for suggestion in body["suggestions"]]
        resources = [suggestion["resource_uuid"] for suggestion in body["suggestions"]]
        assert len(licenses) == len(set(licenses)) == len(set(resources))
        assert set(licenses) == {PRODUCTION_LICENSE, DEVELOPMENT_LICENSE}
        assert suggestions_by_license(body)[PRODUCTION_LICENSE]["resource_uuid"] == str(demo_data.resource.uuid)

    def test_linked_licenses_and_resources_are_not_suggested(self, staff_client, nordic_mapping, demo_data):
        ResourceFactory(project=demo_data.project, offering=demo_data.offering, name="Other", backend_id=PRODUCTION_LICENSE)

        body = staff_client.get(url(nordic_mapping, "discover_licenses")).json()

        assert PRODUCTION_LICENSE not in suggestions_by_license(body)
        assert PRODUCTION_LICENSE in {item["license_reference"] for item in body["arrow_licenses"]}
        assert {resource["backend_id"] for resource in body["waldur_resources"]} == {"", PRODUCTION_LICENSE}

    def test_customer_unknown_to_arrow_is_reported_inline(self, staff_client, nordic_mapping):
        nordic_mapping.arrow_reference = "XSP999999"
        nordic_mapping.save()

        response = staff_client.get(url(nordic_mapping, "discover_licenses"))

        assert response.status_code == 200
        assert response.json()["arrow_licenses"] == []
        assert "XSP999999" in response.json()["error"]

    def test_head_and_permissions(self, staff_client, user_client, anonymous_client, nordic_mapping):
        assert staff_client.head(url(nordic_mapping, "discover_licenses"))["X-Result-Count"] == "1"
        assert user_client.get(url(nordic_mapping, "discover_licenses")).status_code == 403
        assert anonymous_client.get(url(nordic_mapping, "discover_licenses")).status_code == 401
        missing = f"/api/admin/arrow/customer-mappings/{uuid.uuid4()}/discover_licenses/"
        assert staff_client.get(missing).status_code == 404


class TestLinkResource:
    def link(self, client, mapping, resource, license_reference):
        return client.post(
            url(mapping, "link_resource"),
            {"resource_uuid": str(resource.uuid), "license_reference": license_reference},
            format="json",
        )

    def test_link_sets_backend_id_and_vendor_subscription(self, staff_client, nordic_mapping, demo_data):
        response = self.link(staff_client, nordic_mapping, demo_data.resource, PRODUCTION_LICENSE)

        assert response.status_code == 200
        assert response.json() == {
            "resource_uuid": str(demo_data.resource.uuid), "resource_name": "Azure Production Subscription",
            "license_reference": PRODUCTION_LICENSE, "previous_backend_id": "", "success": True, "warning": None,
        }
        demo_data.resource.refresh_from_db()
        assert demo_data.resource.backend_id == PRODUCTION_LICENSE
        assert demo_data.resource.attributes[VENDOR_SUBSCRIPTION_ATTRIBUTE]

        again = self.link(staff_client, nordic_mapping, demo_data.resource, PRODUCTION_LICENSE)
        assert again.status_code == 200
        assert again.json()["previous_backend_id"] == PRODUCTION_LICENSE

    def test_relink_reports_previous_license(self, staff_client, nordic_mapping, demo_data):
        self.link(staff_client, nordic_mapping, demo_data.resource, DEVELOPMENT_LICENSE)

        response = self.link(staff_client, nordic_mapping, demo_data.resource, PRODUCTION_LICENSE)

        assert response.status_code == 200
        assert response.json()["previous_backend_id"] == DEVELOPMENT_LICENSE

    def test_linked_resource_is_picked_up_by_consumption_sync(self, staff_client, nordic_mapping, demo_data):
        assert self.link(staff_client, nordic_mapping, demo_data.resource, PRODUCTION_LICENSE).status_code == 200

        run = consumption_sync_period(settings=nordic_mapping.settings, period=Period.current())

        record = ArrowConsumptionRecord.objects.get(resource=demo_data.resource)
        assert record.license_reference == PRODUCTION_LICENSE
        assert record.consumed_sell > 0
        assert run.error_message == ""

    def test_resource_of_another_customer_is_refused(self, staff_client, nordic_mapping, demo_data):
        stranger = ResourceFactory(project=ProjectFactory(customer=demo_data.customers[1]), offering=demo_data.offering)

        response = self.link(staff_client, nordic_mapping, stranger, PRODUCTION_LICENSE)

        assert response.status_code == 400
        assert "resource_uuid" in response.json()
        stranger.refresh_from_db()
        assert stranger.backend_id == ""

    def test_license_linked_elsewhere_is_refused(self, staff_client, nordic_mapping, demo_data):
        ResourceFactory(project=demo_data.project, offering=demo_data.offering, backend_id=PRODUCTION_LICENSE)

        response = self.link(staff_client, nordic_mapping, demo_data.resource, PRODUCTION_LICENSE)

        assert response.status_code == 400
        assert "already linked" in response.json()["license_reference"][0]

    @pytest.mark.parametrize(
        "license_reference, message",
        [(BALTIC_LICENSE, "does not belong"), (UNKNOWN_LICENSE, "does not know")],
    )
    def test_license_not_of_this_customer_is_refused(
        self, staff_client, nordic_mapping, demo_data, license_reference, message
    ):
        response = self.link(staff_client, nordic_mapping, demo_data.resource, license_reference)

        assert response.status_code == 400
        assert message in response.json()["license_reference"][0]
        demo_data.resource.refresh_from_db()
        assert demo_data.resource.backend_id == ""

    def test_unknown_and_malformed_input(self, staff_client, nordic_mapping, demo_data):
        unknown = staff_client.post(
            url(nordic_mapping, "link_resource"),
            {"resource_uuid": str(uuid.uuid4()), "license_reference": PRODUCTION_LICENSE}, format="json",
        )
        assert unknown.status_code == 404
        assert "resource_uuid" in unknown.json()
        for body in ({}, {"resource_uuid": "nope", "license_reference": PRODUCTION_LICENSE},
                     {"resource_uuid": str(demo_data.resource.uuid), "license_reference": ""},
                     {"resource_uuid": str(demo_data.resource.uuid), "license_reference": "X" * 300}):
            response = staff_client.post(url(nordic_mapping, "link_resource"), body, format="json")
            assert response.status_code == 400, body
        assert staff_client.post(url(nordic_mapping, "link_resource"), "[1]", content_type="application/json").status_code == 400

    def test_resource_url_is_accepted(self, staff_client, nordic_mapping, demo_data):
        resource_url = f"http://testserver/api/marketplace-resources/{demo_data.resource.uuid}/"

        response = staff_client.post(
            url(nordic_mapping, "link_resource"),
            {"resource_uuid": resource_url, "license_reference": PRODUCTION_LICENSE}, format="json",
        )

        assert response.status_code == 200


class TestImportLicense:
    def import_license(self, client, mapping, offering, project, license_reference, **extra):
        body = {
            "license_reference": license_reference, "offering_uuid": str(offering.uuid),
            "project_uuid": str(project.uuid), **extra,
        }
        return client.post(url(mapping, "import_license"), body, format="json")

    def test_import_creates_ok_resource_with_plan_of_vendor_mapping(
        self, staff_client, nordic_mapping, demo_data, vendor_mappings
    ):
        response = self.import_license(staff_client, nordic_mapping, demo_data.offering, demo_data.project,
                                       DEVELOPMENT_LICENSE)

        assert response.status_code == 200
        body = response.json()
        resource = Resource.objects.get(uuid=body["resource_uuid"])
        assert body == {
            "resource_uuid": str(resource.uuid), "resource_name": "Azure Development",
            "license_reference": DEVELOPMENT_LICENSE, "offering_name": "Azure via Arrow",
            "project_name": "Cloud Infrastructure", "success": True, "warning": None,
        }
        assert resource.state == Resource.State.OK
        assert resource.backend_id == DEVELOPMENT_LICENSE
        assert resource.plan == vendor_mappings[MICROSOFT].plan
        assert resource.project == demo_data.project
        assert resource.attributes[VENDOR_SUBSCRIPTION_ATTRIBUTE]

    def test_second_import_of_the_same_license_is_400(self, staff_client, nordic_mapping, demo_data):
        first = self.import_license(staff_client, nordic_mapping, demo_data.offering, demo_data.project,
                                    DEVELOPMENT_LICENSE)
        second = self.import_license(staff_client, nordic_mapping, demo_data.offering, demo_data.project,
                                     DEVELOPMENT_LICENSE)

        assert first.status_code == 200
        assert second.status_code == 400
        assert "license_reference" in second.json()
        assert Resource.objects.filter(backend_id=DEVELOPMENT_LICENSE).count() == 1

    def test_name_override_and_no_plan_without_vendor_mapping(self, staff_client, nordic_mapping, demo_data,
                                                               aws_offering):
        response = self.import_license(staff_client, nordic_mapping, aws_offering, demo_data.project,
                                       NORDIC_AWS_LICENSE, license_name="Production AWS")

        assert response.status_code == 200
        resource = Resource.objects.get(uuid=response.json()["resource_uuid"])
        assert resource.name == "Production AWS"
        assert resource.plan is None
        assert resource.offering == aws_offering

    def test_project_of_another_customer_is_refused(self, staff_client, nordic_mapping, demo_data):
        other_project = ProjectFactory(customer=demo_data.customers[1])

        response = self.import_license(staff_client, nordic_mapping, demo_data.offering, other_project,
                                       DEVELOPMENT_LICENSE)

        assert response.status_code == 400
        assert "project_uuid" in response.json()
        assert not Resource.objects.filter(backend_id=DEVELOPMENT_LICENSE).exists()

    def test_license_of_another_customer_is_refused(self, staff_client, nordic_mapping, demo_data):
        response = self.import_license(staff_client, nordic_mapping, demo_data.offering, demo_data.project,
                                       BALTIC_LICENSE)

        assert response.status_code == 400
        assert not Resource.objects.filter(backend_id=BALTIC_LICENSE).exists()

    def test_unknown_objects_are_404_and_malformed_400(self, staff_client, nordic_mapping, demo_data):
        for field in ("offering_uuid", "project_uuid"):
            body = {"license_reference": DEVELOPMENT_LICENSE, "offering_uuid": str(demo_data.offering.uuid),
                    "project_uuid": str(demo_data.project.uuid), field: str(uuid.uuid4())}
            response = staff_client.post(url(nordic_mapping, "import_license"), body, format="json")
            assert response.status_code == 404
            assert field in response.json()
        bad = staff_client.post(
            url(nordic_mapping, "import_license"),
            {"license_reference": DEVELOPMENT_LICENSE, "offering_uuid": "x", "project_uuid": 5}, format="json",
        )
        assert bad.status_code == 400
        assert {"offering_uuid", "project_uuid"} <= set(bad.json())

    def test_arrow_auth_failure_is_400(self, staff_client, nordic_mapping, demo_data):
        nordic_mapping.settings.api_key = "wrong-key"
        nordic_mapping.settings.save()

        response = self.import_license(staff_client, nordic_mapping, demo_data.offering, demo_data.project,
                                       DEVELOPMENT_LICENSE)

        assert response.status_code == 400
        assert "detail" in response.json()
        assert not Resource.objects.filter(backend_id=DEVELOPMENT_LICENSE).exists()
