"""Export lines that were read but not charged: counted per customer, and kept per month.

Every Arrow line of a month is accounted for (SPEC 6.10): charged, compensated, or reported with
its reason and amount. The import reads every classification and leaves out, locally, the lines
outside the settings' classification filter and the lines of Arrow customers without an active
mapping. `UnchargedTally` counts them per customer (lines, sell and buy amounts) for the run's
outcome; `uncharged_lines_replace` makes them the month's `ArrowUnchargedLine` rows of the
settings (a later month-close report reads them from there), and drops rows of lines that are
charged after all (by another settings row of the same account, say).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef

from arrow_client import BillingLine, Period
from arrow_integration.choices import UnchargedReason
from arrow_integration.models import ArrowBillingSyncItem, ArrowUnchargedLine

ZERO = Decimal(0)
NO_CUSTOMER = "(no customer)"
WRITE_BATCH_SIZE = 1000
# Rows written again on each full import; everything else of a row is its identity.
REPLACED_FIELDS = ("settings", "reason", "customer_reference", "customer_name", "license_reference", "classification",
                   "vendor_name", "description", "sell_price", "buy_price", "currency", "modified")


def outside_classification_filter(classification: str | None, classification_filter: str | None) -> bool:
    """True when a line (or license) of ``classification`` is left out by the settings' filter
    (an empty filter keeps everything; case does not matter)."""
    wanted = (classification_filter or "").strip()
    return bool(wanted) and (classification or "").strip().casefold() != wanted.casefold()


def customer_key(line: BillingLine) -> str:
    """How the outcome names a line's customer: its Arrow reference, else its name."""
    return line.customer_reference or line.customer_name or NO_CUSTOMER


@dataclass
class CustomerTally:
    customer_name: str = ""
    lines: int = 0
    sell: Decimal = ZERO
    buy: Decimal = ZERO

    def as_outcome(self) -> dict:
        return {"customer_name": self.customer_name, "lines": self.lines, "sell": str(self.sell), "buy": str(self.buy)}


@dataclass
class UnchargedTally:
    """Lines left out of one import by reason and customer, with their sell and buy amounts."""

    by_reason: dict[str, dict[str, CustomerTally]] = field(
        default_factory=lambda: {reason: {} for reason in UnchargedReason.values}
    )

    def add(self, reason: str, line: BillingLine) -> None:
        tally = self.by_reason[reason].setdefault(customer_key(line), CustomerTally())
        tally.customer_name = tally.customer_name or line.customer_name or ""
        tally.lines += 1
        tally.sell += line.sell_total
        tally.buy += line.buy_total

    def outcome(self, reason: str, limit: int) -> dict[str, dict]:
        """{customer: {customer_name, lines, sell, buy}} of ``reason``, the customers with the most lines first."""
        customers = sorted(self.by_reason[reason].items(), key=lambda item: (-item[1].lines, item[0]))
        return {key: tally.as_outcome() for key, tally in customers[:limit]}


def _row(*, settings, account: str, period: Period, reason: str, line: BillingLine) -> ArrowUnchargedLine:
    return ArrowUnchargedLine(
        settings=settings, arrow_account=account, report_period=period.first_day,
        arrow_line_reference=line.line_reference, reason=reason,
        customer_reference=(line.customer_reference or "")[:255], customer_name=(line.customer_name or "")[:255],
        license_reference=(line.license_reference or "")[:255], classification=(line.classification or "")[:50],
        vendor_name=(line.vendor_name or "")[:255],
        description=line.description or line.friendly_name or line.product_name or "",
        sell_price=line.sell_total, buy_price=line.buy_total, currency=(line.currency or "")[:3],
    )


def uncharged_lines_replace(*, settings, period: Period, lines: Iterable[tuple[str, BillingLine]]) -> int:
    """Make the (reason, line) pairs of a full import ``settings``' uncharged lines of ``period``.

    One transaction: the settings' rows of the month are deleted, the lines written (a line
    recorded under another settings row of the same account is taken over), then rows whose
    line has a charging item are dropped. Returns how many rows the month keeps.
    """
    account = settings.arrow_account
    with transaction.atomic():
        ArrowUnchargedLine.objects.filter(settings=settings, report_period=period.first_day).delete()
        batch: dict[str, ArrowUnchargedLine] = {}  # by reference: one row per line in a statement
        for reason, line in lines:
            batch[line.line_reference] = _row(settings=settings, account=account, period=period, reason=reason,
                                              line=line)
            if len(batch) == WRITE_BATCH_SIZE:
                _upsert(list(batch.values()))
                batch = {}
        _upsert(list(batch.values()))
        charged = ArrowBillingSyncItem.objects.filter(
            arrow_account=OuterRef("arrow_account"), report_period=OuterRef("report_period"),
            arrow_line_reference=OuterRef("arrow_line_reference"), duplicate_of__isnull=True,
        )
        month = ArrowUnchargedLine.objects.filter(arrow_account=account, report_period=period.first_day)
        month.filter(Exists(charged)).delete()
        return month.filter(settings=settings).count()


def _upsert(rows: list[ArrowUnchargedLine]) -> None:
    if rows:
        ArrowUnchargedLine.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["arrow_account", "report_period", "arrow_line_reference"],
            update_fields=list(REPLACED_FIELDS),
        )
