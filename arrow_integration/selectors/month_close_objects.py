"""The stored objects behind some of a month's report lines, by the keys the lines carry.

A report line names its invoice items and compensations by UUID, its Arrow lines by reference
and its customer by UUID; links to the Django admin need primary keys. `MonthCloseObjects.load`
reads them for a handful of lines (one customer's, for the dashboard's drill-down) in a
constant number of queries (six), whatever the number of lines. Nothing here writes.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass, field

from arrow_client.periods import Period
from arrow_client.references import customer_key
from arrow_integration.models import (
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowCustomerMapping,
    ArrowSettings,
    ArrowUnchargedLine,
)
from arrow_integration.selectors.month_close_lines import MonthCloseLine
from core.models import Customer, InvoiceItem


@dataclass(frozen=True)
class InvoiceItemKeys:
    pk: int
    invoice_pk: int


@dataclass
class MonthCloseObjects:
    """Primary keys of the objects named by some report lines of one month."""

    invoice_items: dict[uuid_module.UUID, InvoiceItemKeys] = field(default_factory=dict)
    # Arrow line reference -> the sync item that charges it (second charges left out)
    sync_items: dict[str, int] = field(default_factory=dict)
    # Arrow line reference -> the line read but not charged
    uncharged_lines: dict[str, int] = field(default_factory=dict)
    # license reference -> the license-month's consumption record
    consumption_records: dict[str, int] = field(default_factory=dict)
    customers: dict[uuid_module.UUID, int] = field(default_factory=dict)
    # (settings UUID, customer key of the Arrow reference) -> the live mapping
    mappings: dict[tuple[uuid_module.UUID, str], int] = field(default_factory=dict)

    @classmethod
    def load(cls, period: Period, lines: Iterable[MonthCloseLine]) -> MonthCloseObjects:
        lines = list(lines)
        charges = {charge.uuid for line in lines for charge in (*line.charges, *line.compensations)}
        references = {reference for line in lines for reference in line.line_references}
        licenses = {line.license_reference for line in lines if line.license_reference}
        day = period.first_day
        found = cls()
        for item_uuid, pk, invoice_pk in InvoiceItem.objects.filter(uuid__in=charges).values_list(
                "uuid", "pk", "invoice_id"):
            found.invoice_items[item_uuid] = InvoiceItemKeys(pk, invoice_pk)
        found.sync_items = dict(ArrowBillingSyncItem.objects.filter(
            report_period=day, arrow_line_reference__in=references, duplicate_of__isnull=True,
        ).order_by("id").values_list("arrow_line_reference", "pk"))
        found.uncharged_lines = dict(ArrowUnchargedLine.objects.filter(
            report_period=day, arrow_line_reference__in=references,
        ).order_by("id").values_list("arrow_line_reference", "pk"))
        found.consumption_records = dict(ArrowConsumptionRecord.objects.filter(
            billing_period=day, license_reference__in=licenses,
        ).order_by("id").values_list("license_reference", "pk"))
        found.customers = dict(Customer.objects.filter(
            uuid__in={line.customer_uuid for line in lines if line.customer_uuid}).values_list("uuid", "pk"))
        owners = {(line.settings_uuid, customer_key(line.arrow_customer_reference)) for line in lines}
        mappings = ArrowCustomerMapping.objects.not_archived().filter(
            settings__uuid__in={settings_uuid for settings_uuid, _key in owners}).order_by("is_active", "id")
        for settings_uuid, reference, pk in mappings.values_list("settings__uuid", "arrow_reference", "pk"):
            if (settings_uuid, customer_key(reference)) in owners:  # inactive first: the active one wins
                found.mappings[(settings_uuid, customer_key(reference))] = pk
        return found


def arrow_settings_by_uuid() -> dict[uuid_module.UUID, ArrowSettings]:
    """Every settings row (archived ones too: the report shows their months), by UUID."""
    return {settings.uuid: settings for settings in ArrowSettings.objects.order_by("-is_active", "id")}
