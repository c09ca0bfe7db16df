"""Staff build the marketplace through the API: customer, project, offering, plan, resource."""

import pytest

from core.models import Resource
from core.tests.factories import OfferingFactory, PlanFactory

pytestmark = pytest.mark.django_db


def test_customer_project_offering_plan_resource(staff_client):
    customer = staff_client.post("/api/customers/", {"name": "Acme", "email": "a@acme.example"}, format="json")
    assert customer.status_code == 201, customer.json()
    customer = customer.json()
    project = staff_client.post("/api/projects/", {"name": "Web", "customer": customer["url"]}, format="json").json()
    offering = staff_client.post(
        "/api/marketplace-provider-offerings/",
        {
            "name": "Azure",
            "customer": customer["uuid"],
            "components": [{"type": "cloud_cost", "name": "Cloud cost", "measured_unit": "EUR", "billing_type": "usage"}],
        },
        format="json",
    )
    assert offering.status_code == 201, offering.json()
    offering = offering.json()
    assert offering["components"][0]["type"] == "cloud_cost"
    plan = staff_client.post("/api/marketplace-plans/", {"name": "PAYG", "offering": offering["uuid"]}, format="json").json()
    resource = staff_client.post(
        "/api/marketplace-resources/",
        {"name": "Sub 1", "project": project["uuid"], "offering": offering["url"], "plan": plan["uuid"], "state": "OK"},
        format="json",
    )
    assert resource.status_code == 201, resource.json()
    body = resource.json()
    assert body["customer_uuid"] == customer["uuid"]
    assert body["plan_uuid"] == plan["uuid"]
    assert body["backend_id"] == ""
    updated = staff_client.patch(f"/api/marketplace-resources/{body['uuid']}/", {"backend_id": "XSP1"}, format="json")
    assert updated.json()["backend_id"] == "XSP1"
    assert staff_client.delete(f"/api/marketplace-resources/{body['uuid']}/").status_code == 204
    assert not Resource.objects.exists()


def test_resource_plan_must_belong_to_its_offering(staff_client):
    from core.tests.factories import ProjectFactory

    offering, other_plan = OfferingFactory(), PlanFactory()
    response = staff_client.post(
        "/api/marketplace-resources/",
        {"name": "R", "project": str(ProjectFactory().uuid), "offering": str(offering.uuid), "plan": str(other_plan.uuid)},
        format="json",
    )
    assert response.status_code == 400
    assert "plan" in response.json()


def test_duplicate_component_types_are_rejected(staff_client):
    offering = OfferingFactory()
    component = {"type": "cloud_cost", "name": "Cloud cost"}
    response = staff_client.patch(
        f"/api/marketplace-provider-offerings/{offering.uuid}/", {"components": [component, component]}, format="json"
    )
    assert response.status_code == 400
    assert "components" in response.json()


def test_two_live_resources_cannot_share_a_backend_id():
    from django.db import IntegrityError, transaction

    from core.tests.factories import ResourceFactory

    ResourceFactory(backend_id="XSP1")
    ResourceFactory(backend_id="")
    ResourceFactory(backend_id="")
    ResourceFactory(backend_id="XSP1", state=Resource.State.TERMINATED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceFactory(backend_id="XSP1")
