"""Enumerations of the Arrow integration, shared by models, services and serializers."""

from decimal import Decimal

from django.db import models

# A difference smaller than this is not worth a compensation item.
COMPENSATION_THRESHOLD = Decimal("0.01")
DEFAULT_CLASSIFICATION_FILTER = "IAAS"
DEFAULT_INVOICE_ITEM_PREFIX = "Arrow"

# `details.source` of the invoice items the integration writes, one value per kind of charge.
BILLING_EXPORT_SOURCE = "arrow_billing_export"  # a billing export line (statement)
PROVISIONAL_ITEM_SOURCE = "arrow_consumption"  # a license-month's consumption, provisional
COMPENSATION_SOURCE = "arrow_compensation"  # a correction of either, on the current open invoice
ARROW_INVOICE_ITEM_SOURCES = (BILLING_EXPORT_SOURCE, PROVISIONAL_ITEM_SOURCE, COMPENSATION_SOURCE)
# The resource attribute naming the vendor of a linked license (written when a license is linked).
ARROW_VENDOR_ATTRIBUTE = "arrow_vendor_name"


class PriceSource(models.TextChoices):
    SELL = "sell", "Sell price"
    BUY = "buy", "Buy price"


class BillingSyncState(models.IntegerChoices):
    """The official client's enum (1..4); do not add values."""

    PENDING = 1, "Pending"
    SYNCED = 2, "Synced"
    VALIDATED = 3, "Validated"
    RECONCILED = 4, "Reconciled"


class ArrowState(models.TextChoices):
    PENDING = "pending"
    VALIDATED = "validated"


class SyncRunKind(models.TextChoices):
    BILLING = "billing"
    RECONCILIATION = "reconciliation"
    CONSUMPTION = "consumption"
    CONSUMPTION_RECONCILIATION = "consumption_reconciliation"
    RESOURCES = "resources"


class SyncRunState(models.TextChoices):
    QUEUED = "queued"  # recorded by whoever queued the task, before a worker took it
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SyncRunTrigger(models.TextChoices):
    """Who asked for a run; blank for runs started otherwise (a command, a direct call)."""

    USER = "user"
    SCHEDULE = "schedule"


class UnchargedReason(models.TextChoices):
    """Why an export line that was read is not charged (`ArrowUnchargedLine`)."""

    CLASSIFICATION = "classification", "Outside the classification filter"
    UNMAPPED_CUSTOMER = "unmapped_customer", "Arrow customer not mapped"


class LedgerAction(models.TextChoices):
    """What a ledger entry records (`ArrowLedgerEntry.action`)."""

    ITEM_CREATED = "item_created", "Invoice item created"
    ITEM_CHANGED = "item_changed", "Invoice item changed"
    ITEM_REMOVED = "item_removed", "Invoice item removed"
    SETTINGS_CREATED = "settings_created", "Settings created"
    SETTINGS_CHANGED = "settings_changed", "Settings changed"
    SETTINGS_ARCHIVED = "settings_archived", "Settings archived"
    SETTINGS_DELETED = "settings_deleted", "Settings deleted"
    MAPPING_CREATED = "mapping_created", "Mapping created"
    MAPPING_CHANGED = "mapping_changed", "Mapping changed"
    MAPPING_ARCHIVED = "mapping_archived", "Mapping archived"
    MAPPING_DELETED = "mapping_deleted", "Mapping deleted"
