"""Second charges of one Arrow line, found and settled (`manage repair_duplicate_charges`).

Before lines had an identity, one Arrow line could be charged by several billing sync items (the
same customer mapped under several settings rows, or mapped again). Migration 0005 kept the
earliest item as the line's charge, marked the later ones `duplicate_of` it and changed no
invoice; a settings row re-keyed to its partner account marks such items too
(`line_identity.arrow_account_rekey`). `duplicate_charges_find` lists these second charges with
what each still costs its customer; `duplicate_charge_settle` undoes one:

- on a pending invoice and never compensated: the charge is removed (its invoice item and the
  sync item are deleted: the invoice is still open);
- otherwise (issued invoice, or compensated before): what it still charges is credited on the
  customer's current pending invoice through the usual compensation (`sync_item_compensate`),
  which brings it to zero and names the line and its month (less than COMPENSATION_THRESHOLD
  counts as settled, as everywhere);
- an item that only links a consumption-charged license-month charges nothing itself: the link
  is deleted.

Every invoice item removed or credited gets its ledger entry. Idempotent: a settled duplicate
charges nothing (or is gone), so a second run changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from arrow_client import Period
from arrow_integration.choices import COMPENSATION_THRESHOLD
from arrow_integration.models import ArrowBillingSyncItem
from arrow_integration.services.billing.line_builders import sync_item_invoiced_amount
from arrow_integration.services.billing.line_charges import sync_item_compensate
from arrow_integration.services.billing.line_identity import sync_totals_refresh
from arrow_integration.services.ledger.record import ledger_items_removed
from core.services.invoices import invoice_item_delete

REMOVE = "remove"  # delete the charge from its pending invoice
CREDIT = "credit"  # credit it on the customer's current pending invoice
UNLINK = "unlink"  # a link to a consumption charge, no charge of its own: delete the link
SETTLED = "settled"  # charges nothing any more
ZERO = Decimal(0)
_RELATED = ("invoice_item__invoice__customer", "compensation_item__invoice", "duplicate_of",
            "billing_sync__customer_mapping__settings")


@dataclass(frozen=True)
class DuplicateCharge:
    """One second charge of a line, and what settling it does."""

    item_id: int
    customer: str
    invoice: str  # "<uuid> (<month>, <state>)"
    arrow_account: str
    report_period: str
    line_reference: str
    amount: Decimal  # what it still charges (original charge plus compensations)
    currency: str
    action: str


def _action(item: ArrowBillingSyncItem) -> tuple[str, Decimal]:
    if item.charged_by_consumption:
        return UNLINK, ZERO
    amount = sync_item_invoiced_amount(item)
    if amount != 0 and item.invoice_item.invoice.is_pending and item.compensation_item is None:
        return REMOVE, amount
    if abs(amount) < COMPENSATION_THRESHOLD:  # nothing a compensation would correct
        return SETTLED, amount
    return CREDIT, amount


def _describe(item: ArrowBillingSyncItem) -> DuplicateCharge:
    action, amount = _action(item)
    invoice = item.invoice_item.invoice
    return DuplicateCharge(
        item_id=item.pk, customer=f"{invoice.customer.name} ({invoice.customer.uuid})",
        invoice=f"{invoice.uuid} ({Period.from_date(invoice.period)}, {invoice.state})",
        arrow_account=item.arrow_account, report_period=str(Period.from_date(item.report_period)),
        line_reference=item.arrow_line_reference, amount=amount, currency=item.billing_sync.currency, action=action,
    )


def duplicate_charges_find(*, include_settled: bool = False) -> list[DuplicateCharge]:
    """The second charges of lines, oldest first (one query); settled ones only when asked."""
    items = ArrowBillingSyncItem.objects.filter(duplicate_of__isnull=False).select_related(*_RELATED).order_by("id")
    charges = [_describe(item) for item in items]
    return charges if include_settled else [charge for charge in charges if charge.action != SETTLED]


def duplicate_charge_settle(charge: DuplicateCharge, *, today: datetime.date | None = None) -> DuplicateCharge:
    """Settle one second charge in its own transaction, from the database's current state (so
    that settling twice does nothing more); returns what was done. Raises `InvoiceNotPending`
    when the customer has no pending invoice that may take a credit."""
    with transaction.atomic():
        item = ArrowBillingSyncItem.objects.select_related(*_RELATED).filter(
            pk=charge.item_id, duplicate_of__isnull=False
        ).first()
        if item is None:  # removed meanwhile
            return DuplicateCharge(**{**charge.__dict__, "action": SETTLED, "amount": ZERO})
        done = _describe(item)
        if done.action == REMOVE:
            invoice_item = item.invoice_item
            item.delete()
            invoice_item_delete(item=invoice_item)
            ledger_items_removed([invoice_item], cause=f"duplicate charge of line {item.arrow_line_reference}",
                                 settings=item.billing_sync.customer_mapping.settings)
        elif done.action == UNLINK:
            item.delete()
        elif done.action == CREDIT:
            sync_item_compensate(
                item=item, difference=-done.amount, settings=item.billing_sync.customer_mapping.settings,
                period=Period.from_date(item.report_period), customer=item.invoice_item.invoice.customer,
                reason=f"duplicate charge of line {item.arrow_line_reference}", today=today,
                compared="Duplicate charge: due",
            )
            item.save(update_fields=["compensation_item", "modified"])
        if done.action != SETTLED:
            sync_totals_refresh([item.billing_sync_id])
        return done
