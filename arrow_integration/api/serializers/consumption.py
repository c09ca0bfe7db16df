"""Serializers of consumption tracking: records, pending records, action requests and responses.

Record output never invents a relation: `invoice_item_uuid`/`compensation_item_uuid` are null
when there is none; `resource_uuid`/`project_uuid`/`customer_uuid`/`billing_period` always exist
in the model, and `raw_data` is always a JSON object. `adjustment_amount` (final − consumed) is
given in the price source the view puts in the context, null until the record is finalized.
Requests validate periods (`YYYY-MM`, year 2000–2100) and year/month ranges; relations are
given as a UUID or a URL and looked up by the views (unknown: 404). The queued actions share the
billing actions' request shapes (`PeriodRequestSerializer`, `ReconcileRequestSerializer`).
"""

from rest_framework import serializers

from arrow_integration.api.base import ArrowReferenceField, PeriodField
from arrow_integration.api.serializers.billing import PeriodRequestSerializer, UuidOrUrlField
from arrow_integration.choices import PriceSource
from arrow_integration.models import ArrowConsumptionRecord
from core.api.fields import HyperlinkedIdentityField, HyperlinkedRelatedField
from core.models.invoices import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

CLASSIFICATION_MAX_LENGTH = 50


def money_output_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS + 6, decimal_places=MONEY_DECIMAL_PLACES, read_only=True, **kwargs
    )


class ArrowConsumptionRecordSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="arrow-consumption-record-detail", lookup_field="uuid")
    resource = HyperlinkedRelatedField(view_name="resource-detail", lookup_field="uuid", read_only=True)
    resource_uuid = serializers.UUIDField(source="resource.uuid", read_only=True)
    resource_name = serializers.CharField(source="resource.name", read_only=True)
    project_uuid = serializers.UUIDField(source="resource.project.uuid", read_only=True)
    project_name = serializers.CharField(source="resource.project.name", read_only=True)
    customer_uuid = serializers.UUIDField(source="resource.project.customer.uuid", read_only=True)
    customer_name = serializers.CharField(source="resource.project.customer.name", read_only=True)
    invoice_item_uuid = serializers.UUIDField(source="invoice_item.uuid", read_only=True, allow_null=True, default=None)
    compensation_item_uuid = serializers.UUIDField(
        source="compensation_item.uuid", read_only=True, allow_null=True, default=None
    )
    is_finalized = serializers.BooleanField(read_only=True)
    is_reconciled = serializers.BooleanField(read_only=True)
    adjustment_amount = serializers.SerializerMethodField()
    raw_data = serializers.SerializerMethodField()

    class Meta:
        model = ArrowConsumptionRecord
        fields = [
            "uuid", "url", "resource", "resource_uuid", "resource_name", "project_uuid", "project_name",
            "customer_uuid", "customer_name", "license_reference", "billing_period", "consumed_sell",
            "consumed_buy", "final_sell", "final_buy", "invoice_item_uuid", "compensation_item_uuid",
            "last_sync_at", "finalized_at", "reconciled_at", "is_finalized", "is_reconciled",
            "adjustment_amount", "raw_data", "created", "modified",
        ]
        read_only_fields = fields

    def get_adjustment_amount(self, record: ArrowConsumptionRecord) -> str | None:
        amount = record.adjustment_amount(self.context.get("price_source", PriceSource.SELL))
        return None if amount is None else serializers.DecimalField(
            max_digits=MONEY_MAX_DIGITS + 1, decimal_places=MONEY_DECIMAL_PLACES
        ).to_representation(amount)

    def get_raw_data(self, record: ArrowConsumptionRecord) -> dict:
        return record.raw_data if isinstance(record.raw_data, dict) else {}


class PendingRecordSerializer(serializers.ModelSerializer):
    resource_uuid = serializers.UUIDField(source="resource.uuid", read_only=True)
    resource_name = serializers.CharField(source="resource.name", read_only=True)

    class Meta:
        model = ArrowConsumptionRecord
        fields = ["uuid", "resource_uuid", "resource_name", "license_reference", "billing_period",
                  "consumed_sell", "last_sync_at"]
        read_only_fields = fields


class PeriodBreakdownSerializer(serializers.Serializer):
    period = serializers.CharField()
    count = serializers.IntegerField()
    consumed_sell = money_output_field()
    finalized_count = serializers.IntegerField()
    reconciled_count = serializers.IntegerField()


class ConsumptionStatisticsSerializer(serializers.Serializer):
    total_records = serializers.IntegerField()
    pending_records = serializers.IntegerField()
    finalized_records = serializers.IntegerField()
    reconciled_records = serializers.IntegerField()
    total_consumed_sell = money_output_field()
    total_adjustments = money_output_field()
    period_breakdown = PeriodBreakdownSerializer(many=True)


class ConsumptionStatusSerializer(serializers.Serializer):
    global_sync_enabled = serializers.BooleanField()
    settings_sync_enabled = serializers.BooleanField()
    settings_uuid = serializers.UUIDField(allow_null=True)
    last_sync_run = serializers.DateTimeField(allow_null=True)


class TriggerConsumptionSyncRequestSerializer(PeriodRequestSerializer):
    resource_uuid = UuidOrUrlField(required=False, help_text="Sync specific resource only")


def _check_order(attrs: dict, first: str = "period_from", last: str = "period_to") -> dict:
    if attrs.get(first) and attrs.get(last) and attrs[first] > attrs[last]:
        raise serializers.ValidationError({last: [f"Must not be before {first}."]})
    return attrs


class HistoricalConsumptionRequestSerializer(serializers.Serializer):
    resource_uuid = UuidOrUrlField()
    period_from = PeriodField(required=False)
    period_to = PeriodField(required=False)
    force = serializers.BooleanField(required=False, default=False)
    dry_run = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        return _check_order(attrs)


class PreviewPeriodSerializer(serializers.Serializer):
    period = serializers.CharField()
    status = serializers.CharField()
    row_count = serializers.IntegerField()
    consumed_sell = serializers.CharField(required=False)
    consumed_buy = serializers.CharField(required=False)


class SyncErrorSerializer(serializers.Serializer):
    """One failed period; optional keys appear only when the error concerns that object."""

    error = serializers.CharField()
    period = serializers.CharField(required=False)
    subscription_id = serializers.CharField(required=False)
    customer_id = serializers.CharField(required=False)


class HistoricalConsumptionResponseSerializer(serializers.Serializer):
    resource_uuid = serializers.UUIDField()
    resource_name = serializers.CharField()
    periods_synced = serializers.IntegerField()
    periods_skipped = serializers.IntegerField()
    periods_no_data = serializers.IntegerField()
    errors = SyncErrorSerializer(many=True)
    dry_run = serializers.BooleanField()
    preview_periods = PreviewPeriodSerializer(many=True)


class CleanupConsumptionRequestSerializer(serializers.Serializer):
    period_from = PeriodField(required=False)
    period_to = PeriodField(required=False)
    resource_uuid = UuidOrUrlField(required=False)
    only_finalized = serializers.BooleanField(required=False, default=False)
    only_unfinalized = serializers.BooleanField(required=False, default=False)
    dry_run = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        if attrs["only_finalized"] and attrs["only_unfinalized"]:
            raise serializers.ValidationError({"only_unfinalized": ["Cannot be combined with only_finalized."]})
        return _check_order(attrs)


class CleanupConsumptionResponseSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    records_to_delete = serializers.IntegerField()
    records_deleted = serializers.IntegerField()
    compensation_items_affected = serializers.IntegerField()
    invoice_items_affected = serializers.IntegerField()
    records_kept_linked_to_billing = serializers.IntegerField()
    items_kept_on_issued_invoices = serializers.IntegerField()


class SyncPauseRequestSerializer(serializers.Serializer):
    settings_uuid = UuidOrUrlField(required=False, allow_null=True)
    pause_global = serializers.BooleanField(required=False, default=False)


class SyncPauseResponseSerializer(serializers.Serializer):
    paused = serializers.ListField(child=serializers.CharField(), required=False)
    resumed = serializers.ListField(child=serializers.CharField(), required=False)


class FetchConsumptionRequestSerializer(serializers.Serializer):
    license_reference = ArrowReferenceField()
    period = PeriodField()


class FetchConsumptionResponseSerializer(serializers.Serializer):
    license_reference = serializers.CharField()
    period = serializers.CharField()
    row_count = serializers.IntegerField()
    data = serializers.ListField(child=serializers.DictField())


class FetchBillingExportRequestSerializer(serializers.Serializer):
    period_from = PeriodField()
    period_to = PeriodField()
    classification = serializers.CharField(required=False, allow_blank=True, max_length=CLASSIFICATION_MAX_LENGTH)

    def validate(self, attrs):
        return _check_order(attrs)


class FetchBillingExportResponseSerializer(serializers.Serializer):
    period_from = serializers.CharField()
    period_to = serializers.CharField()
    classification = serializers.CharField()
    row_count = serializers.IntegerField()
    total_rows = serializers.IntegerField()
    truncated = serializers.BooleanField()
    data = serializers.ListField(child=serializers.DictField())


class FetchLicenseInfoRequestSerializer(serializers.Serializer):
    license_reference = ArrowReferenceField()


class FetchLicenseInfoResponseSerializer(serializers.Serializer):
    data = serializers.DictField()

