"""The month-close report's bulk, counted by the database: plain statement lines and lines read
but not charged, grouped per customer, and the owner filters of both as SQL.

A month's lines are mostly statement lines charged once and never compensated ("plain":
`month_close_sources.plain_statement_lines`): what invoiced such a line is its own invoice item,
so its class follows from its row alone (`pending` without a validation date, else `matched`,
`undercharged` or `overcharged` by the difference to its item), which the database counts per
customer in one aggregate query, like the lines read but not charged (their class depends only on
the settings, reason, customer and classification: `uncharged_verdict`). The report adds the
remaining lines one by one (`month_close_lines`), so the same rules decide every line; 100 000
plain lines cost one query instead of 100 000 objects. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, When

from arrow_client.references import xsp_reference
from arrow_integration.choices import COMPENSATION_THRESHOLD, BillingSyncState, PriceSource
from arrow_integration.selectors.month_close_lines import (
    MATCHED,
    MISSING,
    OVERCHARGED,
    PENDING,
    UNDERCHARGED,
    LineFilters,
    uncharged_verdict,
)
from arrow_integration.selectors.month_close_sources import MonthSources
from core.models.invoices import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

ZERO = Decimal(0)
_MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS + 6, decimal_places=MONEY_DECIMAL_PLACES)
_MAPPING = "billing_sync__customer_mapping__"
_AMOUNT, _GAP = "_amount", "_gap"  # suffixes of the per-class sums


@dataclass(frozen=True)
class LineGroup:
    """Lines of one customer counted together: per class, and their sums."""

    owner: dict  # as `MonthCloseLine` names its owner (settings, Arrow customer, local customer)
    counts: dict[str, int]
    # per class: the lines' Arrow amount, and their difference (in scope − invoiced)
    amounts: dict[str, Decimal]
    differences: dict[str, Decimal]
    arrow_amount: Decimal
    arrow_buy: Decimal
    arrow_in_scope: Decimal
    arrow_buy_in_scope: Decimal
    invoiced: Decimal
    currency: str
    charged_lines: int  # lines the integration charges (statement), as opposed to lines only read
    unvalidated: int
    unreconciled: int

    @property
    def lines(self) -> int:
        return sum(self.counts.values())


def statement_owner_filter(lines: QuerySet, filters: LineFilters) -> QuerySet:
    """Statement lines of the owner ``filters`` names (settings, local customer, Arrow customer)."""
    if filters.settings_uuid is not None:
        lines = lines.filter(**{f"{_MAPPING}settings__uuid": filters.settings_uuid})
    if filters.customer_uuid is not None:
        lines = lines.filter(**{f"{_MAPPING}waldur_customer__uuid": filters.customer_uuid})
    if filters.arrow_customer_reference is not None:
        reference = xsp_reference(filters.arrow_customer_reference) or ""
        lines = lines.filter(**{f"{_MAPPING}arrow_reference__iexact": reference})
    if filters.license_reference is not None:
        lines = lines.filter(license_reference=filters.license_reference)
    return lines


def uncharged_owner_filter(lines: QuerySet, filters: LineFilters, sources: MonthSources) -> QuerySet:
    """Lines read but not charged of the owner ``filters`` names (a local customer: the Arrow
    customers its mappings name)."""
    if filters.settings_uuid is not None:
        lines = lines.filter(settings__uuid=filters.settings_uuid)
    if filters.arrow_customer_reference is not None:
        text = filters.arrow_customer_reference.strip()
        lines = lines.filter(Q(customer_reference__iexact=xsp_reference(text) or "")
                             | Q(customer_reference="", customer_name__iexact=text))
    if filters.customer_uuid is not None:
        named = Q(pk__in=[])
        for (settings_id, _key), mapping in sources.mappings.items():
            if mapping.customer_uuid == filters.customer_uuid and mapping.active:
                named |= Q(settings_id=settings_id, customer_reference__iexact=mapping.arrow_reference)
        lines = lines.filter(named)
    if filters.license_reference is not None:
        lines = lines.filter(license_reference=filters.license_reference)
    return lines


def _money(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=_MONEY)


def statement_groups(lines: QuerySet, sources: MonthSources) -> Iterator[LineGroup]:
    """Plain statement lines (``lines``) counted per customer and class (one query)."""
    amount = Case(When(**{f"{_MAPPING}settings__invoice_price_source": PriceSource.BUY}, then=F("buy_price")),
                  default=F("sell_price"), output_field=_MONEY)
    validated = Q(validation_date__isnull=False)
    classes = {
        PENDING: ~validated,
        MATCHED: validated & Q(gap__gt=-COMPENSATION_THRESHOLD, gap__lt=COMPENSATION_THRESHOLD),
        UNDERCHARGED: validated & Q(gap__gte=COMPENSATION_THRESHOLD),
        OVERCHARGED: validated & Q(gap__lte=-COMPENSATION_THRESHOLD),
    }
    per_class = {}
    for name, condition in classes.items():
        per_class[name] = Count("id", filter=condition)
        per_class[f"{name}{_AMOUNT}"] = Sum("amount", filter=condition)
        per_class[f"{name}{_GAP}"] = Sum("gap", filter=condition)  # a plain line's difference: amount − its item
    rows = lines.annotate(
        amount=amount, charge=_money(F("invoice_item__unit_price") * F("invoice_item__quantity")),
    ).annotate(gap=_money(F("amount") - F("charge"))).order_by().values(
        f"{_MAPPING}settings_id", f"{_MAPPING}arrow_reference", f"{_MAPPING}arrow_company_name",
        f"{_MAPPING}waldur_customer_id", f"{_MAPPING}waldur_customer__uuid", f"{_MAPPING}waldur_customer__name",
        "billing_sync__currency",
    ).annotate(
        lines=Count("id"), arrow=Sum("amount"), buy=Sum("buy_price"), invoiced=Sum("charge"),
        unreconciled=Count("id", filter=~Q(billing_sync__state=BillingSyncState.RECONCILED)), **per_class,
    )
    for row in rows:
        settings_id = row[f"{_MAPPING}settings_id"]
        owner = {
            "settings_id": settings_id, "settings_uuid": sources.settings[settings_id].uuid,
            "arrow_customer_reference": row[f"{_MAPPING}arrow_reference"],
            "arrow_customer_name": row[f"{_MAPPING}arrow_company_name"],
            "customer_id": row[f"{_MAPPING}waldur_customer_id"],
            "customer_uuid": row[f"{_MAPPING}waldur_customer__uuid"],
            "customer_name": row[f"{_MAPPING}waldur_customer__name"],
        }
        yield LineGroup(
            owner=owner, counts={name: row[name] for name in classes},
            amounts={name: row[f"{name}{_AMOUNT}"] or ZERO for name in classes},
            differences={name: row[f"{name}{_GAP}"] or ZERO for name in classes}, arrow_amount=row["arrow"], arrow_buy=row["buy"], arrow_in_scope=row["arrow"], arrow_buy_in_scope=row["buy"],
            invoiced=row["invoiced"], currency=row["billing_sync__currency"], charged_lines=row["lines"],
            unvalidated=row[PENDING], unreconciled=row["unreconciled"],
        )


def uncharged_groups(lines: QuerySet, sources: MonthSources) -> Iterator[LineGroup]:
    """Lines read but not charged (``lines``) counted per customer and class (one query)."""
    rows = lines.order_by().values(
        "settings_id", "reason", "customer_reference", "customer_name", "classification", "currency",
    ).annotate(lines=Count("id"), sell=Sum("sell_price"), buy=Sum("buy_price"))
    for row in rows:
        verdict = uncharged_verdict(sources, settings_id=row["settings_id"], reason=row["reason"],
                                    customer_reference=row["customer_reference"], customer_name=row["customer_name"],
                                    classification=row["classification"])
        amount = sources.settings[row["settings_id"]].amount(row["sell"], row["buy"])
        variance_class = verdict.variance_class or MISSING
        yield LineGroup(
            owner=verdict.owner, counts={variance_class: row["lines"]}, amounts={variance_class: amount},
            differences={variance_class: amount if verdict.in_scope else ZERO}, arrow_amount=amount,
            arrow_buy=row["buy"], arrow_in_scope=amount if verdict.in_scope else ZERO,
            arrow_buy_in_scope=row["buy"] if verdict.in_scope else ZERO, invoiced=ZERO, currency=row["currency"],
            charged_lines=0, unvalidated=0, unreconciled=0,
        )
