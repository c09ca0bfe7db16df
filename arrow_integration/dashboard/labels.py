"""What the dashboard calls the month-close report's statuses and variance classes."""

from arrow_integration.selectors.month_close_lines import VARIANCE_CLASSES

STATUS_LABELS = {"not_checked": "Not checked", "provisional": "Provisional", "validated": "Validated",
                 "reconciled": "Reconciled"}
CLASS_LABELS = {name: name.capitalize() for name in VARIANCE_CLASSES}
# What each class means, in a few words.
CLASS_HELP = {
    "matched": "invoiced as billed (within 0.01)",
    "undercharged": "less invoiced than Arrow billed",
    "overcharged": "more invoiced than Arrow billed",
    "missing": "an Arrow line that no invoice item charges",
    "unexpected": "an invoice item that names no Arrow line",
    "duplicated": "an Arrow line charged more than once",
    "excluded": "outside the settings' classification filter",
    "unmapped": "its Arrow customer has no mapping",
    "pending": "not validated by Arrow yet: the provisional amount",
}
