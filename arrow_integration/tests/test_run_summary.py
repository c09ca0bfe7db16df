"""`operator_summary`: what a run did and what needs a person, in sentences, from its outcome."""

from arrow_integration.choices import SyncRunKind
from arrow_integration.services.runs.summary import operator_summary


def test_a_consumption_reconciliation_of_an_unvalidated_month_says_nothing_was_changed():
    outcome = {"period": "2026-11", "reason": "Arrow has not validated the billing of this period yet."}
    assert operator_summary(kind=SyncRunKind.CONSUMPTION_RECONCILIATION, outcome=outcome) == [
        "Arrow has not validated the billing of this period yet. Nothing was changed for 2026-11."]


def test_a_reconciliation_with_nothing_imported_says_to_import_first():
    outcome = {"period": "2026-09", "reconciled": [], "not_validated": [], "failures": {}, "already_reconciled": []}
    assert operator_summary(kind=SyncRunKind.RECONCILIATION, outcome=outcome) == [
        "No imported billing of 2026-09 to reconcile: import the month first (trigger_sync)."]


def test_an_import_names_missing_lines_failures_and_a_retry():
    outcome = {"period": "2026-10", "lines": 3, "items_created": 1, "items_updated": 0, "items_compensated": 0,
               "items_unchanged": 2, "missing_lines": {"XSP100001": ["L1", "L2"]},
               "failures": {"XSP100002": "Billing import of 2026-10 for XSP100002 failed: row 4: Qty not a number"},
               "retryable": True}
    summary = operator_summary(kind=SyncRunKind.BILLING, outcome=outcome, error_message="Arrow unavailable")

    assert summary[0].startswith("Read 3 lines of mapped customers for 2026-10: 1 newly charged")
    assert "no longer in Arrow's export" in summary[1] and "XSP100001: L1, L2" in summary[1]
    assert summary[2].endswith("Qty not a number")
    assert summary[-1] == "Failed: Arrow unavailable. It will be retried."
