"""The vendor, and so the plan, of an imported or linked license, with Arrow's real license shapes.

The emulator's license detail names no vendor (as Arrow's does not): the vendor comes from the
license search, else from the catalog program of the license's program code, else from a vendor
mapping named like its program. Faults injected into the emulator take those sources away.
"""

import pytest

from arrow_integration.choices import ARROW_VENDOR_ATTRIBUTE
from arrow_integration.tests.factories import ArrowVendorOfferingMappingFactory
from arrow_integration.tests.license_support import (
    AWS,
    DEVELOPMENT_LICENSE,
    MICROSOFT,
    NORDIC_AWS_LICENSE,
    PRODUCTION_LICENSE,
    url,
)
from core.models import Resource

pytestmark = pytest.mark.django_db

SEARCH = "licenses/v2/find"
PROGRAMS = "catalog/categories/{category}/programs"


def import_license(client, mapping, offering, project, license_reference):
    body = {"license_reference": license_reference, "offering_uuid": str(offering.uuid),
            "project_uuid": str(project.uuid)}
    return client.post(url(mapping, "import_license"), body, format="json")


def test_detail_names_no_vendor_but_the_search_does(arrow_emulator, staff_client, nordic_mapping, demo_data,
                                                     aws_offering, vendor_mappings):
    response = import_license(staff_client, nordic_mapping, aws_offering, demo_data.project, NORDIC_AWS_LICENSE)

    assert response.status_code == 200, response.json()
    resource = Resource.objects.get(backend_id=NORDIC_AWS_LICENSE)
    assert resource.plan == vendor_mappings[AWS].plan
    assert resource.attributes[ARROW_VENDOR_ATTRIBUTE] == AWS
    assert arrow_emulator.control.counters()[SEARCH] == 1


def test_license_of_another_vendor_than_the_offerings_is_refused(staff_client, nordic_mapping, demo_data,
                                                                 vendor_mappings):
    # The Azure offering is mapped to Microsoft only; an AWS license must not get its plan.
    response = import_license(staff_client, nordic_mapping, demo_data.offering, demo_data.project,
                              NORDIC_AWS_LICENSE)

    assert response.status_code == 400
    message = response.json()["offering_uuid"][0]
    assert MICROSOFT in message and AWS in message and NORDIC_AWS_LICENSE in message
    assert not Resource.objects.filter(backend_id=NORDIC_AWS_LICENSE).exists()


def test_without_the_search_the_catalog_program_of_the_license_tells_the_vendor(
    arrow_emulator, staff_client, nordic_mapping, demo_data, aws_offering, vendor_mappings
):
    arrow_emulator.control.inject_fault(SEARCH, status=404)

    response = import_license(staff_client, nordic_mapping, aws_offering, demo_data.project, NORDIC_AWS_LICENSE)

    assert response.status_code == 200, response.json()
    assert Resource.objects.get(backend_id=NORDIC_AWS_LICENSE).plan == vendor_mappings[AWS].plan
    assert arrow_emulator.control.counters()[PROGRAMS] == 1


def test_a_vendor_that_cannot_be_known_is_a_400_naming_what_was_tried(
    arrow_emulator, staff_client, nordic_mapping, demo_data, aws_offering, vendor_mappings
):
    arrow_emulator.control.inject_fault(SEARCH, status=404)
    arrow_emulator.control.inject_fault(PROGRAMS, status=404)

    # The detail says program "Amazon", vendor code "aws": no vendor mapping is named so.
    response = import_license(staff_client, nordic_mapping, aws_offering, demo_data.project, NORDIC_AWS_LICENSE)

    assert response.status_code == 400
    message = response.json()["license_reference"][0]
    assert "Cannot tell which Arrow vendor bills license XSP5000103" in message
    assert "'Amazon'" in message and "'aws'" in message and "AWS-RESELLER" in message
    assert not Resource.objects.filter(backend_id=NORDIC_AWS_LICENSE).exists()


def test_a_vendor_mapping_named_like_the_program_is_the_last_source(
    arrow_emulator, arrow_settings, staff_client, nordic_mapping, demo_data
):
    arrow_emulator.control.inject_fault(SEARCH, status=404)
    arrow_emulator.control.inject_fault(PROGRAMS, status=404)
    microsoft = ArrowVendorOfferingMappingFactory(settings=arrow_settings, arrow_vendor_name=MICROSOFT,
                                                  offering=demo_data.offering, plan=demo_data.plan)

    response = import_license(staff_client, nordic_mapping, demo_data.offering, demo_data.project,
                              DEVELOPMENT_LICENSE)

    assert response.status_code == 200, response.json()
    assert Resource.objects.get(backend_id=DEVELOPMENT_LICENSE).plan == microsoft.plan


def test_an_offering_without_vendor_mappings_needs_no_vendor(
    arrow_emulator, staff_client, nordic_mapping, demo_data, aws_offering
):
    arrow_emulator.control.inject_fault(SEARCH, status=404)
    arrow_emulator.control.inject_fault(PROGRAMS, status=404)

    response = import_license(staff_client, nordic_mapping, aws_offering, demo_data.project, NORDIC_AWS_LICENSE)

    assert response.status_code == 200, response.json()
    resource = Resource.objects.get(backend_id=NORDIC_AWS_LICENSE)
    assert resource.plan is None and ARROW_VENDOR_ATTRIBUTE not in resource.attributes


def test_linking_records_the_vendor_from_the_search(staff_client, nordic_mapping, demo_data):
    body = {"resource_uuid": str(demo_data.resource.uuid), "license_reference": PRODUCTION_LICENSE}

    assert staff_client.post(url(nordic_mapping, "link_resource"), body, format="json").status_code == 200

    demo_data.resource.refresh_from_db()
    assert demo_data.resource.attributes[ARROW_VENDOR_ATTRIBUTE] == MICROSOFT
