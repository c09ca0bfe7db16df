"""Fixtures and helpers of the license and resource-sync tests.

Data: the local demo seed (core.services.demo: customers "Nordic Cloud Solutions", "Baltic Data
Systems", "Tartu Research Lab", offering "Azure via Arrow" with a `cloud_cost` component and plan
"Pay as you go", resource "Azure Production Subscription") and the emulator's demo seed, where
license XSP5000101 of Arrow customer XSP100001 (Nordic Cloud Solutions OÜ) is named
"Azure Production Subscr.". Settings point at the emulator with the full export type.
"""

from __future__ import annotations

from decimal import Decimal

from rest_framework.authtoken.models import Token

from arrow_client import Period
from arrow_integration.clients import arrow_client_for

EXPORT_TYPE = "MSP_EXTENDED"
NORDIC_REFERENCE = "XSP100001"
BALTIC_REFERENCE = "XSP100002"
PRODUCTION_LICENSE = "XSP5000101"  # friendly name "Azure Production Subscr."
DEVELOPMENT_LICENSE = "XSP5000102"  # "Azure Development"
NORDIC_AWS_LICENSE = "XSP5000103"  # "nordic-prod-aws"
BALTIC_LICENSE = "XSP5000201"
UNKNOWN_LICENSE = "XSP0000000"
MICROSOFT = "Microsoft"
AWS = "Amazon Web Services"







def url(mapping, action: str) -> str:
    return f"/api/admin/arrow/customer-mappings/{mapping.uuid}/{action}/"


SYNC_RESOURCES_URL = "/api/admin/arrow/billing-syncs/sync_resources/"


def staff_token(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def default_periods() -> tuple[Period, Period]:
    current = Period.current()
    return current.shift(-5), current


def iaas_totals_by_license(arrow_settings, period_from: Period, period_to: Period, price_source: str = "sell"):
    """Per license and month, the sum of the IAAS export lines, read straight from Arrow."""
    totals: dict[str, dict[Period, Decimal]] = {}
    customers: dict[str, str] = {}
    with arrow_client_for(arrow_settings) as client:
        for page in client.iter_billing_export(EXPORT_TYPE, period_from, period_to, classifications=["IAAS"]):
            for line in page.lines:
                if line.classification != "IAAS":
                    continue
                months = totals.setdefault(line.license_reference, {})
                months[line.report_period] = months.get(line.report_period, Decimal(0)) + line.total_for(price_source)
                customers[line.license_reference] = line.customer_reference
    return totals, customers
