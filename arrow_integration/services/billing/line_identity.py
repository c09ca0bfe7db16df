"""One charge per Arrow line: a line's item found by its identity, taken over, re-keyed.

An Arrow line is identified by (Arrow account, month, line reference), whichever settings row or
customer mapping reads it; `ArrowBillingSyncItem`'s constraint "arrow_billing_line_charged_once"
keeps one item (not marked duplicate) per line. When a sync reads a line whose item another sync
holds (an archived or deactivated mapping of the same customer, another settings row of the same
account), `sync_items_adopt` moves the item to the reading sync and refreshes both syncs' totals;
the ledger records the hand-over of each invoice item (its amount unchanged), and
the import then compares the line as usual (a pending invoice's item is updated in place, an
issued one compensated), so the line is never charged again.

`arrow_account_rekey` keeps a settings row's lines recognisable when its account key changes
from the API-URL fallback to the partner reference (`configuration.settings.arrow_settings_store`).

Writes run inside the caller's transaction. Nothing here calls Arrow.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError
from django.db.models import Exists, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem
from arrow_integration.services.billing.line_builders import ZERO
from arrow_integration.services.ledger.record import ledger_items_reassigned

logger = logging.getLogger(__name__)


class LineTakenMeanwhile(IntegrityError):
    """Another run moved or charged a line between this run's look-up and its write; retry later."""


def charged_items(*, account: str, period) -> QuerySet[ArrowBillingSyncItem]:
    """The items that charge the lines of ``account`` in the month ``period`` (a first-of-month
    date): one per line, duplicates left out (the partial unique index serves these filters)."""
    return ArrowBillingSyncItem.objects.filter(arrow_account=account, report_period=period,
                                               duplicate_of__isnull=True)


def sync_totals_refresh(syncs: Iterable[ArrowBillingSync | int]) -> None:
    """Set the buy and sell totals of ``syncs`` (objects or ids) to the sums of their items
    (duplicates left out: they are not lines of the sync's statement). Two queries per sync;
    a sync whose totals are right is not written."""
    now = timezone.now()
    for sync in syncs:
        sync_id = sync.pk if isinstance(sync, ArrowBillingSync) else sync
        totals = ArrowBillingSyncItem.objects.filter(billing_sync_id=sync_id, duplicate_of__isnull=True).aggregate(
            sell=Coalesce(Sum("sell_price"), ZERO), buy=Coalesce(Sum("buy_price"), ZERO)
        )
        ArrowBillingSync.objects.filter(pk=sync_id).exclude(sell_total=totals["sell"], buy_total=totals["buy"]).update(
            sell_total=totals["sell"], buy_total=totals["buy"], modified=now
        )
        if isinstance(sync, ArrowBillingSync):
            sync.sell_total, sync.buy_total = totals["sell"], totals["buy"]


def sync_items_adopt(*, sync: ArrowBillingSync, account: str, references: Iterable[str]) -> set[str]:
    """Move into ``sync`` the items of the lines ``references`` (of ``account``, in the sync's
    month) that other syncs hold; returns the references moved.

    Two queries and one UPDATE per former holder. Raises `LineTakenMeanwhile` when a concurrent
    run moved one of them first (the caller's transaction then writes nothing).
    """
    references = list(references)
    if not references:
        return set()
    rows = (
        charged_items(account=account, period=sync.report_period)
        .filter(arrow_line_reference__in=references).exclude(billing_sync_id=sync.pk)
        .values_list("id", "billing_sync_id", "arrow_line_reference", "invoice_item_id")
    )
    by_holder: dict[int, list[int]] = defaultdict(list)
    adopted = set()
    invoice_item_ids = []
    for item_id, holder_id, reference, invoice_item_id in rows:
        by_holder[holder_id].append(item_id)
        adopted.add(reference)
        invoice_item_ids.append(invoice_item_id)
    now = timezone.now()
    for holder_id, item_ids in by_holder.items():
        moved = ArrowBillingSyncItem.objects.filter(pk__in=item_ids, billing_sync_id=holder_id).update(
            billing_sync=sync, modified=now
        )
        if moved != len(item_ids):
            raise LineTakenMeanwhile(f"another run took {len(item_ids) - moved} line(s) of billing sync {holder_id}")
    if by_holder:
        sync_totals_refresh(by_holder)
        ledger_items_reassigned(invoice_item_ids, reason=(
            f"line taken over by customer mapping {sync.customer_mapping.arrow_reference} (billing sync {sync.uuid})"))
        logger.info("Billing sync %s took over %d line(s) from %d other sync(s).", sync.uuid, len(adopted),
                    len(by_holder))
    return adopted


def arrow_account_rekey(*, settings, old_account: str, new_account: str) -> int:
    """Give ``settings``' items stored under ``old_account`` the key ``new_account``; returns how
    many. An item whose line is already charged under ``new_account`` becomes a duplicate of
    that charge (`repair_duplicate_charges` settles it). Three statements."""
    if old_account == new_account:
        return 0
    same_line = charged_items(account=new_account, period=OuterRef("report_period")).filter(
        arrow_line_reference=OuterRef("arrow_line_reference")
    )
    items = ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping__settings=settings,
                                                arrow_account=old_account)
    duplicates = items.filter(Exists(same_line), duplicate_of__isnull=True).update(
        duplicate_of=Subquery(same_line.values("id")[:1]), arrow_account=new_account
    )
    moved = duplicates + items.update(arrow_account=new_account)
    if moved:
        logger.info("Arrow settings %s: %d line(s) re-keyed from %s to account %s (%d of them duplicates).",
                    settings.uuid, moved, old_account, new_account, duplicates)
    return moved
