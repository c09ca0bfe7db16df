"""Invoice writes: the only code that creates, changes or removes invoices and their items.

Rule enforced here: only a `pending` invoice can change. Every write locks the invoice row
and raises `InvoiceNotPending` otherwise, so an issued invoice is never touched.
Periods are first-of-month dates.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict
from core.models import Customer, Invoice, InvoiceItem
from core.services.bulk_rows import objects_update, rows_insert

ITEM_FIELDS = {
    "name", "resource", "project", "unit_price", "quantity", "unit", "measured_unit",
    "article_code", "start", "end", "details",
}


# Bulk rows may name relations by id.
RELATION_IDS = {"resource_id": "resource", "project_id": "project"}


class InvoiceNotPending(Conflict):
    """A write was attempted on an invoice that has been issued (or paid/canceled)."""

    def __init__(self, invoice: Invoice):
        self.invoice = invoice
        super().__init__(f"Invoice {invoice.uuid} is {invoice.state}; only pending invoices can change.")


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(period: datetime.date) -> datetime.date:
    return (period.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def period_bounds(period: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """First and last second of a month, as aware datetimes (UTC)."""
    start = datetime.datetime.combine(period, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(
        next_month(period) - datetime.timedelta(days=1), datetime.time(23, 59, 59), tzinfo=datetime.UTC
    )
    return start, end


def invoice_get_or_create(*, customer: Customer, period: datetime.date) -> Invoice:
    """The customer's invoice for a month, created pending when missing. Safe under races."""
    period = month_start(period)
    try:
        return Invoice.objects.get(customer=customer, period=period)
    except Invoice.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Invoice.objects.create(customer=customer, period=period)
    except IntegrityError:
        return Invoice.objects.get(customer=customer, period=period)


def invoice_current_pending(*, customer: Customer, today: datetime.date | None = None) -> Invoice:
    """The customer's open invoice where corrections go: this month's, or the next open one."""
    period = month_start(today or timezone.now().date())
    while True:
        invoice = invoice_get_or_create(customer=customer, period=period)
        if invoice.is_pending:
            return invoice
        period = next_month(period)


def _lock_pending(invoice: Invoice) -> Invoice:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not locked.is_pending:
        raise InvoiceNotPending(locked)
    return locked


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - ITEM_FIELDS
    if unknown:
        raise TypeError(f"Unknown invoice item fields: {sorted(unknown)}")
    for money_field in ("unit_price", "quantity"):
        if money_field in fields and not isinstance(fields[money_field], Decimal):
            raise TypeError(f"{money_field} must be a Decimal")


@transaction.atomic
def invoice_item_create(*, invoice: Invoice, **fields) -> InvoiceItem:
    """Add an item to a pending invoice. Raises InvoiceNotPending otherwise."""
    _check_fields(fields)
    _lock_pending(invoice)
    return InvoiceItem.objects.create(invoice=invoice, **fields)


@transaction.atomic
def invoice_items_bulk_create(*, invoice: Invoice, items: Iterable[InvoiceItem]) -> list[InvoiceItem]:
    """Add many unsaved items to one pending invoice in a single statement."""
    _lock_pending(invoice)
    items = list(items)
    for item in items:
        item.invoice = invoice
    return InvoiceItem.objects.bulk_create(items)


@transaction.atomic
def invoice_items_bulk_insert(*, invoice: Invoice, rows: list[dict]) -> list[int]:
    """Add many items, given as field dicts, to one pending invoice; returns their ids in order.

    The fast form of `invoice_items_bulk_create` for imports of many thousand lines: no model
    instances are built (see `core.services.bulk_rows`). Raises InvoiceNotPending like the others.
    """
    _lock_pending(invoice)
    if not rows:
        return []
    _check_fields({RELATION_IDS.get(name, name): value for name, value in rows[0].items()})
    for row in rows:
        if not isinstance(row["unit_price"], Decimal) or not isinstance(row.get("quantity", Decimal(1)), Decimal):
            raise TypeError("unit_price and quantity must be Decimals")
    return rows_insert(InvoiceItem, [{**row, "invoice_id": invoice.pk} for row in rows], return_ids=True)


@transaction.atomic
def invoice_item_update(*, item: InvoiceItem, **fields) -> InvoiceItem:
    """Change an item of a pending invoice in place. Raises InvoiceNotPending otherwise."""
    _check_fields(fields)
    _lock_pending(item.invoice)
    for name, value in fields.items():
        setattr(item, name, value)
    item.save(update_fields=[*fields, "modified"])
    return item


@transaction.atomic
def invoice_item_delete(*, item: InvoiceItem) -> None:
    """Remove an item from a pending invoice. Raises InvoiceNotPending otherwise."""
    _lock_pending(item.invoice)
    item.delete()


def _lock_all_pending(invoice_ids: set[int]) -> None:
    locked = list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk"))
    for invoice in locked:
        if not invoice.is_pending:
            raise InvoiceNotPending(invoice)


@transaction.atomic
def invoice_items_bulk_update(*, items: Iterable[InvoiceItem], fields: list[str]) -> int:
    """Save `fields` of many items of pending invoices in one statement; all-or-nothing.

    Raises InvoiceNotPending (and changes nothing) if any item's invoice is not pending.
    """
    items = list(items)
    if not items:
        return 0
    _check_fields({name: getattr(items[0], name) for name in fields})
    _lock_all_pending({item.invoice_id for item in items})
    now = timezone.now()
    for item in items:
        item.modified = now
    return objects_update(InvoiceItem, items, [*fields, "modified"])


@transaction.atomic
def invoice_items_bulk_delete(*, items: Iterable[InvoiceItem]) -> int:
    """Remove many items of pending invoices; all-or-nothing, InvoiceNotPending otherwise."""
    items = list(items)
    if not items:
        return 0
    _lock_all_pending({item.invoice_id for item in items})
    deleted, _ = InvoiceItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    return deleted


@transaction.atomic
def invoice_issue(*, invoice: Invoice, invoice_date: datetime.date | None = None) -> Invoice:
    """Issue a pending invoice to the customer; from now on it never changes."""
    locked = _lock_pending(invoice)
    locked.state = Invoice.State.CREATED
    locked.invoice_date = invoice_date or timezone.now().date()
    locked.save(update_fields=["state", "invoice_date", "modified"])
    return locked
