"""Read-side queries of the configuration area: the settings a request names (or the active ones),
mapped references, summaries.

Aggregates run in the database; `customer_billing_summary` issues a constant number of queries
whatever the amount of billing data. Nothing here writes.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from arrow_integration.errors import NoActiveSettings, ObjectNotFound
from arrow_integration.models import (
    ArrowBillingSync,
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowCustomerMapping,
    ArrowSettings,
)
from core.models import Customer, Resource
from core.models.invoices import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

# How many of the latest consumption records and billing syncs a summary lists.
RECENT_ITEMS_LIMIT = 10
_ZERO = Value(Decimal(0))


def _money_sum(expression: str, **kwargs) -> Coalesce:
    field = DecimalField(max_digits=MONEY_MAX_DIGITS + 6, decimal_places=MONEY_DECIMAL_PLACES)
    return Coalesce(Sum(expression, **kwargs), _ZERO, output_field=field)


def active_settings_get() -> ArrowSettings | None:
    """The active settings row, or None when Arrow is not configured."""
    return ArrowSettings.objects.filter(is_active=True).first()


def arrow_settings_get(settings_uuid=None, *, field: str | None = None) -> ArrowSettings:
    """The live settings row with that UUID, else (no UUID) the active one.

    Raises `ObjectNotFound` for an unknown or archived UUID and `NoActiveSettings` when none is
    active; both name ``field``, the input that gave (or could give) the UUID.
    """
    if settings_uuid is None:
        settings = active_settings_get()
        if settings is None:
            raise NoActiveSettings(field=field)
        return settings
    settings = ArrowSettings.objects.not_archived().filter(uuid=settings_uuid).first()
    if settings is None:
        raise ObjectNotFound(f"Arrow settings {settings_uuid} not found.", field=field)
    return settings


def resource_get(resource_uuid, *, field: str | None = None) -> Resource:
    """The resource with that UUID (customer joined); `ObjectNotFound` naming ``field`` if unknown."""
    resource = Resource.objects.select_related("project__customer").filter(uuid=resource_uuid).first()
    if resource is None:
        raise ObjectNotFound(f"Resource {resource_uuid} not found.", field=field)
    return resource


def mapped_arrow_references(*, settings_rows) -> dict[str, ArrowCustomerMapping]:
    """Arrow reference -> its mapping, over the live mappings of the given settings rows (a queryset)."""
    mappings = ArrowCustomerMapping.objects.not_archived().filter(settings__in=settings_rows).select_related(
        "waldur_customer"
    )
    return {mapping.arrow_reference: mapping for mapping in mappings.order_by("id")}


def active_mapping_of(reference: str, *, exclude_pks=()) -> ArrowCustomerMapping | None:
    """The live, active mapping of Arrow customer ``reference`` (any case), other than ``exclude_pks``."""
    return (
        ArrowCustomerMapping.objects.not_archived().filter(is_active=True, arrow_reference__iexact=reference)
        .exclude(pk__in=[pk for pk in exclude_pks if pk is not None])
        .select_related("settings", "waldur_customer").first()
    )


def already_mapped_message(mapping: ArrowCustomerMapping) -> str:
    """Names the mapping that keeps another one from mapping the same Arrow customer."""
    customer = mapping.waldur_customer
    return (
        f"Arrow customer {mapping.arrow_reference} is already mapped by active mapping {mapping.uuid} "
        f"(settings {mapping.settings.uuid}, customer {customer.name} {customer.uuid}); "
        "deactivate or delete that mapping first."
    )


def customers_for_matching():
    """Local customers offered as mapping targets, by name."""
    return Customer.objects.order_by("name", "id").only("uuid", "name", "abbreviation")


def billing_vendor_names() -> list[str]:
    """Vendor names already seen in imported billing lines, sorted (fallback of vendor choices)."""
    names = (
        ArrowBillingSyncItem.objects.exclude(vendor_name="")
        .values_list("vendor_name", flat=True)
        .distinct()
        .order_by("vendor_name")
    )
    return list(names)


def customer_billing_summary(mapping: ArrowCustomerMapping) -> dict:
    """Counts and totals of the consumption records and billing syncs of one customer mapping.

    Consumption records count when their resource belongs to the mapped local customer; billing
    syncs when they belong to the mapping, with the totals of the lines they hold now (kept up to
    date when a sync takes lines over from another). Four queries; zeros when nothing was imported yet.
    """
    records = ArrowConsumptionRecord.objects.filter(resource__project__customer_id=mapping.waldur_customer_id)
    record_totals = records.aggregate(
        total=Count("id"),
        consumed_sell=_money_sum("consumed_sell"),
        final_sell=_money_sum("final_sell"),
        pending=Count("id", filter=Q(finalized_at__isnull=True)),
        finalized=Count("id", filter=Q(finalized_at__isnull=False)),
        reconciled=Count("id", filter=Q(reconciled_at__isnull=False)),
    )
    syncs = ArrowBillingSync.objects.filter(customer_mapping=mapping)
    sync_totals = syncs.aggregate(total=Count("id"), sell=_money_sum("sell_total"))
    recent_records = list(records.select_related("resource").order_by("-billing_period", "-id")[:RECENT_ITEMS_LIMIT])
    # Items the sync holds now (lines taken over from other syncs included), second charges left out.
    items_count = Count("items", filter=Q(items__duplicate_of__isnull=True))
    recent_syncs = list(syncs.annotate(items_count=items_count).order_by("-report_period", "-id")[:RECENT_ITEMS_LIMIT])
    return {
        "customer_mapping_uuid": mapping.uuid,
        "arrow_reference": mapping.arrow_reference,
        "arrow_company_name": mapping.arrow_company_name,
        "waldur_customer_uuid": mapping.waldur_customer.uuid,
        "waldur_customer_name": mapping.waldur_customer.name,
        "total_consumption_records": record_totals["total"],
        "total_consumed_sell": record_totals["consumed_sell"],
        "total_final_sell": record_totals["final_sell"],
        "pending_records": record_totals["pending"],
        "finalized_records": record_totals["finalized"],
        "reconciled_records": record_totals["reconciled"],
        "total_billing_syncs": sync_totals["total"],
        "total_billing_sell": sync_totals["sell"],
        "recent_consumption_records": recent_records,
        "recent_billing_syncs": recent_syncs,
    }
