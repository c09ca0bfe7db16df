"""Fixtures shared by the tests of the Arrow integration: settings on the emulator, mapped
customers, linked resources, the local demo data and a server that records API keys.

Demo data used (see arrow_emulator.seeds and core.services.demo): Arrow customers XSP100001
Nordic Cloud Solutions OÜ, XSP100002 Baltic Data Systems SIA and XSP100003 Tartu Research Lab
(the others stay unmapped); licenses XSP5000101 (Nordic, Azure, two export lines a month),
XSP5000102 (Nordic, Azure), XSP5000103 (Nordic, AWS). Helpers without fixtures stay in the
`*_support` modules and `periods`.
"""

from __future__ import annotations

import pytest

from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from arrow_integration.tests.billing_support import billing_settings_create, mappings_create
from arrow_integration.tests.consumption_support import (
    AWS_LICENSE,
    BALTIC_REFERENCE,
    DEVELOPMENT_LICENSE,
    NORDIC_REFERENCE,
    PRODUCTION_LICENSE,
    resource_link,
)
from arrow_integration.tests.factories import (
    ArrowCustomerMappingFactory,
    ArrowSettingsFactory,
    ArrowVendorOfferingMappingFactory,
)
from arrow_integration.tests.focus_support import FocusMonths, focus_months_build
from arrow_integration.tests.golden_support import BIG_BANK
from arrow_integration.tests.key_recorder import KeyRecorder
from arrow_integration.tests.license_support import AWS, MICROSOFT
from arrow_integration.tests.month_close_support import ClosingMonth, closing_month_build
from arrow_integration.tests.periods import early_in_current_month
from config.celery import app
from core.models import Resource
from core.services.demo import core_demo_seed
from core.tests.factories import CustomerFactory, OfferingComponentFactory, OfferingFactory, PlanFactory, ProjectFactory


@pytest.fixture
def arrow_settings(arrow_emulator) -> ArrowSettings:
    """Active settings on the emulator: its key, the full export type (MSP_EXTENDED), sync enabled."""
    return billing_settings_create(arrow_emulator)


@pytest.fixture
def billing_settings(arrow_emulator, arrow_settings) -> ArrowSettings:
    """`arrow_settings`, with the emulator's today early in the current month: the previous month
    is billed but not validated yet (tests move today on to validate it)."""
    arrow_emulator.control.set_today(early_in_current_month())
    return arrow_settings


@pytest.fixture
def mapped(billing_settings) -> dict[str, ArrowCustomerMapping]:
    """Nordic, Baltic and Tartu mapped to new local customers of the same names, by reference."""
    return mappings_create(billing_settings)


def _mapped_project(arrow_settings: ArrowSettings, reference: str, arrow_name: str, local_name: str):
    customer = CustomerFactory(name=local_name)
    ArrowCustomerMapping.objects.create(settings=arrow_settings, arrow_reference=reference,
                                        arrow_company_name=arrow_name, waldur_customer=customer)
    return ProjectFactory(customer=customer, name="Cloud Infrastructure")


@pytest.fixture
def nordic(arrow_settings):
    """A local customer mapped to the emulator's Nordic Cloud Solutions, with one project (returned)."""
    return _mapped_project(arrow_settings, NORDIC_REFERENCE, "Nordic Cloud Solutions OÜ", "Nordic Cloud Solutions")


@pytest.fixture
def baltic(arrow_settings):
    """A local customer mapped to the emulator's Baltic Data Systems, with one project (returned)."""
    return _mapped_project(arrow_settings, BALTIC_REFERENCE, "Baltic Data Systems SIA", "Baltic Data Systems")


@pytest.fixture
def offering():
    return OfferingFactory(name="Azure via Arrow")


@pytest.fixture
def production_resource(nordic, offering) -> Resource:
    """The demo resource "Azure Production Subscription" linked to license XSP5000101."""
    return resource_link(project=nordic, license_reference=PRODUCTION_LICENSE, name="Azure Production Subscription",
                         offering=offering)


@pytest.fixture
def nordic_resources(nordic, offering, production_resource) -> list[Resource]:
    """Nordic's three resources, linked to XSP5000101, XSP5000102 and XSP5000103."""
    return [
        production_resource,
        resource_link(project=nordic, license_reference=DEVELOPMENT_LICENSE, offering=offering),
        resource_link(project=nordic, license_reference=AWS_LICENSE, offering=offering),
    ]


@pytest.fixture
def demo_data(db):
    """The local demo seed (`core.services.demo`): customers, offering with plan, one resource."""
    return core_demo_seed()


@pytest.fixture
def nordic_mapping(arrow_settings, demo_data):
    """Nordic mapped to the demo's "Nordic Cloud Solutions"."""
    return ArrowCustomerMappingFactory(
        settings=arrow_settings, arrow_reference=NORDIC_REFERENCE, arrow_company_name="Nordic Cloud Solutions OÜ",
        waldur_customer=demo_data.customers[0],
    )


@pytest.fixture
def aws_offering(db):
    offering = OfferingFactory(name="AWS via Arrow")
    OfferingComponentFactory(offering=offering)
    return offering


@pytest.fixture
def vendor_mappings(arrow_settings, demo_data, aws_offering):
    """Microsoft → the demo Azure offering and plan; Amazon Web Services → an AWS offering and plan."""
    return {
        MICROSOFT: ArrowVendorOfferingMappingFactory(
            settings=arrow_settings, arrow_vendor_name=MICROSOFT, offering=demo_data.offering, plan=demo_data.plan
        ),
        AWS: ArrowVendorOfferingMappingFactory(
            settings=arrow_settings, arrow_vendor_name=AWS, offering=aws_offering,
            plan=PlanFactory(offering=aws_offering, name="AWS usage"),
        ),
    }


@pytest.fixture
def golden_settings():
    """Settings (no classification filter) with the golden page's Big Bank mapped to a new customer."""
    arrow_settings = ArrowSettingsFactory(export_type_reference="MSP_EXTENDED", classification_filter="")
    big_bank = ArrowCustomerMapping.objects.create(settings=arrow_settings, arrow_reference=BIG_BANK,
                                                   arrow_company_name="Big Bank", waldur_customer=CustomerFactory())
    return arrow_settings, big_bank


@pytest.fixture
def eager_errors_kept():
    """Eager tasks keep their errors in the result (and retry), as a worker would, instead of raising them."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


@pytest.fixture
def key_recorder():
    """A local HTTP server that records the API key of every request it gets."""
    with KeyRecorder() as recorder:
        yield recorder


@pytest.fixture
def focus_months(arrow_emulator) -> FocusMonths:
    return focus_months_build(arrow_emulator)


@pytest.fixture
def closing_month(arrow_emulator) -> ClosingMonth:
    """C-2 of the demo holding every variance class of the month-close report (`month_close_support`)."""
    return closing_month_build(arrow_emulator)
