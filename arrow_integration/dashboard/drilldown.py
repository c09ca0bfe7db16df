"""The month page's drill-down: one customer's report lines grouped by license, with links to the
Django admin objects behind them (Arrow lines, consumption records, invoice items, invoices).

The lines are the month-close report's (`selectors.month_close_lines`); this module groups them
and turns the objects they name into admin links (`selectors.month_close_objects` reads the
primary keys in a constant number of queries). A link is only given for an object that exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse

from arrow_client.periods import Period
from arrow_integration.selectors.month_close_lines import CONSUMPTION, STATEMENT, UNCHARGED, MonthCloseLine
from arrow_integration.selectors.month_close_objects import MonthCloseObjects
from arrow_integration.selectors.month_close_sources import Charge
from arrow_integration.selectors.month_close_summary import OPEN_CLASSES

ZERO = Decimal(0)
NO_LICENSE = "(no license)"


def admin_change_url(model: str, pk: int | None) -> str | None:
    """The admin page of object ``pk`` of ``model`` ("app_label.model"), or None without one."""
    if pk is None:
        return None
    app_label, model_name = model.split(".")
    return reverse(f"admin:{app_label}_{model_name}_change", args=[pk])


@dataclass(frozen=True)
class ChargeLink:
    """An invoice item behind an invoiced figure, with its invoice."""

    charge: Charge
    is_compensation: bool
    item_url: str | None
    invoice_url: str | None


@dataclass
class LineView:
    line: MonthCloseLine
    source_url: str | None  # the Arrow line, uncharged line or consumption record in the admin
    source_title: str
    charges: list[ChargeLink]


@dataclass
class LicenseGroup:
    """The lines of one license, with their totals and classes."""

    license_reference: str
    currency: str = ""
    lines: list[LineView] = field(default_factory=list)
    arrow_amount: Decimal = ZERO
    invoiced: Decimal = ZERO
    difference: Decimal = ZERO
    classes: dict[str, int] = field(default_factory=dict)  # a plain dict: templates read `.items`

    @property
    def has_open_lines(self) -> bool:
        """Some of its lines hold a difference to act on."""
        return any(self.classes.get(name) for name in OPEN_CLASSES)

    @property
    def has_compensations(self) -> bool:
        return any(view.line.compensations for view in self.lines)

    @property
    def shown_open(self) -> bool:
        """Shown unfolded: something to act on, or corrected by a compensation."""
        return self.has_open_lines or self.has_compensations

    def add(self, view: LineView) -> None:
        self.lines.append(view)
        self.currency = self.currency or view.line.currency
        self.arrow_amount += view.line.arrow_amount
        self.invoiced += view.line.invoiced
        self.difference += view.line.difference
        self.classes[view.line.variance_class] = self.classes.get(view.line.variance_class, 0) + 1


def _source(line: MonthCloseLine, objects: MonthCloseObjects) -> tuple[str | None, str]:
    reference = line.line_references[0] if line.line_references else ""
    if line.kind == STATEMENT:
        return admin_change_url("arrow_integration.arrowbillingsyncitem", objects.sync_items.get(reference)), "Arrow line"
    if line.kind == UNCHARGED:
        pk = objects.uncharged_lines.get(reference)
        return admin_change_url("arrow_integration.arrowunchargedline", pk), "Arrow line (not charged)"
    if line.kind == CONSUMPTION:
        pk = objects.consumption_records.get(line.license_reference)
        return admin_change_url("arrow_integration.arrowconsumptionrecord", pk), "Consumption record"
    return None, ""


def _charge_links(line: MonthCloseLine, objects: MonthCloseObjects) -> list[ChargeLink]:
    links = []
    for charge, is_compensation in [(charge, False) for charge in line.charges] + [
            (charge, True) for charge in line.compensations]:
        keys = objects.invoice_items.get(charge.uuid)
        links.append(ChargeLink(
            charge=charge, is_compensation=is_compensation,
            item_url=admin_change_url("core.invoiceitem", keys.pk if keys else None),
            invoice_url=admin_change_url("core.invoice", keys.invoice_pk if keys else None),
        ))
    return links


def license_groups(period: Period, lines: list[MonthCloseLine]) -> tuple[list[LicenseGroup], MonthCloseObjects]:
    """``lines`` grouped by license, and the objects they name. Licenses with lines to act on come
    first, the largest difference first; then those with compensations; then the others, each by
    reference."""
    objects = MonthCloseObjects.load(period, lines)
    groups: dict[str, LicenseGroup] = {}
    for line in lines:
        reference = line.license_reference or NO_LICENSE
        group = groups.setdefault(reference, LicenseGroup(reference))
        source_url, source_title = _source(line, objects)
        group.add(LineView(line=line, source_url=source_url, source_title=source_title,
                           charges=_charge_links(line, objects)))
    ordered = sorted(groups.values(), key=lambda group: (
        not group.has_open_lines, -abs(group.difference) if group.has_open_lines else 0, not group.has_compensations,
        group.license_reference))
    return ordered, objects
