"""What the month-close report reads of one month, in a fixed number of queries.

`MonthSources.load` reads the small parts of a month at once: settings, customer mappings, the
compensations that name the month, second charges (duplicates), consumption records and the
statement lines linked to them, the Arrow-sourced invoice items no line names, the state of the
month's billing syncs and the last run that read the month. The large parts (statement lines,
lines read but not charged) are streamed by `statement_rows` and `uncharged_rows` as flat rows
(one query each, read by the database cursor in chunks), so a 100 000-line month is never held
in memory. Nothing here writes; `month_close_lines` turns these rows into report lines.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT

from arrow_client.periods import Period
from arrow_client.references import customer_key
from arrow_integration.choices import (
    BILLING_EXPORT_SOURCE,
    COMPENSATION_SOURCE,
    PROVISIONAL_ITEM_SOURCE,
    BillingSyncState,
    PriceSource,
    SyncRunKind,
    SyncRunState,
)
from arrow_integration.models import (
    ArrowBillingSync,
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowCustomerMapping,
    ArrowSettings,
    ArrowSyncRun,
    ArrowUnchargedLine,
)
from core.models import InvoiceItem

STREAM_CHUNK_ROWS = 2000
# Runs that read a month's billing export: imports and validation checks, both reconciliations.
READING_KINDS = (SyncRunKind.BILLING, SyncRunKind.RECONCILIATION, SyncRunKind.CONSUMPTION_RECONCILIATION)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Charge:
    """An invoice item behind an invoiced figure: a charge (statement line, consumption item,
    second charge) or a compensation."""

    uuid: uuid_module.UUID
    amount: Decimal
    invoice_uuid: uuid_module.UUID
    invoice_period: dt.date
    invoice_state: str


# Columns of an invoice item read as a `Charge` (prefixed by the relation that leads to it).
CHARGE_COLUMNS = ("uuid", "unit_price", "quantity", "invoice__uuid", "invoice__period", "invoice__state")


def charge_columns(prefix: str = "") -> tuple[str, ...]:
    return tuple(prefix + column for column in CHARGE_COLUMNS)


def charge_from(values: tuple) -> Charge | None:
    """The `Charge` of six values in `CHARGE_COLUMNS` order (None when the item is absent)."""
    item_uuid, unit_price, quantity, invoice_uuid, invoice_period, invoice_state = values
    if item_uuid is None:
        return None
    return Charge(uuid=item_uuid, amount=unit_price * quantity, invoice_uuid=invoice_uuid,
                  invoice_period=invoice_period, invoice_state=invoice_state)


def _uuid_or_text(value: str) -> uuid_module.UUID | str:
    """A UUID written in an item's details, as the database returns UUID columns (text if it is none)."""
    try:
        return uuid_module.UUID(value)
    except ValueError:
        return value


@dataclass(frozen=True, slots=True)
class SettingsFacts:
    pk: int
    uuid: uuid_module.UUID
    price_source: str
    classification_filter: str

    def amount(self, sell: Decimal, buy: Decimal) -> Decimal:
        """An amount in these settings' invoice price source."""
        return buy if self.price_source == PriceSource.BUY else sell


@dataclass(frozen=True, slots=True)
class MappingFacts:
    settings_id: int
    arrow_reference: str
    arrow_company_name: str
    customer_id: int
    customer_uuid: uuid_module.UUID
    customer_name: str
    active: bool


@dataclass(frozen=True, slots=True)
class ConsumptionMonth:
    """A license-month charged (or to be charged) by consumption tracking: its record."""

    record_uuid: uuid_module.UUID
    license_reference: str
    customer_id: int
    consumed_sell: Decimal
    consumed_buy: Decimal
    final_sell: Decimal | None
    final_buy: Decimal | None
    finalized: bool
    reconciled: bool
    charge: Charge | None
    invoice_item_id: int | None
    currency: str
    resource_name: str
    charged_by_statement: bool


@dataclass(frozen=True, slots=True)
class LinkedLine:
    """A statement line of a license-month charged by consumption (it charges nothing itself)."""

    item_id: int
    item_uuid: uuid_module.UUID
    line_reference: str
    sell: Decimal
    buy: Decimal
    validated: bool
    settings_id: int
    arrow_reference: str
    arrow_company_name: str
    currency: str
    classification: str
    description: str


@dataclass(frozen=True, slots=True)
class Unexpected:
    """An Arrow-sourced invoice item naming the month that no line of the month names."""

    charge: Charge
    source: str
    customer_id: int
    arrow_reference: str
    line_reference: str
    license_reference: str
    currency: str
    name: str


@dataclass
class MonthSources:
    """The small parts of one month, read at once (see the module)."""

    period: Period
    settings: dict[int, SettingsFacts] = field(default_factory=dict)
    # (settings id, customer key of the Arrow reference) -> the live mapping, active first
    mappings: dict[tuple[int, str], MappingFacts] = field(default_factory=dict)
    # local customer id -> its live mapping (active first)
    mapping_of_customer: dict[int, MappingFacts] = field(default_factory=dict)
    # UUID of the sync item or consumption record a compensation corrects -> compensations
    compensations: dict[uuid_module.UUID | str, list[Charge]] = field(default_factory=lambda: defaultdict(list))
    # id of a line's charging sync item -> (uuid, charge) of its second charges
    duplicates: dict[int, list[tuple[uuid_module.UUID, Charge]]] = field(default_factory=lambda: defaultdict(list))
    consumption: list[ConsumptionMonth] = field(default_factory=list)
    # provisional invoice item id -> the statement lines linked to it
    linked_lines: dict[int, list[LinkedLine]] = field(default_factory=lambda: defaultdict(list))
    unexpected: list[Unexpected] = field(default_factory=list)
    # settings id -> True when every billing sync of the month is validated or reconciled
    month_validated: dict[int, bool] = field(default_factory=dict)
    # settings id -> when the last successful run that read the month finished
    checked_at: dict[int, dt.datetime] = field(default_factory=dict)
    # Compensations naming the month but no line or record of it: (what they name, the compensation)
    orphan_compensations: list[tuple[uuid_module.UUID | str, Charge]] = field(default_factory=list)
    # What the lines of one (settings, Arrow customer) share, worked out once (`month_close_lines`).
    owners: dict[tuple, object] = field(default_factory=dict)

    @classmethod
    def load(cls, period: Period) -> MonthSources:
        """Read everything but the streamed rows (twelve queries, whatever the month's size)."""
        sources = cls(period=period)
        sources._load_settings_and_mappings()
        sources._load_invoice_items()
        sources._load_duplicates()
        sources._load_consumption()
        sources._load_month_state()
        return sources

    def mapping(self, settings_id: int | None, reference: str) -> MappingFacts | None:
        if settings_id is None:
            return None
        return self.mappings.get((settings_id, customer_key(reference)))

    def _load_settings_and_mappings(self) -> None:
        for pk, settings_uuid, source, classification in ArrowSettings.objects.values_list(
            "pk", "uuid", "invoice_price_source", "classification_filter"
        ):
            self.settings[pk] = SettingsFacts(pk, settings_uuid, source, classification or "")
        rows = ArrowCustomerMapping.objects.not_archived().order_by("is_active", "id").values_list(
            "settings_id", "arrow_reference", "arrow_company_name", "waldur_customer_id", "waldur_customer__uuid",
            "waldur_customer__name", "is_active",
        )
        for row in rows:  # inactive first: an active mapping of the same key replaces it
            facts = MappingFacts(*row)
            self.mappings[(facts.settings_id, customer_key(facts.arrow_reference))] = facts
            self.mapping_of_customer[facts.customer_id] = facts

    def _load_invoice_items(self) -> None:
        """Compensations naming the month, and its statement and consumption items that no line
        or record names (two queries: with the compensations in the second one, PostgreSQL could
        no longer anti-join the items with the lines and records that name them)."""
        compensations = InvoiceItem.objects.filter(details__source=COMPENSATION_SOURCE, details__period=str(self.period))
        rows = compensations.annotate(
            item_target=KT("details__billing_sync_item_uuid"), record_target=KT("details__consumption_record_uuid"),
        ).order_by("id").values_list(*CHARGE_COLUMNS, "item_target", "record_target")
        for row in rows:
            target = row[6] or row[7]
            if target:
                self.compensations[_uuid_or_text(target)].append(charge_from(row[:6]))
        named_by_line = ArrowBillingSyncItem.objects.filter(invoice_item_id=OuterRef("pk"))
        named_by_record = ArrowConsumptionRecord.objects.filter(invoice_item_id=OuterRef("pk"))
        rows = InvoiceItem.objects.filter(
            details__source__in=[BILLING_EXPORT_SOURCE, PROVISIONAL_ITEM_SOURCE], details__period=str(self.period),
        ).exclude(Exists(named_by_line)).exclude(Exists(named_by_record)).annotate(
            source=KT("details__source"), reference=KT("details__arrow_customer_reference"),
            line=KT("details__line_reference"), license=KT("details__license_reference"),
            currency=KT("details__currency"),
        ).order_by("id").values_list(*CHARGE_COLUMNS, "source", "invoice__customer_id", "reference", "line", "license",
                                     "currency", "name")
        for row in rows:
            source, customer_id, reference, line, license_reference, currency, name = row[6:]
            self.unexpected.append(Unexpected(
                charge=charge_from(row[:6]), source=source, customer_id=customer_id, arrow_reference=reference or "",
                line_reference=line or "", license_reference=license_reference or "", currency=currency or "",
                name=name,
            ))
        self._find_orphans()

    def _find_orphans(self) -> None:
        targets = [target for target in self.compensations if isinstance(target, uuid_module.UUID)]
        known = set(ArrowBillingSyncItem.objects.filter(report_period=self.period.first_day, uuid__in=targets)
                    .values_list("uuid", flat=True))
        known |= set(ArrowConsumptionRecord.objects.filter(billing_period=self.period.first_day, uuid__in=targets)
                     .values_list("uuid", flat=True))
        self.orphan_compensations = [(target, charge) for target, charges in self.compensations.items()
                                     if target not in known for charge in charges]

    def _load_duplicates(self) -> None:
        rows = ArrowBillingSyncItem.objects.filter(
            report_period=self.period.first_day, duplicate_of__isnull=False
        ).order_by("id").values_list("duplicate_of_id", "uuid", "charged_by_consumption", *charge_columns("invoice_item__"))
        for original_id, item_uuid, by_consumption, *charge in rows:
            # A second link to a consumption charge charges nothing itself: its item is the original's.
            self.duplicates[original_id].append((item_uuid, None if by_consumption else charge_from(tuple(charge))))

    def _load_consumption(self) -> None:
        statement_line = ArrowBillingSyncItem.objects.filter(
            report_period=self.period.first_day, license_reference=OuterRef("license_reference"),
            charged_by_consumption=False, duplicate_of__isnull=True,
            billing_sync__customer_mapping__waldur_customer_id=OuterRef("resource__project__customer_id"),
        )
        records = ArrowConsumptionRecord.objects.filter(billing_period=self.period.first_day).annotate(
            by_statement=Exists(statement_line),
        ).order_by("id").values_list(
            "uuid", "license_reference", "resource__project__customer_id", "consumed_sell", "consumed_buy",
            "final_sell", "final_buy", "finalized_at", "reconciled_at", *charge_columns("invoice_item__"),
            "invoice_item_id", "invoice_item__details__currency", "resource__name", "by_statement",
        )
        for row in records:
            (record_uuid, license_reference, customer_id, consumed_sell, consumed_buy, final_sell, final_buy,
             finalized_at, reconciled_at, *rest) = row
            charge = charge_from(tuple(rest[:6]))
            self.consumption.append(ConsumptionMonth(
                record_uuid=record_uuid, license_reference=license_reference, customer_id=customer_id,
                consumed_sell=consumed_sell, consumed_buy=consumed_buy, final_sell=final_sell, final_buy=final_buy,
                finalized=finalized_at is not None, reconciled=reconciled_at is not None, charge=charge,
                invoice_item_id=rest[6], currency=rest[7] or "", resource_name=rest[8], charged_by_statement=rest[9],
            ))
        linked = ArrowBillingSyncItem.objects.filter(
            report_period=self.period.first_day, charged_by_consumption=True, duplicate_of__isnull=True,
        ).order_by("id").values_list(
            "invoice_item_id", "id", "uuid", "arrow_line_reference", "sell_price", "buy_price", "validation_date",
            "billing_sync__customer_mapping__settings_id", "billing_sync__customer_mapping__arrow_reference",
            "billing_sync__customer_mapping__arrow_company_name", "billing_sync__currency", "classification",
            "description",
        )
        for invoice_item_id, item_id, item_uuid, reference, sell, buy, validation_date, *rest in linked:
            self.linked_lines[invoice_item_id].append(LinkedLine(
                item_id, item_uuid, reference, sell, buy, validation_date is not None, *rest,
            ))

    def _load_month_state(self) -> None:
        states = ArrowBillingSync.objects.filter(report_period=self.period.first_day).order_by().values(
            settings_id=F("customer_mapping__settings_id")
        ).annotate(lowest=Min("state"))
        self.month_validated = {row["settings_id"]: row["lowest"] >= BillingSyncState.VALIDATED for row in states}
        whole_month = Q(outcome__license_reference=None) | ~Q(outcome__has_key="license_reference")
        runs = ArrowSyncRun.objects.filter(
            whole_month, period=self.period.first_day, kind__in=READING_KINDS, state=SyncRunState.SUCCEEDED,
        ).order_by().values("settings_id").annotate(last=Max("finished_at"))
        self.checked_at = {row["settings_id"]: row["last"] for row in runs}


STATEMENT_COLUMNS = (
    "id", "uuid", "arrow_line_reference", "license_reference", "classification", "description", "sell_price",
    "buy_price", "validation_date", "billing_sync__state", "billing_sync__currency",
    "billing_sync__customer_mapping__settings_id", "billing_sync__customer_mapping__arrow_reference",
    "billing_sync__customer_mapping__arrow_company_name", "billing_sync__customer_mapping__waldur_customer_id",
    "billing_sync__customer_mapping__waldur_customer__uuid", "billing_sync__customer_mapping__waldur_customer__name",
    *charge_columns("invoice_item__"),
)


def statement_queryset(period: Period) -> QuerySet[ArrowBillingSyncItem]:
    """The month's statement lines that charge themselves (not linked to a consumption charge,
    not second charges), in import order."""
    return ArrowBillingSyncItem.objects.filter(
        report_period=period.first_day, duplicate_of__isnull=True, charged_by_consumption=False,
    ).order_by("billing_sync_id", "id")


def plain_statement_lines(lines: QuerySet[ArrowBillingSyncItem], sources: MonthSources) -> QuerySet[ArrowBillingSyncItem]:
    """Lines charged once and never compensated: what invoiced them is their own invoice item
    alone (a compensation of a line is always its `compensation_item` or one that came before
    it, `billing.line_charges`), so the database can compare them by itself. Lines with second
    charges are known from ``sources`` (few: they come from data of earlier versions)."""
    return lines.filter(compensation_item__isnull=True).exclude(pk__in=list(sources.duplicates))


def special_statement_lines(lines: QuerySet[ArrowBillingSyncItem],
                            sources: MonthSources) -> QuerySet[ArrowBillingSyncItem]:
    """The lines of ``lines`` that are not plain: compensated, or charged more than once."""
    return lines.filter(Q(compensation_item__isnull=False) | Q(pk__in=list(sources.duplicates)))


def statement_rows(lines: QuerySet[ArrowBillingSyncItem]) -> Iterator[tuple]:
    """``lines`` as `STATEMENT_COLUMNS` tuples (one query, fetched in chunks)."""
    return lines.values_list(*STATEMENT_COLUMNS).iterator(chunk_size=STREAM_CHUNK_ROWS)


UNCHARGED_COLUMNS = (
    "arrow_line_reference", "settings_id", "reason", "customer_reference", "customer_name", "license_reference",
    "classification", "description", "sell_price", "buy_price", "currency",
)


def uncharged_queryset(period: Period) -> QuerySet[ArrowUnchargedLine]:
    """The month's lines read but not charged, in the order they were recorded."""
    return ArrowUnchargedLine.objects.filter(report_period=period.first_day).order_by("id")


def uncharged_rows(lines: QuerySet[ArrowUnchargedLine]) -> Iterator[tuple]:
    """``lines`` as `UNCHARGED_COLUMNS` tuples (one query, fetched in chunks)."""
    return lines.values_list(*UNCHARGED_COLUMNS).iterator(chunk_size=STREAM_CHUNK_ROWS)
