"""What a finished run did, in sentences an operator reads: the outcome's `operator_summary`.

Every run's outcome holds the counts its job computed (for programs and the worker log); the
summary says the same in words, and above all what needs a person: Arrow customers with charges
but no mapping, lines left out by the classification filter, a month Arrow has not validated yet
(and that nothing was changed because of it), lines no longer in Arrow's export, failures.
`sync_run_finish` stores it with the outcome (`operator_summary`, a list of sentences). Pure:
it reads the outcome dict only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from arrow_integration.choices import SyncRunKind

SUMMARY_KEY = "operator_summary"
SHOWN_NAMES = 5  # customers or lines named in one sentence; the rest are counted


def _names(values, shown: int = SHOWN_NAMES) -> str:
    values = [str(value) for value in values]
    text = ", ".join(values[:shown])
    return f"{text} and {len(values) - shown} more" if len(values) > shown else text


def _amount(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _uncharged(outcome: Mapping, key: str, what: str) -> list[str]:
    found = outcome.get(key)
    if not isinstance(found, Mapping) or not found:
        return []
    lines = sum(int(entry.get("lines", 0)) for entry in found.values() if isinstance(entry, Mapping))
    customers = [
        f"{reference} {entry.get('customer_name') or ''} ({_plural(int(entry.get('lines', 0)), 'line')}, "
        f"sell {_amount(entry.get('sell', 0))})".replace("  ", " ")
        for reference, entry in found.items() if isinstance(entry, Mapping)
    ]
    return [f"{_plural(lines, 'line')} {what} were not charged: {_names(customers)}."]


def _missing_lines(outcome: Mapping) -> list[str]:
    missing = outcome.get("missing_lines")
    if not isinstance(missing, Mapping) or not missing:
        return []
    lines = [f"{reference}: {_names(references)}" for reference, references in missing.items()]
    return [f"Lines invoiced earlier are no longer in Arrow's export (not credited; check them): {_names(lines)}."]


def _failures(outcome: Mapping) -> list[str]:
    failures = outcome.get("failures")
    if not isinstance(failures, Mapping):
        return []
    return [str(message) for message in failures.values()]


def _billing(outcome: Mapping) -> list[str]:
    period = outcome.get("period", "the month")
    if outcome.get("action") == "validation_check":
        validated = outcome.get("validated") or []
        if not outcome.get("checked"):
            return [f"No billing sync of {period} was waiting for Arrow's validation."]
        if validated:
            return [f"Arrow validated {period} for {_names(validated)}."]
        return [f"Arrow has not validated {period} yet (or the month has not ended): nothing was changed."]
    if "items_created" not in outcome:
        return []
    sentences = [
        f"Read {_plural(int(outcome.get('lines', 0)), 'line')} of mapped customers for {period}: "
        f"{outcome.get('items_created', 0)} newly charged, {outcome.get('items_updated', 0)} updated, "
        f"{outcome.get('items_compensated', 0)} compensated, {outcome.get('items_unchanged', 0)} unchanged."
    ]
    if outcome.get("items_linked_to_consumption"):
        sentences.append(f"{_plural(int(outcome['items_linked_to_consumption']), 'line')} of license-months "
                         "charged by consumption were linked, not charged again.")
    if outcome.get("items_charged_after_issue"):
        sentences.append(f"{_plural(int(outcome['items_charged_after_issue']), 'new line')} of a month whose "
                         "invoice was already issued went on the current invoice.")
    sentences += _uncharged(outcome, "unmapped_by_customer", "of Arrow customers without a mapping")
    sentences += _uncharged(outcome, "excluded_by_classification", "outside the classification filter")
    sentences += _missing_lines(outcome)
    if outcome.get("lines_matched_by_name"):
        sentences.append(f"{_plural(int(outcome['lines_matched_by_name']), 'line')} were assigned by company name "
                         "only (no customer id matched): a renamed company would be missed.")
    return sentences + _failures(outcome)


def _reconciliation(outcome: Mapping) -> list[str]:
    period = outcome.get("period", "the month")
    sentences = []
    reconciled, not_validated = outcome.get("reconciled") or [], outcome.get("not_validated") or []
    if not reconciled and not not_validated and not outcome.get("failures"):
        already = outcome.get("already_reconciled") or []
        if already:
            return [f"{period} was already reconciled for {_names(already)}: nothing was changed."]
        return [f"No imported billing of {period} to reconcile: import the month first (trigger_sync)."]
    if not_validated:
        sentences.append(f"{period} is not validated by Arrow yet for {_names(not_validated)}: nothing was changed "
                         "for them. Reconcile again once Arrow has validated the month (or with force).")
    if reconciled:
        sentences.append(
            f"Reconciled {period} for {_names(reconciled)}: {_plural(int(outcome.get('compensations', 0)), 'compensation')}"
            f" totalling {_amount(outcome.get('compensated_amount', 0))}, "
            f"{_plural(int(outcome.get('lines_added', 0)), 'line')} added from the final export.")
    if outcome.get("left_to_consumption_reconciliation"):
        sentences.append(f"{_plural(int(outcome['left_to_consumption_reconciliation']), 'line')} of license-months "
                         "charged by consumption are left to the consumption reconciliation (trigger_reconciliation).")
    return sentences + _missing_lines(outcome) + _failures(outcome)


def _consumption(outcome: Mapping) -> list[str]:
    if "licenses" not in outcome:
        return []
    sentences = [f"Synced the consumption of {_plural(int(outcome.get('licenses', 0)), 'linked license')}: "
                 f"{outcome.get('items_created', 0)} provisional items created, "
                 f"{outcome.get('items_updated', 0)} updated."]
    if outcome.get("charged_by_statement"):
        sentences.append(f"{_plural(int(outcome['charged_by_statement']), 'license-month')} already charged by "
                         "statement lines got no provisional item.")
    if outcome.get("invoice_not_pending"):
        sentences.append(f"{_plural(int(outcome['invoice_not_pending']), 'item')} sit on issued invoices and were "
                         "left as they are (reconciliation settles them).")
    if outcome.get("failed"):
        sentences.append(f"{_plural(int(outcome['failed']), 'license')} could not be synced; see errors.")
    return sentences


def _consumption_reconciliation(outcome: Mapping) -> list[str]:
    period = outcome.get("period", "the month")
    if outcome.get("reason"):
        return [f"{outcome['reason']} Nothing was changed for {period}."]
    sentences = [f"Finalized {_plural(int(outcome.get('records_finalized', 0)), 'consumption record')} of {period}, "
                 f"reconciled {outcome.get('records_reconciled', 0)}: "
                 f"{_plural(int(outcome.get('compensations_created', 0)), 'compensation')} totalling "
                 f"{_amount(outcome.get('compensation_total', 0))}."]
    if outcome.get("force") and not outcome.get("validated"):
        sentences.append(f"{period} is not validated by Arrow: finalized anyway (force).")
    for skipped in outcome.get("skipped_customers") or []:
        if isinstance(skipped, Mapping):
            sentences.append(f"{skipped.get('customer_name')} was left unreconciled: "
                             f"{_names(skipped.get('problems') or [])}.")
    return sentences


_BY_KIND: dict[str, Callable[[Mapping], list[str]]] = {
    SyncRunKind.BILLING: _billing,
    SyncRunKind.RECONCILIATION: _reconciliation,
    SyncRunKind.CONSUMPTION: _consumption,
    SyncRunKind.CONSUMPTION_RECONCILIATION: _consumption_reconciliation,
}


def operator_summary(*, kind: str, outcome: Mapping, error_message: str = "") -> list[str]:
    """Sentences saying what a run of ``kind`` with ``outcome`` did and what needs a person."""
    sentences = _BY_KIND.get(kind, lambda _outcome: [])(outcome)
    if error_message and error_message not in sentences:
        retry = " It will be retried." if outcome.get("retryable") else ""
        sentences.append(f"Failed: {error_message}.{retry}".replace("..", "."))
    return sentences
