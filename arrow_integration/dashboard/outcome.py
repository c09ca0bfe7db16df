"""A run's outcome (the JSON the services store on `ArrowSyncRun.outcome`) as readable tables.

The outcome is split into sections: one table of counts and other single values, then one
section per nested value — a table for a mapping (e.g. Arrow customer → lines), a list for a
list of texts, a table with a column per key for a list of records. Known keys get the labels
and column titles an operator understands; unknown keys still render, with their name made
readable, so an outcome that gains a key never falls back to a raw JSON dump. Pure functions,
no database access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Labels of the outcome keys the services write (billing import, reconciliation, validation
# check, consumption sync and consumption reconciliation).
LABELS = {
    "action": "Action",
    "period": "Month",
    "license_reference": "Only license",
    "force": "Forced",
    "error": "Error",
    "reason": "Reason",
    # billing import
    "pages": "Export pages read",
    "rows": "Export rows read",
    "lines": "Lines of mapped customers",
    "lines_recognised_unchanged": "Lines unchanged since the last import",
    "pages_recognised_unchanged": "Pages unchanged since the last import",
    "unmapped_lines": "Lines of customers without a mapping",
    "unmapped_customers": "Customers with Arrow charges but no mapping",
    "unmapped_line_errors": "Unreadable lines of customers without a mapping",
    "unattributed_line_errors": "Unreadable lines that name no customer",
    "lines_of_other_period": "Lines of another month",
    "lines_of_other_classification": "Lines outside the classification filter",
    "mappings_imported": "Customers imported",
    "mappings_failed": "Customers that failed",
    "items_created": "Lines charged",
    "items_updated": "Lines updated",
    "items_compensated": "Lines corrected by a compensation",
    "items_linked_to_consumption": "Lines already charged by consumption",
    "items_charged_after_issue": "Lines charged on a later invoice (month already issued)",
    "items_unchanged": "Lines unchanged",
    "missing_lines": "Lines missing from Arrow's export",
    "failures": "Failures",
    # reconciliation and validation check
    "reconciled": "Customers reconciled",
    "not_validated": "Customers whose month Arrow has not validated yet",
    "already_reconciled": "Customers already reconciled",
    "compensations": "Compensations created",
    "compensated_amount": "Amount compensated",
    "lines_added": "Lines added from the final export",
    "left_to_consumption_reconciliation": "Lines left to consumption reconciliation",
    "checked": "Billing syncs checked",
    "validated": "Validated by Arrow",
    # consumption sync and reconciliation
    "licenses": "Licenses",
    "records_created": "Consumption records created",
    "records_updated": "Consumption records updated",
    "records_unchanged": "Consumption records unchanged",
    "finalized_skipped": "Finalized records left as they were",
    "charged_by_statement": "License-months already charged by the statement",
    "invoice_not_pending": "License-months whose invoice is issued",
    "failed": "Licenses that failed",
    "errors": "Errors",
    "records_finalized": "Records finalized",
    "records_reconciled": "Records reconciled",
    "compensations_created": "Compensations created",
    "compensation_total": "Amount compensated",
    "skipped_customers": "Customers skipped",
}
# Column titles of nested values: (key column, value column) for mappings, per-key for records.
MAPPING_COLUMNS = {
    "unmapped_customers": ("Arrow customer", "Lines"),
    "missing_lines": ("Arrow customer", "Missing lines"),
    "failures": ("Arrow customer", "Error"),
}
RECORD_COLUMNS = {
    "license_reference": "License",
    "resource_uuid": "Resource UUID",
    "resource_name": "Resource",
    "error": "Error",
}
# Keys whose value is an amount (a decimal string): shown right-aligned and grouped.
MONEY_KEYS = frozenset({"compensated_amount", "compensation_total"})
DEFAULT_MAPPING_COLUMNS = ("Name", "Value")


def label_for(key: str) -> str:
    """The label of an outcome key: the known one, else the key made readable."""
    return LABELS.get(key) or RECORD_COLUMNS.get(key) or key.replace("_", " ").strip().capitalize()


def display_value(value: Any) -> str:
    """A scalar (or a nested value at the depth where tables stop) as text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(display_value(item) for item in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{label_for(str(key))}: {display_value(item)}" for key, item in value.items()) or "—"
    return str(value)


@dataclass
class Row:
    label: str
    value: str
    is_money: bool = False


@dataclass
class Section:
    """One table (or list) of the outcome. ``kind`` is "values", "mapping", "list" or "records"."""

    key: str
    title: str
    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    values: list[Row] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.rows or self.values or self.items)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _mapping_section(key: str, value: dict) -> Section:
    columns = list(MAPPING_COLUMNS.get(key, DEFAULT_MAPPING_COLUMNS))
    rows = [[str(name), display_value(item)] for name, item in value.items()]
    return Section(key=key, title=label_for(key), kind="mapping", columns=columns, rows=rows)


def _records_section(key: str, value: list[dict]) -> Section:
    keys: list[str] = []
    for record in value:
        keys.extend(name for name in record if name not in keys)
    rows = [[display_value(record.get(name)) for name in keys] for record in value]
    columns = [RECORD_COLUMNS.get(name) or label_for(name) for name in keys]
    return Section(key=key, title=label_for(key), kind="records", columns=columns, rows=rows)


def outcome_sections(outcome: Any) -> list[Section]:
    """The outcome as sections: single values first (in the outcome's order), then nested values."""
    if not isinstance(outcome, dict):
        outcome = {} if outcome is None else {"outcome": outcome}
    values = Section(key="values", title="Counts", kind="values")
    nested: list[Section] = []
    for key, value in outcome.items():
        key = str(key)
        if _is_scalar(value):
            values.values.append(Row(label=label_for(key), value=display_value(value), is_money=key in MONEY_KEYS))
        elif isinstance(value, dict):
            nested.append(_mapping_section(key, value))
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            nested.append(_records_section(key, value))
        else:
            items = [display_value(item) for item in value] if isinstance(value, list) else [display_value(value)]
            nested.append(Section(key=key, title=label_for(key), kind="list", items=items))
    return ([values] if not values.is_empty else []) + nested
