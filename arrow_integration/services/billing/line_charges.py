"""Charging and correcting one billing export line: the look-ups and writes behind its items.

`LineLookups` and the two look-ups below find what a line links to (resources by license
reference, provisional consumption items); `sync_item_compensate` and `invoice_item_refresh`
apply money corrections to an already imported item, each with its ledger entry. The field
values come from the pure builders of `line_builders`. A license-month that consumption
tracking already charged is linked, not charged twice (SPEC 6.4); issued invoices are never
written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from arrow_client import Period
from arrow_integration.choices import COMPENSATION_THRESHOLD
from arrow_integration.models import ArrowBillingSyncItem, ArrowConsumptionRecord
from arrow_integration.services.billing.compensation import compensation_item_adjust, compensation_item_create
from arrow_integration.services.billing.line_builders import (
    PREVIOUS_COMPENSATION,
    PREVIOUSLY_COMPENSATED,
    ZERO,
    previously_compensated,
    sync_item_invoiced_amount,
)
from arrow_integration.services.ledger.record import (
    item_state,
    ledger_items_changed,
    ledger_items_created,
    ledger_items_removed,
    money_text,
)
from core.models import Customer, InvoiceItem, Resource
from core.services.invoices import invoice_item_delete, invoice_item_update


@dataclass(frozen=True)
class LineLookups:
    """Whether a customer's month has anything the per-batch look-ups below could find.

    Two EXISTS queries per mapping-month spare two look-ups per thousand lines for customers
    without linked resources or consumption-charged license-months. The default says "maybe"
    to both (always look up).
    """

    linked_resources: bool = True
    provisional_items: bool = True

    @classmethod
    def for_customer_month(cls, *, customer: Customer, period: Period) -> LineLookups:
        return cls(
            linked_resources=Resource.objects.filter(project__customer=customer).exclude(backend_id="").exists(),
            provisional_items=ArrowConsumptionRecord.objects.filter(
                billing_period=period.first_day, invoice_item__isnull=False, resource__project__customer=customer,
            ).exists(),
        )


def resources_by_license(*, customer: Customer, license_references: Iterable[str]) -> dict[str, Resource]:
    """The customer's resources whose backend_id is one of the license references (one query)."""
    references = {reference for reference in license_references if reference}
    if not references:
        return {}
    resources = Resource.objects.filter(project__customer=customer, backend_id__in=references).select_related(
        "project"
    ).order_by("-created", "id")
    found: dict[str, Resource] = {}
    for resource in resources:
        found.setdefault(resource.backend_id, resource)
    return found


def license_month_charged_by_consumption(
    *, customer: Customer, period: Period, license_references: Iterable[str]
) -> dict[str, InvoiceItem]:
    """License-months that consumption tracking already charged: license reference → provisional item.

    One path per license-month (SPEC 6.4): a statement line of such a license-month links to this
    item instead of adding a second charge, and consumption reconciliation settles the difference.
    """
    references = {reference for reference in license_references if reference}
    if not references:
        return {}
    records = ArrowConsumptionRecord.objects.filter(
        billing_period=period.first_day,
        license_reference__in=references,
        invoice_item__isnull=False,
        resource__project__customer=customer,
    ).select_related("invoice_item").order_by("id")
    found: dict[str, InvoiceItem] = {}
    for record in records:
        found.setdefault(record.license_reference, record.invoice_item)
    return found


def _compensation_description(item: ArrowBillingSyncItem) -> str:
    title = item.description or item.arrow_line_reference
    return f"{title} (line {item.arrow_line_reference})"


def sync_item_compensate(
    *, item: ArrowBillingSyncItem, difference: Decimal, settings, period: Period, customer: Customer,
    reason: str, today: datetime.date | None = None, compared: str = "Arrow",
) -> bool:
    """Add ``difference`` to what the item's line is invoiced, on the current pending invoice.

    Adjusts the item's latest compensation in place while its invoice is pending, else creates a
    new one that remembers the amount compensated before it (and the item it follows).
    Differences below COMPENSATION_THRESHOLD are ignored. Sets ``item.compensation_item``; the
    caller saves the item. True when it wrote. The ledger entry's reason reads "<compared> 1509.60
    vs invoiced 1480.00 for 2026-10" (``compared``: what the amount due is, e.g. "Arrow final").
    """
    if abs(difference) < COMPENSATION_THRESHOLD:
        return False
    invoiced = sync_item_invoiced_amount(item)
    words = f"{compared} {money_text(invoiced + difference)} vs invoiced {money_text(invoiced)} for {period}"
    current = item.compensation_item
    if current is not None and current.invoice.is_pending:
        before = item_state(current)
        amount = current.total + difference
        if amount != 0:
            compensation_item_adjust(item=current, amount=amount, period=period,
                                     description=_compensation_description(item),
                                     name_prefix=settings.invoice_item_prefix)
            ledger_items_changed([(before, current)], cause=reason, reason=words, settings=settings)
            return True
        previous_uuid = current.details.get(PREVIOUS_COMPENSATION)
        item.compensation_item = (
            InvoiceItem.objects.select_related("invoice").get(uuid=previous_uuid) if previous_uuid else None
        )
        # The sync item protects its compensation: it lets go of it before the item is deleted.
        ArrowBillingSyncItem.objects.filter(pk=item.pk).update(compensation_item=item.compensation_item)
        invoice_item_delete(item=current)
        ledger_items_removed([before], cause=reason, reason=words, settings=settings)
        return True
    previously = ZERO if current is None else previously_compensated(current) + current.total
    item.compensation_item = compensation_item_create(
        customer=customer,
        amount=difference,
        period=period,
        description=_compensation_description(item),
        details={
            "reason": reason,
            "billing_sync_item_uuid": str(item.uuid),
            "line_reference": item.arrow_line_reference,
            "license_reference": item.license_reference,
            "original_invoice_item_uuid": str(item.invoice_item.uuid),
            PREVIOUSLY_COMPENSATED: str(previously),
            PREVIOUS_COMPENSATION: str(current.uuid) if current is not None else None,
        },
        resource=item.invoice_item.resource,
        project=item.invoice_item.project,
        name_prefix=settings.invoice_item_prefix,
        today=today,
    )
    ledger_items_created([item.compensation_item], cause=reason, reason=words, settings=settings)
    return True


def invoice_item_refresh(*, item: InvoiceItem, fields: dict, cause: str = "Arrow export line changed") -> bool:
    """Update a pending invoice's item to ``fields`` when anything differs; True when it wrote
    (with its ledger entry, ``cause`` its reason)."""
    changed = {name: value for name, value in fields.items() if getattr(item, name) != value}
    if not changed:
        return False
    before = item_state(item)
    invoice_item_update(item=item, **changed)
    ledger_items_changed([(before, item)], cause=cause)
    return True

