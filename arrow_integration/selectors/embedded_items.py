"""The items a billing sync embeds in its API representation: the first few, read as flat rows.

The official schema embeds a sync's items (`items`), and a sync of a large customer holds tens of
thousands of them: embedding all would make one page of syncs cost seconds and hundreds of
megabytes. A sync embeds its first `EMBEDDED_ITEMS_LIMIT` items (in the order of the items list)
and says how many it holds; the rest are read from the billing sync items list, which pages.
`embedded_items` reads the embedded items of a page of syncs in one query, as plain rows without
model instances: the ids come from one ``LIMIT`` per sync, each served by the index on
(sync, id), so a sync of 100 000 items costs what one of a hundred does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from arrow_integration.models import ArrowBillingSyncItem

EMBEDDED_ITEMS_LIMIT = 100
# Syncs per UNION ALL (SQLite allows 500 terms in one compound SELECT).
SYNCS_PER_UNION = 250
# What an embedded item shows (`api.serializers.billing.ITEM_FIELDS`), by the names of the row.
EMBEDDED_ITEM_COLUMNS = (
    "uuid", "arrow_line_reference", "invoice_item__uuid", "original_price", "compensation_item__uuid",
    "vendor_name", "subscription_reference", "classification", "description", "quantity", "created",
)


def embedded_items(sync_ids: Iterable[int], *, limit: int = EMBEDDED_ITEMS_LIMIT) -> dict[int, list[dict]]:
    """The first ``limit`` items of each sync (by id), as rows of `EMBEDDED_ITEM_COLUMNS`, by sync id."""
    ids = list(sync_ids)
    found: dict[int, list[dict]] = defaultdict(list)
    if not ids:
        return found
    rows = (
        ArrowBillingSyncItem.objects.filter(reduce(or_, (
            Q(id__in=_first_ids(ids[start:start + SYNCS_PER_UNION], limit))
            for start in range(0, len(ids), SYNCS_PER_UNION))))
        .order_by("billing_sync_id", "id")
        .values("billing_sync_id", *EMBEDDED_ITEM_COLUMNS)
    )
    for row in rows:
        found[row.pop("billing_sync_id")].append(row)
    return found


def _first_ids(sync_ids: list[int], limit: int) -> RawSQL:
    """The ids of the first ``limit`` items of each sync: one indexed ``LIMIT`` per sync."""
    quote = connection.ops.quote_name
    table, sync, key = (quote(ArrowBillingSyncItem._meta.db_table), quote("billing_sync_id"), quote("id"))
    part = f"SELECT {key} FROM (SELECT {key} FROM {table} WHERE {sync} = %s ORDER BY {key} LIMIT %s) AS first_items"  # noqa: S608 - names of ours
    return RawSQL(" UNION ALL ".join([part] * len(sync_ids)),  # noqa: S611 - names of ours, values as parameters
                  [value for sync_id in sync_ids for value in (sync_id, limit)])
