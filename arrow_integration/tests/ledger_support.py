"""Helpers of the ledger tests: the replay check and short look-ups of entries."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from arrow_integration.choices import ARROW_INVOICE_ITEM_SOURCES, LedgerAction
from arrow_integration.models import ArrowLedgerEntry
from core.models import InvoiceItem

LEDGER = "/api/admin/arrow/ledger/"


def replay_differences() -> dict:
    """Invoices whose ledger deltas do not add up to their Arrow-sourced total:
    {invoice uuid: (sum of deltas, total of the items)}; empty when the ledger replays.
    Summed in Python, with Decimals, so that no database rounding hides a cent."""
    ledger: dict = defaultdict(Decimal)
    for invoice_uuid, delta in ArrowLedgerEntry.objects.filter(invoice_uuid__isnull=False).values_list(
            "invoice_uuid", "delta"):
        ledger[invoice_uuid] += delta
    invoiced: dict = defaultdict(Decimal)
    for invoice_uuid, unit_price, quantity, details in InvoiceItem.objects.values_list(
            "invoice__uuid", "unit_price", "quantity", "details"):
        if (details or {}).get("source") in ARROW_INVOICE_ITEM_SOURCES:
            invoiced[invoice_uuid] += unit_price * quantity
    return {
        invoice_uuid: (ledger[invoice_uuid], invoiced[invoice_uuid])
        for invoice_uuid in {*ledger, *invoiced} if ledger[invoice_uuid] != invoiced[invoice_uuid]
    }


def entries(**filters) -> list[ArrowLedgerEntry]:
    return list(ArrowLedgerEntry.objects.filter(**filters).order_by("id"))


def item_entries(item: InvoiceItem, action: str | None = None) -> list[ArrowLedgerEntry]:
    found = entries(item_uuid=item.uuid)
    return [entry for entry in found if action is None or entry.action == action]


def created_entry(item: InvoiceItem) -> ArrowLedgerEntry:
    (entry,) = item_entries(item, LedgerAction.ITEM_CREATED)
    return entry
