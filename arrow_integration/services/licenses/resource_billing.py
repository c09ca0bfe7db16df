"""What `sync_resources` works with: the export aggregated per license, and the run's counters.

Shared by `resource_sync` (which reads Arrow and fills them) and `resource_writes` (which writes
what they say); plain data, no database access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from arrow_client import Period

MAX_REPORTED_ERRORS = 100


@dataclass
class LicenseBilling:
    """What the export says about one license over the range: identity and totals per month."""

    license_reference: str
    customer_reference: str
    customer_name: str
    vendor_name: str
    friendly_name: str
    product_name: str
    vendor_subscription_id: str
    currency: str
    sell: dict[Period, Decimal] = field(default_factory=dict)
    buy: dict[Period, Decimal] = field(default_factory=dict)
    line_count: int = 0

    def add(self, line) -> None:
        self.sell[line.report_period] = self.sell.get(line.report_period, Decimal(0)) + line.sell_total
        self.buy[line.report_period] = self.buy.get(line.report_period, Decimal(0)) + line.buy_total
        self.line_count += 1
        # Later lines fill what earlier ones left empty (names may be blank on some rows).
        for name in ("friendly_name", "product_name", "vendor_subscription_id", "currency", "customer_name"):
            if not getattr(self, name):
                setattr(self, name, getattr(line, name) or "")

    def totals(self, price_source: str) -> dict[Period, Decimal]:
        return self.buy if price_source == "buy" else self.sell


@dataclass
class ResourceSyncResult:
    """Counters of the reference (`SyncResourcesResponse`) plus what was skipped and why.

    `synced`: billed licenses with a resource after the run (linked before, or created);
    `updated`: linked resources whose report, usages or attributes actually changed;
    `skipped`: licenses left without a resource (customer not mapped, no target project or
    offering). Orders, invoices and invoice items are never created here (billing sync does that).
    """

    period_from: Period
    period_to: Period
    dry_run: bool = False
    licenses: int = 0
    synced: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    orders_created: int = 0
    customers_created: int = 0
    projects_created: int = 0
    mappings_created: int = 0
    invoices_created: int = 0
    invoice_items_created: int = 0
    usages_written: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    errors_total: int = 0

    def add_error(self, error: str, *, period: Period | None = None, subscription_id: str = "",
                  customer_id: str = "") -> None:
        """Record a problem (the first `MAX_REPORTED_ERRORS` are kept, all are counted)."""
        self.errors_total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({
                "error": error,
                "period": str(period) if period else "",
                "subscription_id": subscription_id or "",
                "customer_id": customer_id or "",
            })
