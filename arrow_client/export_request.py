"""What a billing export call sends: filters, date format and page, as the PHP SDK sends them.

`ExportFilters` holds the filters of ``POST billing/erp/exports/sync`` besides the report period
(the keys of ``src/Billing/ErpExportsClient.php``'s ``EXPORT_FILTERS_*``: lists of strings, and
``arrowSku`` one string). `export_request` builds the body and query string of one page: the page
number goes in both (the SDK puts it in the query string; the body is where older servers look),
and `check_answered_page` makes sure the answer is the page asked for, so a server that reads the
page from the other place cannot make the client read page 1 again and again. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from arrow_client.export_dates import DEFAULT_EXPORT_DATE_FORMAT, check_date_format
from arrow_client.periods import Period

# ExportFilters field → Arrow's filter key
FILTER_KEYS = {
    "classifications": "classifications",
    "customer_refs": "customerXspRefs",
    "vendors": "vendors",
    "programs": "programs",
    "sequences": "sequences",
    "vendor_subscription_ids": "vendorSubscriptionIds",
    "friendly_names": "friendlyNames",
    "arrow_sku": "arrowSku",
}


@dataclass(frozen=True)
class ExportFilters:
    """Optional filters of an export; ``None`` is "no filter" (an empty tuple matches nothing)."""

    classifications: tuple[str, ...] | None = None
    customer_refs: tuple[str, ...] | None = None
    vendors: tuple[str, ...] | None = None
    programs: tuple[str, ...] | None = None  # program codes, e.g. MSCSP
    sequences: tuple[str, ...] | None = None
    vendor_subscription_ids: tuple[str, ...] | None = None
    friendly_names: tuple[str, ...] | None = None
    arrow_sku: str | None = None

    @classmethod
    def of(cls, filters: ExportFilters | None = None, *, classifications: Iterable[str] | None = None,
           customer_refs: Iterable[str] | None = None) -> ExportFilters:
        """``filters`` with the two filters the client's calls also take by name. Empty
        ``classifications`` mean no classification filter; ``customer_refs`` are kept even empty."""
        base = filters or cls()
        changes: dict[str, Any] = {}
        if classifications:
            changes["classifications"] = tuple(classifications)
        if customer_refs is not None:
            changes["customer_refs"] = tuple(customer_refs)
        return cls(**{**{field.name: getattr(base, field.name) for field in fields(cls)}, **changes})

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name, key in FILTER_KEYS.items():
            value = getattr(self, name)
            if value is not None:
                body[key] = value if isinstance(value, str) else list(value)
        return body


def export_request(export_type_reference: str, period_from: Period, period_to: Period, *, page: int,
                   filters: ExportFilters, date_format: str = DEFAULT_EXPORT_DATE_FORMAT,
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(body, query parameters)`` of one page of an export."""
    body_filters = {"reportPeriod": {"from": str(period_from), "to": str(period_to)}, **filters.as_json()}
    body = {"exportTypeReference": export_type_reference, "filters": body_filters,
            "outputFormat": {"date": check_date_format(date_format)}, "page": page}
    return body, {"page": page}


def check_answered_page(pagination: Mapping[str, Any] | None, requested: int) -> None:
    """Raise `ValueError` if the answer declares another page than ``requested``."""
    if pagination is None:
        return
    answered = next((pagination[key] for key in ("currentPage", "current_page") if key in pagination), None)
    if answered is not None and str(answered) != str(requested):
        raise ValueError(f"asked for page {requested} but the answer is page {answered}")
