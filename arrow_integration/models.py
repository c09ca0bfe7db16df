"""Arrow state: settings, mappings, billing syncs and their items, consumption records, sync runs
(and, from `ledger_entry`, the append-only ledger).

Models hold fields, constraints and state transitions only; every write of business data goes
through arrow_integration.services. Settings and customer mappings are never deleted once billing
refers to them: deleting them through the API archives them (`archived_at`), which hides them
from the API and from every run.
"""

from decimal import Decimal

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from arrow_integration.accounts import arrow_account_key
from arrow_integration.choices import (
    DEFAULT_CLASSIFICATION_FILTER,
    DEFAULT_INVOICE_ITEM_PREFIX,
    ArrowState,
    BillingSyncState,
    PriceSource,
    SyncRunKind,
    SyncRunState,
    SyncRunTrigger,
    UnchargedReason,
)
from arrow_integration.crypto import decrypt_secret, encrypt_secret
from arrow_integration.ledger_entry import ArrowLedgerEntry as ArrowLedgerEntry  # registered with the others
from arrow_integration.url_guard import UnsafeApiUrl, api_url_origin, api_url_validate
from core.models import Customer, Invoice, InvoiceItem, Offering, Plan, Resource, UuidModel
from core.models.invoices import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


def money_field(**kwargs) -> models.DecimalField:
    kwargs.setdefault("default", Decimal(0))
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


# Arrow customer and license references: "XSP" and digits. They go into Arrow URL paths.
ARROW_REFERENCE_PATTERN = r"^XSP[0-9]+\Z"
ARROW_REFERENCE_MESSAGE = "An Arrow reference is XSP followed by digits, e.g. XSP100001."


def arrow_reference_validators() -> list:
    return [RegexValidator(ARROW_REFERENCE_PATTERN, ARROW_REFERENCE_MESSAGE)]


def _origin_or_empty(url: str) -> str:
    try:
        return api_url_origin(url)
    except UnsafeApiUrl:
        return ""


class ArchivableQuerySet(models.QuerySet):
    def not_archived(self):
        """Rows the API shows and runs use: those not deleted (archived) through the API."""
        return self.filter(archived_at__isnull=True)


class ArrowSettings(UuidModel):
    api_url = models.URLField(max_length=255)
    # Fernet token of the API key; use the `api_key` property, never this field directly.
    api_key_encrypted = models.TextField()
    # scheme://host:port of `api_url` when the key was set: the key is sent nowhere else
    # (clients.arrow_client_for), so a URL changed without the key again cannot receive it.
    api_key_origin = models.CharField(max_length=255, blank=True, editable=False)
    export_type_reference = models.CharField(max_length=255, blank=True)
    classification_filter = models.CharField(max_length=50, default=DEFAULT_CLASSIFICATION_FILTER, blank=True)
    is_active = models.BooleanField(default=True)
    sync_enabled = models.BooleanField(default=False)
    auto_reconcile = models.BooleanField(default=False)
    partner_reference = models.CharField(max_length=255, blank=True)
    partner_name = models.CharField(max_length=255, blank=True)
    invoice_price_source = models.CharField(max_length=4, choices=PriceSource.choices, default=PriceSource.SELL)
    invoice_item_prefix = models.CharField(max_length=255, default=DEFAULT_INVOICE_ITEM_PREFIX, blank=True)
    # Set when deleted through the API (then also inactive): kept for the billing that refers to it.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "Arrow settings"
        ordering = ["-created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="arrow_settings_single_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_name or self.api_url} ({'active' if self.is_active else 'inactive'})"

    def __repr__(self) -> str:
        return f"<ArrowSettings {self.uuid} {self.api_url}>"

    def clean(self) -> None:
        """Refuse an `api_url` the server may not call (see `url_guard`)."""
        super().clean()
        if not self.api_url:
            return
        try:
            api_url_validate(self.api_url)
        except UnsafeApiUrl as exc:
            raise ValidationError({"api_url": [str(exc)]}) from None

    @property
    def arrow_account(self) -> str:
        """The Arrow account these settings read (scopes the identity of Arrow lines)."""
        return arrow_account_key(partner_reference=self.partner_reference, api_url=self.api_url)

    @property
    def api_key(self) -> str:
        return decrypt_secret(self.api_key_encrypted)

    @api_key.setter
    def api_key(self, value: str) -> None:
        """Store the key encrypted, bound to the origin of the current `api_url` (set the URL first)."""
        self.api_key_encrypted = encrypt_secret(value)
        self.api_key_origin = _origin_or_empty(self.api_url)


class ArrowCustomerMapping(UuidModel):
    settings = models.ForeignKey(ArrowSettings, on_delete=models.CASCADE, related_name="customer_mappings")
    arrow_reference = models.CharField(max_length=255, validators=arrow_reference_validators())
    arrow_company_name = models.CharField(max_length=255, blank=True)
    waldur_customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="arrow_mappings")
    is_active = models.BooleanField(default=True)
    # Set when deleted through the API (then also inactive): its billing syncs keep referring to it.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["arrow_company_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["settings", "arrow_reference"], condition=Q(archived_at__isnull=True),
                                    name="arrow_customer_mapping_unique"),
            # One Arrow customer is charged through one mapping at a time, whatever the settings row.
            models.UniqueConstraint(Upper("arrow_reference"), condition=Q(is_active=True, archived_at__isnull=True),
                                    name="arrow_customer_mapping_single_active"),
        ]

    def __str__(self) -> str:
        return f"{self.arrow_reference} → {self.waldur_customer}"


class ArrowVendorOfferingMapping(UuidModel):
    settings = models.ForeignKey(ArrowSettings, on_delete=models.CASCADE, related_name="vendor_mappings")
    arrow_vendor_name = models.CharField(max_length=255)
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="arrow_vendor_mappings")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["arrow_vendor_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["settings", "arrow_vendor_name"], name="arrow_vendor_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.arrow_vendor_name} → {self.offering}"


class InvalidTransition(Exception):
    """A billing sync was asked to move to a state it cannot reach from its current one."""


class ArrowBillingSync(UuidModel):
    """One customer mapping's billing for one month (first day of the month)."""

    customer_mapping = models.ForeignKey(ArrowCustomerMapping, on_delete=models.PROTECT, related_name="billing_syncs")
    report_period = models.DateField()
    statement_reference = models.CharField(max_length=255, blank=True)
    arrow_state = models.CharField(max_length=20, choices=ArrowState.choices, default=ArrowState.PENDING)
    state = models.PositiveSmallIntegerField(choices=BillingSyncState.choices, default=BillingSyncState.PENDING)
    buy_total = money_field()
    sell_total = money_field()
    currency = models.CharField(max_length=3, blank=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="arrow_billing_syncs")
    error_message = models.TextField(blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-report_period", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer_mapping", "report_period"], name="arrow_billing_sync_unique")
        ]

    def __str__(self) -> str:
        return f"{self.customer_mapping.arrow_reference} {self.report_period:%Y-%m}"

    def _move(self, target: int, allowed_from: set[int], stamp: str) -> None:
        if self.state == target:
            return
        if self.state not in allowed_from:
            raise InvalidTransition(
                f"Billing sync {self.uuid} cannot go from {self.get_state_display()} to {BillingSyncState(target).label}."
            )
        self.state = target
        setattr(self, stamp, timezone.now())
        self.save(update_fields=["state", stamp, "modified"])

    def mark_synced(self) -> None:
        """Billing lines imported. Re-imports of a synced period only refresh `synced_at`."""
        if self.state == BillingSyncState.PENDING:
            self._move(BillingSyncState.SYNCED, {BillingSyncState.PENDING}, "synced_at")
        else:
            self.synced_at = timezone.now()
            self.save(update_fields=["synced_at", "modified"])

    def mark_validated(self) -> None:
        self.arrow_state = ArrowState.VALIDATED
        self.save(update_fields=["arrow_state", "modified"])
        self._move(BillingSyncState.VALIDATED, {BillingSyncState.SYNCED}, "validated_at")

    def mark_reconciled(self, *, force: bool = False) -> None:
        allowed = {BillingSyncState.VALIDATED} | ({BillingSyncState.SYNCED} if force else set())
        self._move(BillingSyncState.RECONCILED, allowed, "reconciled_at")


class ArrowBillingSyncItem(UuidModel):
    """One line of a billing export, and the invoice item that charges it.

    A line is identified by (``arrow_account``, ``report_period``, ``arrow_line_reference``),
    across settings rows and mappings: at most one item (not marked ``duplicate_of``) per line,
    whichever sync holds it now (SPEC 6.9).
    """

    # Indexed by `arrow_sync_item_listing`, which starts with it.
    billing_sync = models.ForeignKey(ArrowBillingSync, on_delete=models.CASCADE, related_name="items",
                                     db_index=False)
    arrow_account = models.CharField(max_length=255)  # `ArrowSettings.arrow_account` of the reader
    report_period = models.DateField()  # the sync's month, repeated for the identity constraint
    arrow_line_reference = models.CharField(max_length=255)
    # A second charge of a line found by migration 0005 in data written before lines had an
    # identity; `manage repair_duplicate_charges` settles it. Never set by the import.
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="duplicates", db_index=False)
    invoice_item = models.ForeignKey(InvoiceItem, on_delete=models.PROTECT, related_name="+")
    # The amount first invoiced for the line, in the settings' price source.
    original_price = money_field()
    sell_price = money_field()
    buy_price = money_field()
    # The line's amount in the final (validated) export, set by reconciliation.
    final_price = money_field(null=True, blank=True, default=None)
    compensation_item = models.ForeignKey(
        InvoiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vendor_name = models.CharField(max_length=255, blank=True)
    subscription_reference = models.CharField(max_length=255, blank=True)
    license_reference = models.CharField(max_length=255, blank=True, db_index=True)
    classification = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)
    quantity = money_field(default=Decimal(1))
    # True when the license-month was already charged by consumption tracking: `invoice_item`
    # is then that provisional item and consumption reconciliation settles the difference.
    charged_by_consumption = models.BooleanField(default=False)
    validation_date = models.DateField(null=True, blank=True)
    # Digest of the export row last imported for this item (`services.billing_fingerprints`):
    # a re-import skips rows whose digest is unchanged. Empty: compare the row in full.
    line_fingerprint = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["billing_sync_id", "id"]
        # The list endpoint's order (PostgreSQL would otherwise sort every item for each page).
        indexes = [
            models.Index(fields=["billing_sync", "id"], name="arrow_sync_item_listing"),
            # Only the few duplicates are indexed: inserts of ordinary items do not maintain it.
            models.Index(fields=["duplicate_of"], condition=Q(duplicate_of__isnull=False),
                         name="arrow_sync_item_duplicates"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["arrow_account", "report_period", "arrow_line_reference"],
                condition=Q(duplicate_of__isnull=True), name="arrow_billing_line_charged_once",
            )
        ]

    def __str__(self) -> str:
        return self.arrow_line_reference


class ArrowBillingExportPage(models.Model):
    """A page of a month's billing export as the last complete import found it (internal).

    ``digest`` covers the page's rows and everything that decided how they were grouped and
    fingerprinted; ``lines`` holds, for each row, [mapping id, line reference, fingerprint,
    license reference]. A re-import that reads a page with the same digest takes these instead
    of digesting every row again (`services.billing_page_records`).
    """

    settings = models.ForeignKey(ArrowSettings, on_delete=models.CASCADE, related_name="+")
    report_period = models.DateField()
    number = models.PositiveIntegerField()
    digest = models.CharField(max_length=32)
    # JSON text: written and read whole, never queried (PostgreSQL would parse JSONB for nothing).
    lines = models.TextField(default="[]")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["settings", "report_period", "number"],
                                    name="arrow_billing_export_page_unique")
        ]

    def __str__(self) -> str:
        return f"page {self.number} of {self.report_period:%Y-%m}"


class ArrowUnchargedLine(UuidModel):
    """An export line that was read but not charged, and why (SPEC 6.10).

    Lines outside the settings' classification filter, and lines of Arrow customers without an
    active mapping. A full import of a (settings, month) replaces that month's rows of the
    settings; a line that gets charged later (by any settings row) leaves the table.
    """

    settings = models.ForeignKey(ArrowSettings, on_delete=models.CASCADE, related_name="+")
    arrow_account = models.CharField(max_length=255)
    report_period = models.DateField()
    arrow_line_reference = models.CharField(max_length=255)
    reason = models.CharField(max_length=30, choices=UnchargedReason.choices)
    customer_reference = models.CharField(max_length=255, blank=True)
    customer_name = models.CharField(max_length=255, blank=True)
    license_reference = models.CharField(max_length=255, blank=True)
    classification = models.CharField(max_length=50, blank=True)
    vendor_name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    sell_price = money_field()
    buy_price = money_field()
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["report_period", "id"]
        indexes = [models.Index(fields=["report_period", "customer_reference"], name="arrow_uncharged_by_period")]
        constraints = [
            models.UniqueConstraint(fields=["arrow_account", "report_period", "arrow_line_reference"],
                                    name="arrow_uncharged_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.arrow_line_reference} {self.report_period:%Y-%m} ({self.reason})"


class ArrowConsumptionRecord(UuidModel):
    """Consumption of one license by one resource in one month, provisional until finalized."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="arrow_consumption_records")
    license_reference = models.CharField(max_length=255)
    billing_period = models.DateField()
    consumed_sell = money_field()
    consumed_buy = money_field()
    final_sell = money_field(null=True, blank=True, default=None)
    final_buy = money_field(null=True, blank=True, default=None)
    invoice_item = models.ForeignKey(InvoiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    compensation_item = models.ForeignKey(
        InvoiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_sync_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    raw_data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-billing_period", "id"]
        # The list endpoint's order: its first page is read from the index, not sorted from all rows.
        indexes = [models.Index(fields=["-billing_period", "id"], name="arrow_consumption_listing")]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "billing_period", "license_reference"], name="arrow_consumption_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.license_reference} {self.billing_period:%Y-%m}"

    @property
    def is_finalized(self) -> bool:
        return self.finalized_at is not None

    @property
    def is_reconciled(self) -> bool:
        return self.reconciled_at is not None

    def adjustment_amount(self, price_source: str) -> Decimal | None:
        """Final minus consumed in the given price source; None until finalized."""
        if price_source == PriceSource.BUY:
            return None if self.final_buy is None else self.final_buy - self.consumed_buy
        return None if self.final_sell is None else self.final_sell - self.consumed_sell


class ArrowSyncRun(UuidModel):
    """Progress and outcome of one background job (billing import, reconciliation, consumption…).

    Queued (`created` is then the time it was queued) by the API or the schedule before its task
    is handed to the broker, or created running by a job started otherwise; then running
    (`started_at`), then succeeded or failed (`finished_at`). Written by `services.runs.records`.
    """

    settings = models.ForeignKey(ArrowSettings, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=40, choices=SyncRunKind.choices)
    period = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=SyncRunState.choices, default=SyncRunState.RUNNING)
    triggered_by = models.CharField(max_length=20, choices=SyncRunTrigger.choices, blank=True)
    triggered_by_user = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.period or ''} {self.state}"


class ArrowSyncControl(UuidModel):
    """Global switches of the background syncs (one row, key "global").

    ``scheduled_syncs_paused`` stops every periodic run (billing imports, validation checks and
    reconciliations, consumption syncs); runs triggered through the API still run.
    """

    GLOBAL_KEY = "global"

    key = models.CharField(max_length=20, unique=True, default=GLOBAL_KEY)
    scheduled_syncs_paused = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {'paused' if self.scheduled_syncs_paused else 'running'}"
