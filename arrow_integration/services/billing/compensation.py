"""Compensation items: corrections of Arrow-sourced charges on the customer's current open invoice.

A compensation is an invoice item of a signed amount (positive: charge, negative: credit) placed on
the customer's current pending invoice, because the invoice of the corrected month may already be
issued and issued invoices never change. Its name says charge or credit and the corrected period;
its details link the original line or record. Used by statement reconciliation and billing
re-imports here, and by consumption reconciliation (in bulk: `compensation_items_bulk_create`,
which writes the ledger entries of its items; the callers of the others write theirs). Writes
go through core.services.invoices.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from arrow_client.periods import Period
from arrow_integration.choices import COMPENSATION_SOURCE
from arrow_integration.services.ledger.record import ledger_rows_created
from core.models import Customer, InvoiceItem, Project, Resource
from core.services.invoices import (
    invoice_current_pending,
    invoice_item_create,
    invoice_item_update,
    invoice_items_bulk_insert,
    period_bounds,
)

CHARGE = "charge"
CREDIT = "credit"
DEFAULT_NAME_PREFIX = "Arrow"
MAX_ITEM_NAME_LENGTH = 255
ONE = Decimal(1)


def compensation_kind(amount: Decimal) -> str:
    return CHARGE if amount > 0 else CREDIT


def compensation_name(*, amount: Decimal, period: Period, description: str, prefix: str = DEFAULT_NAME_PREFIX) -> str:
    """E.g. "Arrow credit for 2026-01: Azure Production Subscr." (cut to the column size)."""
    head = f"{prefix} " if prefix else ""
    name = f"{head}{compensation_kind(amount)} for {period}: {description}".strip()
    return name[:MAX_ITEM_NAME_LENGTH]


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal):
        raise TypeError("A compensation amount must be a Decimal.")
    if not amount.is_finite() or amount == 0:
        raise ValueError(f"A compensation needs a non-zero finite amount, got {amount!r}.")


@transaction.atomic
def compensation_item_create(
    *,
    customer: Customer,
    amount: Decimal,
    period: Period,
    description: str,
    details: dict[str, Any] | None = None,
    resource: Resource | None = None,
    project: Project | None = None,
    name_prefix: str = DEFAULT_NAME_PREFIX,
    today: datetime.date | None = None,
) -> InvoiceItem:
    """Add a charge (amount > 0) or credit (amount < 0) for ``period`` to the current pending invoice.

    ``details`` should link the original (line reference, sync item or record UUID…); the source,
    kind, corrected period and amount are added. The item spans the invoice's own month.
    Not idempotent by itself: callers store the returned item and check it before calling again.
    Raises `ValueError` for a zero amount and `InvoiceNotPending` if the invoice got issued meanwhile.
    """
    _check_amount(amount)
    invoice = invoice_current_pending(customer=customer, today=today)
    start, end = period_bounds(invoice.period)
    return invoice_item_create(
        invoice=invoice,
        name=compensation_name(amount=amount, period=period, description=description, prefix=name_prefix),
        resource=resource,
        project=project if project is not None else (resource.project if resource is not None else None),
        unit_price=amount,
        quantity=ONE,
        start=start,
        end=end,
        details=_details(details, amount, period),
    )


def _details(details: dict[str, Any] | None, amount: Decimal, period: Period) -> dict[str, Any]:
    return {
        **(details or {}),
        "source": COMPENSATION_SOURCE,
        "kind": compensation_kind(amount),
        "period": str(period),
        "amount": str(amount),
    }


@dataclass(frozen=True)
class CompensationEntry:
    """One compensation of a bulk creation: what `compensation_item_create` takes per item."""

    amount: Decimal
    description: str
    details: dict[str, Any]
    resource_id: int | None = None
    project_id: int | None = None  # the resource's project when it has one
    ledger_reason: str = ""  # the reason its ledger entry gives (default: the amount and month)


def compensation_items_bulk_create(
    *, customer: Customer, period: Period, entries: list[CompensationEntry], name_prefix: str = DEFAULT_NAME_PREFIX,
    today: datetime.date | None = None, ledger_cause: str = "compensation",
) -> list[int]:
    """Many compensations of one customer for ``period`` at once; the new item ids, in order.

    Each item is the one `compensation_item_create` would add for its entry, on the same
    current pending invoice, with a few queries for all of them, and its ledger entry. Raises
    like it does.
    """
    for entry in entries:
        _check_amount(entry.amount)
    if not entries:
        return []
    invoice = invoice_current_pending(customer=customer, today=today)
    start, end = period_bounds(invoice.period)
    rows = [
        {
            "name": compensation_name(amount=entry.amount, period=period, description=entry.description,
                                      prefix=name_prefix),
            "resource_id": entry.resource_id,
            "project_id": entry.project_id,
            "unit_price": entry.amount,
            "quantity": ONE,
            "start": start,
            "end": end,
            "details": _details(entry.details, entry.amount, period),
        }
        for entry in entries
    ]
    ids = invoice_items_bulk_insert(invoice=invoice, rows=rows)
    ledger_rows_created(invoice=invoice, rows=rows, ids=ids, cause=ledger_cause,
                        reasons=[entry.ledger_reason for entry in entries])
    return ids


def compensation_item_adjust(
    *, item: InvoiceItem, amount: Decimal, period: Period, description: str, name_prefix: str = DEFAULT_NAME_PREFIX
) -> InvoiceItem:
    """Change a compensation that is still on a pending invoice to ``amount`` (name and details follow).

    Raises `InvoiceNotPending` when its invoice was issued: create a new compensation instead.
    """
    _check_amount(amount)
    return invoice_item_update(
        item=item,
        name=compensation_name(amount=amount, period=period, description=description, prefix=name_prefix),
        unit_price=amount,
        details={**item.details, "kind": compensation_kind(amount), "amount": str(amount)},
    )
