"""Ledger entries of Arrow-sourced invoice items, built in memory and inserted in bulk.

Every writer of an Arrow-sourced invoice item calls one of these in the transaction of its
write, right after it:

- `ledger_items_created(items, cause=…)`: saved `InvoiceItem` objects;
- `ledger_rows_created(invoice=…, rows=…, ids=…, cause=…)`: rows written by
  `invoice_items_bulk_insert` (their uuids are read back in one query);
- `ledger_items_changed(pairs, cause=…)`: (`item_state` taken before the write, the item after);
- `ledger_items_removed(states, cause=…)`: `item_state`s taken before the removal;
- `ledger_items_reassigned(item_ids, reason=…)`: items whose line another mapping took over
  (their amount stays; the entry puts the new holder on record).

Only Arrow-sourced items (`details.source` in `ARROW_INVOICE_ITEM_SOURCES`) get entries, and a
"change" that changes nothing gets none. An entry holds the invoice and the item as values, the
amount before and after and their difference (`delta`: the deltas of an invoice add up to its
Arrow-sourced total), the actor (`actor.current_actor`), the Arrow references of the item's
details (what they lack is taken from the item a compensation corrects, then from the
customer's mapping) and a reason: the writer's ``cause`` with the amounts, or its own ``reason``.
A call costs a constant number of queries whatever its size: the invoices, at most two look-ups
of missing references, one bulk INSERT (`core.services.bulk_rows.rows_insert`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from arrow_client.periods import Period
from arrow_integration.choices import ARROW_INVOICE_ITEM_SOURCES, LedgerAction
from arrow_integration.models import ArrowCustomerMapping, ArrowLedgerEntry, ArrowSettings
from arrow_integration.services.ledger.actor import LedgerActor, current_actor
from core.models import Invoice, InvoiceItem
from core.models.invoices import MONEY_DECIMAL_PLACES
from core.services.bulk_rows import rows_insert

CENT = Decimal("0.01")
STORED_PRECISION = Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)
ONE = Decimal(1)
ZERO = Decimal(0)
ORIGINAL_ITEM_KEY = "original_invoice_item_uuid"  # in a compensation's details: the item it corrects
CUSTOMER_REFERENCE_KEY = "arrow_customer_reference"
# What a change of an item may touch besides its amount, as `ItemState` names it.
DESCRIPTIVE_FIELDS = ("name", "resource_id", "project_id", "details")


def money_text(amount: Decimal) -> str:
    """An amount in words: cents when it has no finer part ("1480.00"), else all its digits."""
    cents = amount.quantize(CENT)
    return str(cents) if cents == amount else f"{amount.normalize():f}"


def _total(unit_price: Decimal, quantity: Decimal) -> Decimal:
    return (unit_price * quantity).quantize(STORED_PRECISION)


@dataclass(frozen=True, slots=True)
class ItemState:
    """An invoice item as the ledger sees it at one moment."""

    uuid: uuid.UUID
    invoice_id: int
    name: str
    total: Decimal
    details: dict
    resource_id: int | None = None
    project_id: int | None = None

    @property
    def is_arrow_sourced(self) -> bool:
        return self.details.get("source") in ARROW_INVOICE_ITEM_SOURCES


def item_state(item: InvoiceItem | ItemState) -> ItemState:
    """What the ledger keeps of ``item`` now (take it before a write to have the "before")."""
    if isinstance(item, ItemState):
        return item
    return ItemState(uuid=item.uuid, invoice_id=item.invoice_id, name=item.name,
                     total=_total(item.unit_price, item.quantity), details=dict(item.details or {}),
                     resource_id=item.resource_id, project_id=item.project_id)


@dataclass(frozen=True, slots=True)
class _Change:
    action: str
    before: ItemState | None
    after: ItemState | None
    reason: str | None = None  # this change's own reason, else the call's

    @property
    def state(self) -> ItemState:
        return self.after or self.before


def _reason(change: _Change, cause: str) -> str:
    state = change.state
    period = state.details.get("period") or "an unknown month"
    if change.action == LedgerAction.ITEM_CREATED:
        return f"{cause}: {money_text(change.after.total)} for {period}"
    if change.action == LedgerAction.ITEM_REMOVED:
        return f"{cause}: {money_text(change.before.total)} for {period} removed"
    if change.before.total != change.after.total:
        return f"{cause}: {money_text(change.before.total)} → {money_text(change.after.total)} for {period}"
    touched = [name.removesuffix("_id") for name in DESCRIPTIVE_FIELDS
               if getattr(change.before, name) != getattr(change.after, name)]
    return f"{cause}: {', '.join(touched) or 'nothing'} changed, still {money_text(change.after.total)} for {period}"


def _period(text) -> dt.date | None:
    try:
        return Period.parse(text).first_day if text else None
    except ValueError:
        return None


class _References:
    """Arrow references and currency of the changed items (two queries at most)."""

    def __init__(self, states: list[ItemState], customers: dict[int, int], settings: ArrowSettings | None):
        self.settings = settings
        wanted = {str(state.details[ORIGINAL_ITEM_KEY]) for state in states
                  if state.details.get(ORIGINAL_ITEM_KEY)
                  and not (state.details.get("currency") and state.details.get(CUSTOMER_REFERENCE_KEY))}
        self.originals = {
            str(item_uuid): details or {}
            for item_uuid, details in InvoiceItem.objects.filter(uuid__in=wanted).values_list("uuid", "details")
        } if wanted else {}
        lacking = {customers[state.invoice_id] for state in states
                   if settings is None or not self.detail(state, CUSTOMER_REFERENCE_KEY)}
        self.mappings = self._mappings(lacking) if lacking else {}

    def detail(self, state: ItemState, key: str) -> str:
        value = state.details.get(key)
        if not value:
            value = self.originals.get(str(state.details.get(ORIGINAL_ITEM_KEY)), {}).get(key)
        return str(value) if value else ""

    def _mappings(self, customer_ids: set[int]) -> dict[int, list[_Mapping]]:
        found: dict[int, list[_Mapping]] = {}
        rows = ArrowCustomerMapping.objects.filter(waldur_customer_id__in=customer_ids).values_list(*_Mapping._fields)
        for mapping in map(_Mapping._make, rows):
            found.setdefault(mapping.waldur_customer_id, []).append(mapping)
        return found

    def mapping(self, customer_id: int, reference: str) -> _Mapping | None:
        """The customer's mapping that fits best: these settings, the reference, live, active, newest."""
        settings_id = self.settings.pk if self.settings is not None else None
        return max(
            self.mappings.get(customer_id, []), default=None,
            key=lambda mapping: (mapping.settings_id == settings_id, mapping.arrow_reference == reference,
                                 mapping.archived_at is None, mapping.is_active, mapping.id),
        )


class _Mapping(NamedTuple):
    """A customer mapping as `_References` reads it (names are the columns)."""

    waldur_customer_id: int
    arrow_reference: str
    settings_id: int
    settings__uuid: uuid.UUID
    is_active: bool
    archived_at: dt.datetime | None
    id: int


def _write(changes: list[_Change], *, cause: str, reason: str | None = None,
           settings: ArrowSettings | None = None) -> int:
    changes = [change for change in changes if change.state.is_arrow_sourced]
    if not changes:
        return 0
    actor = current_actor()
    settings = settings or actor.settings
    invoices = {row[0]: row for row in Invoice.objects.filter(
        pk__in={change.state.invoice_id for change in changes}
    ).values_list("pk", "uuid", "period", "customer_id", "customer__uuid", "customer__name")}
    references = _References([change.state for change in changes],
                             {pk: row[3] for pk, row in invoices.items()}, settings)
    now = timezone.now()
    rows_insert(ArrowLedgerEntry, [
        _entry_row(change, invoices[change.state.invoice_id], references, actor=actor, now=now,
                   reason=change.reason or reason or _reason(change, cause))
        for change in changes
    ])
    return len(changes)


def _entry_row(change: _Change, invoice: tuple, references: _References, *, actor: LedgerActor, now,
               reason: str) -> dict:
    state = change.state
    _pk, invoice_uuid, invoice_period, customer_id, customer_uuid, customer_name = invoice
    customer_reference = references.detail(state, CUSTOMER_REFERENCE_KEY)
    settings_uuid = references.settings.uuid if references.settings is not None else None
    if settings_uuid is None or not customer_reference:
        mapping = references.mapping(customer_id, customer_reference)
        if mapping is not None:
            customer_reference = customer_reference or mapping.arrow_reference
            settings_uuid = settings_uuid or mapping.settings__uuid
    before = change.before.total if change.before is not None else None
    after = change.after.total if change.after is not None else None
    return {
        "created": now, "actor": actor.label, "actor_user_id": actor.user_id, "run_id": actor.run_id,
        "run_uuid": actor.run_uuid, "action": change.action,
        "invoice_uuid": invoice_uuid, "invoice_period": invoice_period, "customer_uuid": customer_uuid,
        "customer_name": customer_name, "item_uuid": state.uuid, "item_name": state.name,
        "item_source": state.details.get("source", ""),
        "amount_before": before, "amount_after": after,
        "delta": (ZERO if after is None else after) - (ZERO if before is None else before),
        "currency": references.detail(state, "currency")[:3], "settings_uuid": settings_uuid, "mapping_uuid": None,
        "customer_reference": customer_reference, "license_reference": references.detail(state, "license_reference"),
        "line_reference": references.detail(state, "line_reference"), "period": _period(state.details.get("period")),
        "reason": reason, "changes": {},
    }


def ledger_items_created(items: Iterable[InvoiceItem | ItemState], *, cause: str, reason: str | None = None,
                         settings: ArrowSettings | None = None) -> int:
    """Record saved items as created; returns how many entries were written."""
    changes = [_Change(LedgerAction.ITEM_CREATED, None, item_state(item)) for item in items]
    return _write(changes, cause=cause, reason=reason, settings=settings)


def ledger_rows_created(*, invoice: Invoice, rows: Sequence[dict], ids: Sequence[int], cause: str,
                        reasons: Sequence[str] | None = None, settings: ArrowSettings | None = None) -> int:
    """Record rows inserted in bulk on ``invoice`` (``ids`` in the order of ``rows``) as created;
    ``reasons``, when given, is each row's own reason (an empty one: ``cause`` with the amount)."""
    if not any(row["details"].get("source") in ARROW_INVOICE_ITEM_SOURCES for row in rows):
        return 0
    uuids = dict(InvoiceItem.objects.filter(pk__in=list(ids)).values_list("pk", "uuid"))
    changes = [
        _Change(LedgerAction.ITEM_CREATED, None, ItemState(
            uuid=uuids[pk], invoice_id=invoice.pk, name=row["name"],
            total=_total(row["unit_price"], row.get("quantity", ONE)), details=row["details"]))
        for row, pk in zip(rows, ids, strict=True)
    ]
    if reasons is None:
        return _write(changes, cause=cause, settings=settings)
    return _write([_Change(change.action, None, change.after, reason or None)
                   for change, reason in zip(changes, reasons, strict=True)], cause=cause, settings=settings)


def ledger_items_changed(pairs: Iterable[tuple[ItemState, InvoiceItem | ItemState]], *, cause: str,
                         reason: str | None = None, settings: ArrowSettings | None = None) -> int:
    """Record (before, after) pairs of items changed in place; pairs that differ in nothing are left out."""
    changes = [_Change(LedgerAction.ITEM_CHANGED, before, after)
               for before, after in ((before, item_state(item)) for before, item in pairs) if before != after]
    return _write(changes, cause=cause, reason=reason, settings=settings)


def ledger_items_removed(items: Iterable[ItemState | InvoiceItem], *, cause: str, reason: str | None = None,
                         settings: ArrowSettings | None = None) -> int:
    """Record items as removed (their states taken before the removal)."""
    changes = [_Change(LedgerAction.ITEM_REMOVED, item_state(item), None) for item in items]
    return _write(changes, cause=cause, reason=reason, settings=settings)


def ledger_items_reassigned(item_ids: Iterable[int], *, reason: str, settings: ArrowSettings | None = None) -> int:
    """Record items whose charge changed hands but not amount (an entry with a delta of zero)."""
    states = [item_state(item) for item in InvoiceItem.objects.filter(pk__in=list(item_ids)).order_by("id")]
    changes = [_Change(LedgerAction.ITEM_CHANGED, state, state) for state in states]
    return _write(changes, cause="", reason=reason, settings=settings)
