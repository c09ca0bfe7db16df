"""A small, fully wired admin world with fixed UUIDs, for tests that address every admin endpoint.

`admin_world_create` builds, against a running emulator: active settings, a customer mapping of
the emulator's Nordic Cloud Solutions OÜ with a project and two resources (one linked to a demo
license, one not), a vendor offering mapping, and — through the real services — a billing sync
with its items and a consumption record of the previous month. Every object a path or a request
body can name gets a fixed UUID (`KNOWN`), so generated requests can hit real objects as well as
unknown ones. Nothing here asserts anything.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from arrow_client import Period
from arrow_integration.models import (
    ArrowBillingSync,
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowCustomerMapping,
    ArrowSettings,
    ArrowVendorOfferingMapping,
)
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from core.tests.factories import CustomerFactory, OfferingFactory, PlanFactory, ProjectFactory, ResourceFactory

EXPORT_TYPE = "MSP_EXTENDED"
NORDIC_REFERENCE = "XSP100001"
NORDIC_ARROW_NAME = "Nordic Cloud Solutions OÜ"
LINKED_LICENSE = "XSP5000102"
UNLINKED_LICENSE = "XSP5000103"


def _fixed(number: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{number:012d}")


@dataclass(frozen=True)
class KnownUuids:
    settings: uuid.UUID = _fixed(1)
    customer_mapping: uuid.UUID = _fixed(2)
    vendor_mapping: uuid.UUID = _fixed(3)
    billing_sync: uuid.UUID = _fixed(4)
    billing_sync_item: uuid.UUID = _fixed(5)
    consumption_record: uuid.UUID = _fixed(6)
    customer: uuid.UUID = _fixed(7)
    project: uuid.UUID = _fixed(8)
    offering: uuid.UUID = _fixed(9)
    plan: uuid.UUID = _fixed(10)
    linked_resource: uuid.UUID = _fixed(11)
    unlinked_resource: uuid.UUID = _fixed(12)


KNOWN = KnownUuids()

# The object a `{uuid}` path parameter names, by the collection that precedes it.
KNOWN_BY_COLLECTION = {
    "settings": KNOWN.settings,
    "customer-mappings": KNOWN.customer_mapping,
    "vendor-offering-mappings": KNOWN.vendor_mapping,
    "billing-syncs": KNOWN.billing_sync,
    "billing-sync-items": KNOWN.billing_sync_item,
    "consumption-records": KNOWN.consumption_record,
}


def known_uuid_for_path(path: str) -> uuid.UUID | None:
    """The known object for an operation path like ``/api/admin/arrow/settings/{uuid}/``."""
    parts = [part for part in path.split("/") if part]
    if "{uuid}" not in parts:
        return None
    return KNOWN_BY_COLLECTION.get(parts[parts.index("{uuid}") - 1])


def admin_path(path: str) -> str:
    """An operation path with its ``{uuid}`` replaced by the known object's UUID."""
    known = known_uuid_for_path(path)
    return path.replace("{uuid}", str(known)) if known else path


@dataclass(frozen=True)
class AdminWorld:
    settings: ArrowSettings
    period: Period
    emulator_base_url: str
    emulator_api_key: str


def _rename(model, pk: int, new_uuid: uuid.UUID) -> None:
    model.objects.filter(pk=pk).update(uuid=new_uuid)


def admin_world_create(emulator) -> AdminWorld:
    """Build the world described in the module docstring; the emulator's today is mid-month."""
    today = timezone.now().date()
    emulator.control.set_today(Period.from_date(today).first_day + dt.timedelta(days=1))
    period = Period.from_date(today).previous()
    settings = ArrowSettings(uuid=KNOWN.settings, api_url=emulator.base_url, export_type_reference=EXPORT_TYPE,
                             is_active=True, sync_enabled=True, partner_name="Arrow Emulator")
    settings.api_key = emulator.api_key
    settings.save()
    customer = CustomerFactory(uuid=KNOWN.customer, name="Nordic Cloud Solutions")
    project = ProjectFactory(uuid=KNOWN.project, customer=customer, name="Cloud Infrastructure")
    offering = OfferingFactory(uuid=KNOWN.offering, name="Azure via Arrow")
    PlanFactory(uuid=KNOWN.plan, offering=offering, name="Pay as you go")
    ResourceFactory(uuid=KNOWN.linked_resource, project=project, offering=offering, backend_id=LINKED_LICENSE,
                    name="Azure Development")
    ResourceFactory(uuid=KNOWN.unlinked_resource, project=project, offering=offering, name="Unlinked resource")
    ArrowCustomerMapping.objects.create(uuid=KNOWN.customer_mapping, settings=settings,
                                        arrow_reference=NORDIC_REFERENCE, arrow_company_name=NORDIC_ARROW_NAME,
                                        waldur_customer=customer)
    ArrowVendorOfferingMapping.objects.create(uuid=KNOWN.vendor_mapping, settings=settings,
                                              arrow_vendor_name="Microsoft", offering=offering)
    consumption_sync_period(settings=settings, period=period)
    billing_sync_import_period(settings=settings, period=period)
    _rename(ArrowConsumptionRecord, ArrowConsumptionRecord.objects.get().pk, KNOWN.consumption_record)
    _rename(ArrowBillingSync, ArrowBillingSync.objects.get().pk, KNOWN.billing_sync)
    _rename(ArrowBillingSyncItem, ArrowBillingSyncItem.objects.order_by("id").first().pk, KNOWN.billing_sync_item)
    return AdminWorld(settings=settings, period=period, emulator_base_url=emulator.base_url,
                      emulator_api_key=emulator.api_key)
