"""Recognising export rows that a billing import already holds, without parsing them again.

A line's fingerprint is a digest of its raw export row (the cells that parsing reads, with the
export's column titles) and of everything else that decides what the import writes for it: the customer
mapping's Arrow reference, the settings' price source, invoice item prefix and classification
filter, and `LINE_FORMAT_VERSION`. The import stores it on the billing sync item. On the next
import of the month, a row whose fingerprint equals its item's, and whose item is still as the
import left it (`KnownLines`), needs no parsing, no comparison and no write; for an unchanged
month that is every row, so a re-import costs little more than reading the export.

A fingerprint that does not match only costs time (the row takes the full comparison and its
item gets the new fingerprint); a false match would skip a needed write, hence a 128-bit BLAKE2b
over an unambiguous encoding of the cells. Bump `LINE_FORMAT_VERSION` whenever what a row
becomes changes (parsing in `arrow_client.parsing`, the builders in `billing.line_builders`): every item
then takes the full comparison once.
"""

from __future__ import annotations

import hashlib
import marshal
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.db.models import BooleanField, ExpressionWrapper, F, Q

from arrow_client import Period
from arrow_integration.models import ArrowBillingSyncItem
from core.models import Invoice, Resource

LINE_FORMAT_VERSION = 1
FINGERPRINT_BYTES = 16
# marshal format 2 writes every value in full; later formats write back-references that depend on
# how many references to a string exist at the moment, which would make digests unstable.
MARSHAL_VERSION = 2
NO_RESOURCE = (None, None)


class LinkedResource(NamedTuple):
    """The resource (and its project) an invoice item carries: ids, None when it has none."""

    resource_id: int | None
    project_id: int | None


def settings_context(settings) -> tuple:
    """What of the settings decides what a row becomes (with `LINE_FORMAT_VERSION`)."""
    return (LINE_FORMAT_VERSION, str(settings.invoice_price_source), str(settings.invoice_item_prefix),
            str(settings.classification_filter or "").strip().casefold())


class RowFingerprints:
    """Fingerprints of the rows of one export page for one settings row."""

    def __init__(self, *, settings, headers: Sequence[str]) -> None:
        context = (*settings_context(settings), tuple(map(str, headers)))
        self._base = hashlib.blake2b(marshal.dumps(context, MARSHAL_VERSION), digest_size=FINGERPRINT_BYTES)
        self._per_mapping: dict[str, Any] = {}

    def of(self, mapping_reference: str, cells: Sequence[Any]) -> str:
        """Fingerprint of a row of ``cells`` (`arrow_client.row_keys.BillingRowKeys.read`) of a mapping."""
        base = self._per_mapping.get(mapping_reference)
        if base is None:
            base = self._per_mapping[mapping_reference] = self._base.copy()
            base.update(marshal.dumps(str(mapping_reference), MARSHAL_VERSION))
        digest = base.copy()
        try:
            digest.update(marshal.dumps(cells, MARSHAL_VERSION))
        except ValueError:  # a value marshal does not know (a number parsed as Decimal): its repr is exact
            digest.update(b"repr:" + repr(tuple(cells)).encode())
        return digest.hexdigest()


class KnownLines:
    """What a month's imported lines are, by line reference, for one Arrow account.

    Three maps by line reference, one per thing known of the line (plain strings and ints: a
    month of 100 000 lines builds no object per line, which the garbage collector would walk
    again and again): ``holders`` (the mapping whose sync holds the line's item),
    ``fingerprints`` ("" for an item edited by hand: no row matches it) and ``linked`` (the
    `LinkedResource` of an item the import keeps in step with its line, None for an item that
    does not follow the line: issued invoice, compensated, charged by consumption). A row is
    unchanged only when the item is held by the mapping the row goes to now,
    under the same fingerprint, and still as the import left it: invoice items that the import
    keeps in step with their line (pending invoice, no compensation, not charged by
    consumption) count only while their price is still the line's and the resource linked to
    the line's license is still the one they carry. A line held by another mapping (`holder`)
    takes the full path, which takes its item over: "recognised unchanged" never disagrees
    with what a full comparison would do.
    """

    def __init__(self, *, holders: dict[str, int], fingerprints: dict[str, str],
                 linked: dict[str, LinkedResource | None], resources: dict[int, dict[str, LinkedResource]],
                 customers: dict[int, int]) -> None:
        self._holders = holders
        self._fingerprints = fingerprints
        self._linked = linked
        self._resources = resources  # customer id → license reference → the resource an import links
        self._customers = customers  # mapping id → customer id

    @classmethod
    def load(cls, *, account: str, mappings: Iterable, period: Period,
             license_reference: str | None = None) -> KnownLines:
        """Two queries: the items charging ``account``'s lines of ``period`` (whichever mapping
        holds them), and the resources linked to licenses of the ``mappings``' customers."""
        customers = {mapping.pk: mapping.waldur_customer_id for mapping in mappings}
        follows_line = Q(charged_by_consumption=False, compensation_item__isnull=True,
                         invoice_item__invoice__state=Invoice.State.PENDING)
        edited = ~Q(invoice_item__unit_price=F("original_price")) | ~Q(invoice_item__quantity=1)
        items = ArrowBillingSyncItem.objects.filter(
            arrow_account=account, report_period=period.first_day, duplicate_of__isnull=True,
        ).annotate(edited=ExpressionWrapper(follows_line & edited, output_field=BooleanField()))
        if license_reference is not None:
            items = items.filter(license_reference=license_reference)
        holders: dict[str, int] = {}
        fingerprints: dict[str, str] = {}
        linked: dict[str, LinkedResource | None] = {}
        resources: dict[tuple, LinkedResource] = {}  # one object per distinct (resource, project)
        rows = items.order_by().values_list(
            "arrow_line_reference", "billing_sync__customer_mapping_id", "line_fingerprint", "edited",
            "charged_by_consumption", "compensation_item_id", "invoice_item__invoice__state",
            "invoice_item__resource_id", "invoice_item__project_id",
        )
        for reference, mapping_id, fingerprint, edited_item, by_consumption, compensation_id, state, resource_id, \
                project_id in rows:
            follows = not by_consumption and compensation_id is None and state == Invoice.State.PENDING
            holders[reference] = mapping_id
            # An edited item is known as held, never as unchanged (no fingerprint matches "").
            fingerprints[reference] = "" if edited_item else fingerprint
            if follows:
                key = (resource_id, project_id)
                linked[reference] = resources.get(key) or resources.setdefault(key, LinkedResource(*key))
            else:
                linked[reference] = None
        return cls(holders=holders, fingerprints=fingerprints, linked=linked,
                   resources=_linked_resources(set(customers.values())), customers=customers)

    def holder(self, reference: str) -> int | None:
        """The mapping whose sync holds the item of line ``reference`` (None: not imported yet)."""
        return self._holders.get(reference)

    def is_unchanged(self, mapping_id: int, reference: str, fingerprint: str, license_reference: str | None) -> bool:
        """True when the row of line ``reference``, going to ``mapping_id`` with ``fingerprint``,
        needs no write: the import left its item as it is and nothing it depends on changed."""
        if not fingerprint or self._fingerprints.get(reference) != fingerprint or self._holders[reference] != mapping_id:
            return False
        carried = self._linked[reference]
        if carried is None:
            return True
        linked = self._resources.get(self._customers[mapping_id], {})
        expected = linked.get(license_reference, NO_RESOURCE) if license_reference else NO_RESOURCE
        return carried == expected


def _linked_resources(customer_ids: set[int]) -> dict[int, dict[str, LinkedResource]]:
    """Customer → license reference → (resource id, project id) of the resource an import links
    (the newest with that backend id, as `line_charges.resources_by_license`)."""
    found: dict[int, dict[str, LinkedResource]] = defaultdict(dict)
    rows = (
        Resource.objects.filter(project__customer_id__in=customer_ids).exclude(backend_id="")
        .order_by("-created", "id").values_list("project__customer_id", "backend_id", "id", "project_id")
    )
    for customer_id, backend_id, resource_id, project_id in rows:
        found[customer_id].setdefault(backend_id, LinkedResource(resource_id, project_id))
    return dict(found)
