"""Fixtures and helpers of the consumption tests: settings pointing at the emulator, mapped
customers and resources linked to the emulator's demo licenses.

Demo licenses used (see arrow_emulator.seeds): XSP5000101 (Nordic, Azure, final +2 %, two export
lines a month), XSP5000102 (Nordic, Azure), XSP5000103 (Nordic, AWS), XSP5000203 (Baltic, no usage).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from arrow_client import Period
from arrow_integration.models import ArrowConsumptionRecord, ArrowCustomerMapping, ArrowSettings
from core.models import InvoiceItem, Resource
from core.tests.factories import CustomerFactory, OfferingFactory, ProjectFactory, ResourceFactory

NORDIC_REFERENCE = "XSP100001"
BALTIC_REFERENCE = "XSP100002"
PRODUCTION_LICENSE = "XSP5000101"
DEVELOPMENT_LICENSE = "XSP5000102"
AWS_LICENSE = "XSP5000103"
ZERO_USAGE_LICENSE = "XSP5000203"
EXPORT_TYPE = "MSP_EXTENDED"


def current_period() -> Period:
    return Period.from_date(timezone.now().date())


def mid_month(period: Period) -> dt.date:
    return period.first_day.replace(day=15)


def arrow_settings_create(emulator, **fields) -> ArrowSettings:
    arrow_settings = ArrowSettings(
        api_url=emulator.base_url,
        export_type_reference=EXPORT_TYPE,
        is_active=True,
        sync_enabled=True,
        **fields,
    )
    arrow_settings.api_key = emulator.api_key
    arrow_settings.save()
    return arrow_settings


def resource_link(*, project, license_reference: str, name: str | None = None, **fields) -> Resource:
    return ResourceFactory(
        project=project, backend_id=license_reference, name=name or f"Resource {license_reference}", **fields
    )


def items_total(**filters) -> Decimal:
    return InvoiceItem.objects.filter(**filters).aggregate(total=Sum("unit_price"))["total"] or Decimal(0)


def record_of(resource: Resource, period: Period) -> ArrowConsumptionRecord:
    return ArrowConsumptionRecord.objects.select_related("invoice_item__invoice", "compensation_item__invoice").get(
        resource=resource, billing_period=period.first_day
    )


@pytest.fixture
def arrow_settings(arrow_emulator) -> ArrowSettings:
    return arrow_settings_create(arrow_emulator)


@pytest.fixture
def nordic(arrow_settings):
    """A local customer mapped to the emulator's Nordic Cloud Solutions, with one project."""
    customer = CustomerFactory(name="Nordic Cloud Solutions")
    ArrowCustomerMapping.objects.create(
        settings=arrow_settings, arrow_reference=NORDIC_REFERENCE, arrow_company_name="Nordic Cloud Solutions OÜ",
        waldur_customer=customer,
    )
    return ProjectFactory(customer=customer, name="Cloud Infrastructure")


@pytest.fixture
def baltic(arrow_settings):
    customer = CustomerFactory(name="Baltic Data Systems")
    ArrowCustomerMapping.objects.create(
        settings=arrow_settings, arrow_reference=BALTIC_REFERENCE, arrow_company_name="Baltic Data Systems SIA",
        waldur_customer=customer,
    )
    return ProjectFactory(customer=customer, name="Cloud Infrastructure")


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
    return [
        production_resource,
        resource_link(project=nordic, license_reference=DEVELOPMENT_LICENSE, offering=offering),
        resource_link(project=nordic, license_reference=AWS_LICENSE, offering=offering),
    ]
