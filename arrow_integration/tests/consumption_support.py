"""Fixtures and helpers of the consumption tests: settings pointing at the emulator, mapped
customers and resources linked to the emulator's demo licenses.

Demo licenses used (see arrow_emulator.seeds): XSP5000101 (Nordic, Azure, final +2 %, two export
lines a month), XSP5000102 (Nordic, Azure), XSP5000103 (Nordic, AWS), XSP5000203 (Baltic, no usage).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from arrow_client import Period
from arrow_integration.models import ArrowConsumptionRecord
from core.models import InvoiceItem, Resource
from core.tests.factories import ResourceFactory

NORDIC_REFERENCE = "XSP100001"
BALTIC_REFERENCE = "XSP100002"
PRODUCTION_LICENSE = "XSP5000101"
DEVELOPMENT_LICENSE = "XSP5000102"
AWS_LICENSE = "XSP5000103"
ZERO_USAGE_LICENSE = "XSP5000203"
EXPORT_TYPE = "MSP_EXTENDED"


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





