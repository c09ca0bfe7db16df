"""Serializers of the month-close report (`month-close/`, `month-close-lines/`) and their queries.

Output only: the rows and lines are the selectors' objects (`selectors.month_close`), shown with
amounts as exact decimal strings, related objects as UUIDs and URLs, and flat lists of the
invoice items behind each `invoiced` figure, so that the CSV has the same cells as the JSON.
"""

import uuid
from decimal import Context, Decimal

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arrow_integration.api.filters.periods import PERIOD_PARAMETER_DESCRIPTION, period_from_month_or_date
from arrow_integration.selectors.month_close import MONTH_STATUSES
from arrow_integration.selectors.month_close_lines import VARIANCE_CLASSES
from core.models.invoices import MONEY_DECIMAL_PLACES

MONEY_OUTPUT_DIGITS = 30
REFERENCE_MAX_LENGTH = 255

STATUS_HELP = (
    "not_checked: no run has read the month's billing export for these settings; provisional: a line "
    "it charges (or, for customers it charges nothing, the month) is not validated by Arrow yet; validated: "
    "validated by Arrow, not every line through its reconciliation; reconciled: every line it charges reconciled."
)
VARIANCE_HELP = (
    "matched (|difference| < 0.01), undercharged, overcharged, missing (an Arrow line in scope that no invoice "
    "item charges), unexpected (an Arrow-sourced invoice item of the month naming no Arrow line), duplicated "
    "(a line charged more than once), excluded (outside the classification filter), unmapped (Arrow customer "
    "not mapped), pending (not validated by Arrow yet: the provisional amount is shown)."
)


_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)
_MONEY_CONTEXT = Context(prec=MONEY_OUTPUT_DIGITS)
_PLACEHOLDER = uuid.UUID(int=0)


def money_text(value: Decimal) -> str:
    """An amount as `money` fields write it (DRF's DecimalField: quantized, fixed-point)."""
    return format(value.quantize(_MONEY_QUANTUM, context=_MONEY_CONTEXT), "f")


def _text(value) -> str | None:
    return None if value is None else str(value)


def money(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_OUTPUT_DIGITS, decimal_places=MONEY_DECIMAL_PLACES,
                                    read_only=True, help_text=help_text)


class MonthField(serializers.CharField):
    """A month as `YYYY-MM` (or a day `YYYY-MM-DD` standing for its month); a Period inside."""

    default_error_messages = {"invalid_period": "Expected a month as YYYY-MM, e.g. 2026-10."}

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return period_from_month_or_date(text)
        except ValueError:
            self.fail("invalid_period")


class MonthCloseQuerySerializer(serializers.Serializer):
    period = MonthField(help_text=f"The month of the report (required). {PERIOD_PARAMETER_DESCRIPTION}")
    settings_uuid = serializers.UUIDField(required=False, help_text="Only rows of these Arrow settings.")
    customer_uuid = serializers.UUIDField(required=False, help_text="Only rows of this local customer.")
    arrow_customer_reference = serializers.CharField(required=False, max_length=REFERENCE_MAX_LENGTH,
                                                     help_text="Only this Arrow customer (XSP reference).")
    status = serializers.ChoiceField(choices=MONTH_STATUSES, required=False, help_text=STATUS_HELP)


class MonthCloseLinesQuerySerializer(MonthCloseQuerySerializer):
    variance_class = serializers.ChoiceField(choices=VARIANCE_CLASSES, required=False, help_text=VARIANCE_HELP)
    license_reference = serializers.CharField(required=False, max_length=REFERENCE_MAX_LENGTH,
                                              help_text="Only lines of this Arrow license (XSP reference).")


def _absolute(request, view_name: str, uuid) -> str | None:
    if uuid is None:
        return None
    path = reverse(view_name, kwargs={"uuid": uuid})
    return request.build_absolute_uri(path) if request is not None else path


class VarianceCountsSerializer(serializers.Serializer):
    """Lines per variance class."""

    def get_fields(self):
        return {name: serializers.IntegerField(read_only=True) for name in VARIANCE_CLASSES}

    def to_representation(self, counts):
        return {name: counts.get(name, 0) for name in VARIANCE_CLASSES}


class MonthCloseRowSerializer(serializers.Serializer):
    period = serializers.CharField(read_only=True, help_text="YYYY-MM")
    settings_uuid = serializers.UUIDField(read_only=True, allow_null=True)
    settings = serializers.SerializerMethodField()
    arrow_customer_reference = serializers.CharField(read_only=True)
    arrow_customer_name = serializers.CharField(read_only=True)
    customer_uuid = serializers.UUIDField(read_only=True, allow_null=True, help_text="Null when not mapped.")
    customer = serializers.SerializerMethodField()
    customer_name = serializers.CharField(read_only=True, allow_null=True)
    currency = serializers.CharField(read_only=True)
    price_source = serializers.CharField(read_only=True, help_text="The settings' invoice price source.")
    status = serializers.ChoiceField(choices=MONTH_STATUSES, read_only=True, help_text=STATUS_HELP)
    arrow_total = money("Every Arrow line of the month read for this customer, in the price source.")
    arrow_in_scope = money("The lines within the settings' classification filter.")
    invoiced = money("The invoice items the lines name: statement and consumption items, second charges and "
                     "the compensations that name the month, wherever they sit.")
    compensated = money("The compensations among them.")
    difference = money("arrow_in_scope − invoiced (positive: less invoiced than Arrow billed).")
    arrow_buy_total = money("Arrow's buy amount of every line.")
    margin = money("invoiced − Arrow's buy amount of the lines in scope.")
    lines = serializers.IntegerField(read_only=True)
    counts = VarianceCountsSerializer(read_only=True, help_text="Lines per variance class.")
    checked_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                           help_text="When the last successful run that read the month finished.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_settings(self, row) -> str | None:
        return _absolute(self.context.get("request"), "arrow-settings-detail", row.settings_uuid)

    @extend_schema_field(OpenApiTypes.URI)
    def get_customer(self, row) -> str | None:
        return _absolute(self.context.get("request"), "customer-detail", row.customer_uuid)


class MonthCloseLineSerializer(serializers.Serializer):
    period = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="statement (a line that charges itself), consumption "
                                 "(a license-month charged by consumption), uncharged (read, not charged), "
                                 "invoice_item (an item naming no line).")
    settings_uuid = serializers.UUIDField(read_only=True, allow_null=True)
    arrow_customer_reference = serializers.CharField(read_only=True)
    arrow_customer_name = serializers.CharField(read_only=True)
    customer_uuid = serializers.UUIDField(read_only=True, allow_null=True)
    customer_name = serializers.CharField(read_only=True, allow_null=True)
    license_reference = serializers.CharField(read_only=True)
    line_references = serializers.ListField(child=serializers.CharField(), read_only=True,
                                            help_text="Arrow's line references (Sequence) of the row.")
    description = serializers.CharField(read_only=True)
    classification = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    variance_class = serializers.ChoiceField(choices=VARIANCE_CLASSES, read_only=True, help_text=VARIANCE_HELP)
    reason = serializers.CharField(read_only=True, help_text="Why the line is in its class, in words.")
    arrow_amount = money("Arrow's amount in the settings' price source (the provisional one while pending).")
    arrow_buy = money("Arrow's buy amount.")
    in_scope = serializers.BooleanField(read_only=True)
    validated = serializers.BooleanField(read_only=True, help_text="Validated by Arrow.")
    invoiced = money("The sum of the invoice items and compensations listed.")
    compensated = money("The compensations among them.")
    difference = money("arrow_amount (when in scope) − invoiced.")
    invoice_item_uuids = serializers.SerializerMethodField()
    invoice_item_urls = serializers.SerializerMethodField()
    compensation_uuids = serializers.SerializerMethodField()
    compensation_urls = serializers.SerializerMethodField()

    def to_representation(self, line) -> dict:
        """The fields above, written directly: a month's CSV serializes 100 000 lines, which DRF's
        field-by-field machinery would take a minute for. Same output (tests compare with JSON)."""
        url = self._item_url
        return {
            "period": str(line.period), "kind": line.kind, "settings_uuid": _text(line.settings_uuid),
            "arrow_customer_reference": line.arrow_customer_reference,
            "arrow_customer_name": line.arrow_customer_name, "customer_uuid": _text(line.customer_uuid),
            "customer_name": line.customer_name, "license_reference": line.license_reference,
            "line_references": list(line.line_references), "description": line.description,
            "classification": line.classification, "currency": line.currency,
            "variance_class": line.variance_class, "reason": line.reason,
            "arrow_amount": money_text(line.arrow_amount), "arrow_buy": money_text(line.arrow_buy),
            "in_scope": line.in_scope, "validated": line.validated, "invoiced": money_text(line.invoiced),
            "compensated": money_text(line.compensated), "difference": money_text(line.difference),
            "invoice_item_uuids": [str(charge.uuid) for charge in line.charges],
            "invoice_item_urls": [url(charge.uuid) for charge in line.charges],
            "compensation_uuids": [str(charge.uuid) for charge in line.compensations],
            "compensation_urls": [url(charge.uuid) for charge in line.compensations],
        }

    def _item_url(self, uuid) -> str:
        prefix = getattr(self, "_item_url_prefix", None)
        if prefix is None:
            prefix = self._item_url_prefix = _absolute(self.context.get("request"), "invoiceitem-detail", _PLACEHOLDER)
        return prefix.replace(str(_PLACEHOLDER), str(uuid))

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_invoice_item_uuids(self, line) -> list[str]:
        return [str(charge.uuid) for charge in line.charges]

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_invoice_item_urls(self, line) -> list[str]:
        return [self._item_url(charge.uuid) for charge in line.charges]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_compensation_uuids(self, line) -> list[str]:
        return [str(charge.uuid) for charge in line.compensations]

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_compensation_urls(self, line) -> list[str]:
        return [self._item_url(charge.uuid) for charge in line.compensations]
