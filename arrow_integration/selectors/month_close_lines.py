"""The month-close report's lines: every Arrow line of a month against what invoiced it, classified.

`month_close_lines` yields one `MonthCloseLine` per Arrow line the database read for the month
(a statement line that charges itself, a line read but not charged), per license-month charged
by consumption tracking (its provisional item and the statement lines linked to it), and per
Arrow-sourced invoice item that names the month but no line. Each line carries its amount in the
settings' price source (`arrow_amount`), what was invoiced for it (`invoiced`: the charges and
compensations it names, wherever they sit, `Charge`s in `charges` and `compensations`) and one
variance class, the first that applies:

- `excluded`: read but outside the settings' classification filter (not invoiced on purpose);
- `unmapped`: read but its Arrow customer has no mapping;
- `unexpected`: an Arrow-sourced invoice item of the month that no line names (no Arrow amount);
- `duplicated`: the line is charged more than once (a second charge still charges something);
- `missing`: an Arrow line in scope that no invoice item charges: a line recorded as unmapped
  or excluded whose customer was mapped (or filter changed) since, a consumption record that no
  item and no statement line charges;
- `pending`: Arrow has not validated the line yet (no `Validation Date`; for consumption, a
  record not finalized and no validated statement line): the provisional amount is shown;
- `matched` (|difference| < 0.01), `undercharged` (Arrow's amount exceeds what was invoiced),
  `overcharged` (more was invoiced than Arrow's amount).

Streamed: statement and uncharged lines come from the database in chunks (`month_close_sources`),
so memory holds the month's small parts only. Nothing here writes.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from arrow_client.periods import Period
from arrow_client.references import customer_key
from arrow_integration.choices import (
    BILLING_EXPORT_SOURCE,
    COMPENSATION_THRESHOLD,
    PROVISIONAL_ITEM_SOURCE,
    BillingSyncState,
    UnchargedReason,
)
from arrow_integration.selectors.month_close_sources import (
    Charge,
    ConsumptionMonth,
    MonthSources,
    SettingsFacts,
    charge_from,
    statement_queryset,
    statement_rows,
    uncharged_queryset,
    uncharged_rows,
)

ZERO = Decimal(0)
MATCHED, UNDERCHARGED, OVERCHARGED = "matched", "undercharged", "overcharged"
MISSING, UNEXPECTED, DUPLICATED = "missing", "unexpected", "duplicated"
EXCLUDED, UNMAPPED, PENDING = "excluded", "unmapped", "pending"
VARIANCE_CLASSES = (MATCHED, UNDERCHARGED, OVERCHARGED, MISSING, UNEXPECTED, DUPLICATED, EXCLUDED, UNMAPPED, PENDING)
# What a line is: how it reached the report.
STATEMENT, CONSUMPTION, UNCHARGED, INVOICE_ITEM = "statement", "consumption", "uncharged", "invoice_item"
NO_CUSTOMER = "(no customer)"
_SOURCE_NAMES = {BILLING_EXPORT_SOURCE: "statement", PROVISIONAL_ITEM_SOURCE: "consumption"}


@dataclass(slots=True)
class MonthCloseLine:
    """One line of the report (see the module for the classes)."""

    period: Period
    kind: str
    settings_id: int | None
    settings_uuid: uuid_module.UUID | None
    arrow_customer_reference: str
    arrow_customer_name: str
    customer_id: int | None
    customer_uuid: uuid_module.UUID | None
    customer_name: str | None
    license_reference: str
    line_references: tuple[str, ...]
    description: str
    classification: str
    currency: str
    arrow_amount: Decimal
    arrow_buy: Decimal
    in_scope: bool  # within the settings' filters: counted in `arrow_in_scope`
    validated: bool  # Arrow validated it (lines read but not charged count as validated)
    reconciled: bool  # its reconciliation ran (statement: sync Reconciled; consumption: record reconciled)
    charges: tuple[Charge, ...] = ()
    compensations: tuple[Charge, ...] = ()
    duplicate_charges: Decimal = ZERO  # what second charges (and their compensations) still charge
    variance_class: str = ""
    reason: str = ""

    @property
    def invoiced(self) -> Decimal:
        return sum((charge.amount for charge in (*self.charges, *self.compensations)), ZERO)

    @property
    def compensated(self) -> Decimal:
        return sum((charge.amount for charge in self.compensations), ZERO)

    @property
    def difference(self) -> Decimal:
        """Arrow's amount in scope minus what was invoiced (positive: less was invoiced)."""
        return (self.arrow_amount if self.in_scope else ZERO) - self.invoiced

    @property
    def charged(self) -> bool:
        """A line the integration charges (statement or consumption), not one it only read."""
        return self.kind in (STATEMENT, CONSUMPTION)


@dataclass
class _Customer:
    """Who a line belongs to: settings and Arrow customer, and the local customer when mapped."""

    settings_id: int | None = None
    reference: str = ""
    name: str = ""
    customer_id: int | None = None
    customer_uuid: uuid_module.UUID | None = None
    customer_name: str | None = None

    def line_fields(self, sources: MonthSources) -> dict:
        settings = sources.settings.get(self.settings_id)
        return {
            "settings_id": self.settings_id, "settings_uuid": settings.uuid if settings else None,
            "arrow_customer_reference": self.reference, "arrow_customer_name": self.name,
            "customer_id": self.customer_id, "customer_uuid": self.customer_uuid, "customer_name": self.customer_name,
        }


def _mapped(sources: MonthSources, settings_id: int | None, reference: str, name: str) -> _Customer:
    mapping = sources.mapping(settings_id, reference)
    if mapping is None:
        return _Customer(settings_id=settings_id, reference=reference, name=name)
    return _Customer(settings_id, reference, name or mapping.arrow_company_name, mapping.customer_id,
                     mapping.customer_uuid, mapping.customer_name)


def _of_local_customer(sources: MonthSources, customer_id: int, reference: str = "") -> _Customer:
    mapping = sources.mapping_of_customer.get(customer_id)
    if mapping is None:
        return _Customer(reference=reference)
    return _Customer(mapping.settings_id, mapping.arrow_reference, mapping.arrow_company_name, mapping.customer_id,
                     mapping.customer_uuid, mapping.customer_name)


def _classify(line: MonthCloseLine) -> None:
    """Set ``variance_class`` (and ``reason`` when none is set) from the line's figures."""
    if line.variance_class:
        return
    if abs(line.duplicate_charges) >= COMPENSATION_THRESHOLD:
        line.variance_class = DUPLICATED
        line.reason = f"charged more than once: second charges still add {line.duplicate_charges:.2f}"
    elif not line.charges and not line.compensations:
        line.variance_class = MISSING
        line.reason = line.reason or "read from Arrow, but no invoice item charges it"
    elif not line.validated:
        line.variance_class = PENDING
        line.reason = "not validated by Arrow yet: the provisional amount is shown"
    else:
        difference = line.difference
        if abs(difference) < COMPENSATION_THRESHOLD:
            line.variance_class = MATCHED
        else:
            line.variance_class = UNDERCHARGED if difference > 0 else OVERCHARGED
    if not line.reason and line.compensations:
        line.reason = (f"first invoiced {line.invoiced - line.compensated:.2f}, compensated {line.compensated:+.2f} "
                       f"(reconciliation or a corrected re-import)")


def _second_charges(sources: MonthSources, item_id: int) -> tuple[list[Charge], Decimal]:
    """The charges of a line's duplicates and what they (with their compensations) still charge."""
    charges, still = [], ZERO
    for duplicate_uuid, charge in sources.duplicates.get(item_id, ()):
        own = [charge] if charge is not None else []
        own += sources.compensations.pop(duplicate_uuid, [])
        charges += own
        still += sum((entry.amount for entry in own), ZERO)
    return charges, still


def _statement_line(sources: MonthSources, row: tuple) -> MonthCloseLine:
    (item_id, item_uuid, reference, license_reference, classification, description, sell, buy, validation_date,
     sync_state, currency, settings_id, arrow_reference, arrow_name, customer_id, customer_uuid, customer_name,
     *charge) = row
    settings: SettingsFacts = sources.settings[settings_id]
    duplicates, still = _second_charges(sources, item_id) if item_id in sources.duplicates else ((), ZERO)
    key = (settings_id, arrow_reference, arrow_name, customer_id)
    owner = sources.owners.get(key)
    if owner is None:  # the customer whose invoice charged the line: its billing sync's mapping
        owner = sources.owners[key] = _Customer(settings_id, arrow_reference, arrow_name, customer_id, customer_uuid,
                                                customer_name).line_fields(sources)
    return MonthCloseLine(
        period=sources.period, kind=STATEMENT, **owner, license_reference=license_reference,
        line_references=(reference,), description=description, classification=classification, currency=currency,
        arrow_amount=settings.amount(sell, buy), arrow_buy=buy, in_scope=True, validated=validation_date is not None,
        reconciled=sync_state == BillingSyncState.RECONCILED, charges=(charge_from(tuple(charge)), *duplicates),
        compensations=tuple(sources.compensations.pop(item_uuid, ())), duplicate_charges=still,
    )


def _consumption_amounts(month: ConsumptionMonth, linked, settings: SettingsFacts | None) -> tuple[Decimal, Decimal,
                                                                                                  bool]:
    """Arrow's amount (price source), buy amount and whether it is final, for a license-month."""
    if linked:
        sell = sum((line.sell for line in linked), ZERO)
        buy = sum((line.buy for line in linked), ZERO)
        validated = all(line.validated for line in linked)
    elif month.finalized:
        sell, buy, validated = month.final_sell, month.final_buy, True
    else:
        sell, buy, validated = month.consumed_sell, month.consumed_buy, False
    amount = settings.amount(sell, buy) if settings else sell
    return amount, buy, validated


def _consumption_line(sources: MonthSources, month: ConsumptionMonth) -> MonthCloseLine | None:
    linked = sources.linked_lines.get(month.invoice_item_id, []) if month.invoice_item_id else []
    if linked:
        first = linked[0]
        owner = _mapped(sources, first.settings_id, first.arrow_reference, first.arrow_company_name)
    else:
        owner = _of_local_customer(sources, month.customer_id)
    settings = sources.settings.get(owner.settings_id)
    amount, buy, validated = _consumption_amounts(month, linked, settings)
    charges, still = [], ZERO
    if month.charge is not None:
        charges.append(month.charge)
    elif month.charged_by_statement or abs(amount) < COMPENSATION_THRESHOLD:
        return None  # the statement line charges this license-month, or there is nothing to charge
    compensations = list(sources.compensations.pop(month.record_uuid, ()))
    for line in linked:
        compensations += sources.compensations.pop(line.item_uuid, ())
        more, more_still = _second_charges(sources, line.item_id)
        charges += more
        still += more_still
    return MonthCloseLine(
        period=sources.period, kind=CONSUMPTION, **owner.line_fields(sources), license_reference=month.license_reference,
        line_references=tuple(line.line_reference for line in linked),
        description=(linked[0].description if linked else month.resource_name), classification=(
            linked[0].classification if linked else ""), currency=month.currency or (linked[0].currency if linked else ""),
        arrow_amount=amount, arrow_buy=buy, in_scope=True, validated=validated, reconciled=month.reconciled,
        charges=tuple(charges), compensations=tuple(compensations), duplicate_charges=still,
        reason="" if month.charge is not None else "consumption of a license no invoice item charges",
    )


@dataclass(frozen=True)
class UnchargedVerdict:
    """Who lines read but not charged belong to, and their class (the same for every line of a
    settings row, reason, customer and classification)."""

    owner: dict
    variance_class: str  # "" for `missing`: `_classify` finds it (no invoice item charges them)
    in_scope: bool
    reason: str


def uncharged_verdict(sources: MonthSources, *, settings_id: int, reason: str, customer_reference: str,
                      customer_name: str, classification: str) -> UnchargedVerdict:
    """The class of lines read but not charged: excluded, unmapped, or missing when what left them
    out changed since (the filter, or the customer got mapped)."""
    settings = sources.settings[settings_id]
    owner = _mapped(sources, settings_id, customer_reference or customer_name or NO_CUSTOMER, customer_name)
    fields = owner.line_fields(sources)
    if reason == UnchargedReason.CLASSIFICATION:
        wanted = settings.classification_filter.strip()
        if wanted and classification.strip().casefold() != wanted.casefold():
            return UnchargedVerdict(fields, EXCLUDED, False,
                                    f"classification {classification or '(none)'} is outside the settings' filter "
                                    f"{wanted}")
        return UnchargedVerdict(fields, "", True,
                                "left out by an earlier classification filter; the next import of the month charges it")
    if owner.customer_id is None:
        return UnchargedVerdict(fields, UNMAPPED, True,
                                f"Arrow customer {owner.reference} is not mapped to a local customer")
    return UnchargedVerdict(fields, "", True,
                            "its customer was mapped after the import; the next import of the month charges it")


def _uncharged_line(sources: MonthSources, row: tuple) -> MonthCloseLine:
    (reference, settings_id, reason, customer_reference, customer_name, license_reference, classification,
     description, sell, buy, currency) = row
    key = (settings_id, reason, customer_reference, customer_name, classification)
    verdict = sources.owners.get(key)
    if verdict is None:
        verdict = sources.owners[key] = uncharged_verdict(
            sources, settings_id=settings_id, reason=reason, customer_reference=customer_reference,
            customer_name=customer_name, classification=classification)
    return MonthCloseLine(
        period=sources.period, kind=UNCHARGED, **verdict.owner, license_reference=license_reference,
        line_references=(reference,), description=description, classification=classification, currency=currency,
        arrow_amount=sources.settings[settings_id].amount(sell, buy), arrow_buy=buy, in_scope=verdict.in_scope,
        validated=True, reconciled=False, variance_class=verdict.variance_class, reason=verdict.reason,
    )


def _unexpected_lines(sources: MonthSources) -> Iterator[MonthCloseLine]:
    for item in sources.unexpected:
        owner = _of_local_customer(sources, item.customer_id, item.arrow_reference)
        yield MonthCloseLine(
            period=sources.period, kind=INVOICE_ITEM, **owner.line_fields(sources),
            license_reference=item.license_reference,
            line_references=(item.line_reference,) if item.line_reference else (), description=item.name,
            classification="", currency=item.currency, arrow_amount=ZERO, arrow_buy=ZERO, in_scope=True,
            validated=True, reconciled=False, charges=(item.charge,), variance_class=UNEXPECTED,
            reason=f"an Arrow {_SOURCE_NAMES.get(item.source, 'invoice')} item that no Arrow line of the month names",
        )


def _orphan_compensations(sources: MonthSources) -> Iterator[MonthCloseLine]:
    """Compensations that name the month but no line or record of it."""
    for target, charge in sources.orphan_compensations:
        yield MonthCloseLine(
            period=sources.period, kind=INVOICE_ITEM, settings_id=None, settings_uuid=None,
            arrow_customer_reference="", arrow_customer_name="", customer_id=None, customer_uuid=None,
            customer_name=None, license_reference="", line_references=(), description=f"compensation of {target}",
            classification="", currency="", arrow_amount=ZERO, arrow_buy=ZERO, in_scope=True, validated=True,
            reconciled=False, compensations=(charge,), variance_class=UNEXPECTED,
            reason="a compensation naming a line or record the month does not hold",
        )


def pass_sources(sources: MonthSources) -> MonthSources:
    """``sources`` for one pass over the lines: lines take their compensations out of a copy."""
    return dataclasses.replace(sources, compensations=defaultdict(list, sources.compensations))


def statement_lines(sources: MonthSources, lines) -> Iterator[MonthCloseLine]:
    """The statement lines of the queryset ``lines``, classified."""
    for row in statement_rows(lines):
        line = _statement_line(sources, row)
        _classify(line)
        yield line


def consumption_lines(sources: MonthSources) -> Iterator[MonthCloseLine]:
    """The license-months charged by consumption (or that nothing charges), classified."""
    for month in sources.consumption:
        line = _consumption_line(sources, month)
        if line is not None:
            _classify(line)
            yield line


def uncharged_lines(sources: MonthSources, lines) -> Iterator[MonthCloseLine]:
    """The lines read but not charged of the queryset ``lines``, classified."""
    for row in uncharged_rows(lines):
        line = _uncharged_line(sources, row)
        _classify(line)
        yield line


def invoice_item_lines(sources: MonthSources) -> Iterator[MonthCloseLine]:
    """Arrow-sourced invoice items and compensations naming the month but no line of it."""
    yield from _unexpected_lines(sources)
    yield from _orphan_compensations(sources)


def month_close_lines(period: Period, sources: MonthSources | None = None) -> Iterator[MonthCloseLine]:
    """Every line of ``period``'s report, classified: statement lines in import order, license-months
    charged by consumption, lines read but not charged, then invoice items no line names.

    A constant number of queries (`MonthSources.load` and two streamed ones).
    """
    sources = pass_sources(sources or MonthSources.load(period))
    yield from statement_lines(sources, statement_queryset(period))
    yield from consumption_lines(sources)
    yield from uncharged_lines(sources, uncharged_queryset(period))
    yield from invoice_item_lines(sources)


@dataclass
class LineFilters:
    """What a caller narrows the lines to (None: any)."""

    settings_uuid: uuid_module.UUID | None = None
    customer_uuid: uuid_module.UUID | None = None
    arrow_customer_reference: str | None = None
    variance_class: str | None = None
    license_reference: str | None = None
    status: str | None = None  # the status of the line's report row

    def owner_matches(self, line: MonthCloseLine) -> bool:
        return (
            (self.settings_uuid is None or line.settings_uuid == self.settings_uuid)
            and (self.customer_uuid is None or line.customer_uuid == self.customer_uuid)
            and (self.arrow_customer_reference is None
                 or _customer_key(line.arrow_customer_reference) == _customer_key(self.arrow_customer_reference))
        )

    def matches(self, line: MonthCloseLine) -> bool:
        return (
            self.owner_matches(line)
            and (self.variance_class is None or line.variance_class == self.variance_class)
            and (self.license_reference is None or line.license_reference == self.license_reference)
        )


@functools.lru_cache(maxsize=4096)
def _customer_key(reference: str) -> str:
    return customer_key(reference)


def line_owner_key(line: MonthCloseLine) -> tuple[int | None, str]:
    """The report row a line adds up into: settings and Arrow customer (compared without case)."""
    return (line.settings_id, _customer_key(line.arrow_customer_reference))

