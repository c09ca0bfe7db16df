"""link_resource and import_license of a license the settings' classification filter leaves out:
done as asked, with a warning in the answer that its billing lines will not be invoiced."""

import pytest

from arrow_integration.tests.license_support import PRODUCTION_LICENSE, url
from core.models import Resource

pytestmark = pytest.mark.django_db
M365_LICENSE = "XSP5000104"  # "Nordic M365 Business Premium", classified SAAS


def test_linking_a_license_outside_the_filter_warns(staff_client, nordic_mapping, demo_data):
    response = staff_client.post(url(nordic_mapping, "link_resource"),
                                 {"resource_uuid": str(demo_data.resource.uuid), "license_reference": M365_LICENSE},
                                 format="json")

    assert response.status_code == 200 and response.json()["success"] is True
    warning = response.json()["warning"]
    assert M365_LICENSE in warning and "SAAS" in warning and "IAAS" in warning and "not be invoiced" in warning
    demo_data.resource.refresh_from_db()
    assert demo_data.resource.backend_id == M365_LICENSE


def test_importing_a_license_outside_the_filter_warns_and_one_inside_does_not(staff_client, nordic_mapping,
                                                                               demo_data):
    body = {"offering_uuid": str(demo_data.offering.uuid), "project_uuid": str(demo_data.project.uuid)}
    saas = staff_client.post(url(nordic_mapping, "import_license"), {**body, "license_reference": M365_LICENSE},
                             format="json")
    iaas = staff_client.post(url(nordic_mapping, "import_license"), {**body, "license_reference": PRODUCTION_LICENSE},
                             format="json")

    assert saas.status_code == iaas.status_code == 200
    assert "not be invoiced" in saas.json()["warning"] and iaas.json()["warning"] is None
    assert Resource.objects.filter(backend_id__in=[M365_LICENSE, PRODUCTION_LICENSE]).count() == 2


def test_no_warning_without_a_classification_filter(staff_client, nordic_mapping, demo_data, arrow_settings):
    arrow_settings.classification_filter = ""
    arrow_settings.save()
    response = staff_client.post(url(nordic_mapping, "link_resource"),
                                 {"resource_uuid": str(demo_data.resource.uuid), "license_reference": M365_LICENSE},
                                 format="json")

    assert response.status_code == 200 and response.json()["warning"] is None
