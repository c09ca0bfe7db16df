"""Serializers of customer mappings, vendor-offering mappings and the customer billing summary.

Relations accept a UUID or the object's URL on input. On output they follow the official client:
a customer mapping's create answer carries `settings`/`waldur_customer` as UUIDs, its other answers
as URLs; a vendor mapping carries `offering` and `plan` as UUIDs everywhere and `settings` as a UUID
in its create answer only. `plan_uuid`/`plan_name` are null when the mapping has no plan.
Uniqueness and the plan/offering rule are enforced by `services.configuration.mappings`, not here.
"""

from rest_framework import serializers

from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowVendorOfferingMapping
from core.api.fields import HyperlinkedIdentityField, UuidOrUrlRelatedField
from core.models import Customer, Offering, Plan

# Summary amounts are shown with cents (the reference's pattern for computed totals).
SUMMARY_DECIMAL_PLACES = 2
SUMMARY_MAX_DIGITS = 20


def settings_field(*, as_uuid: bool) -> UuidOrUrlRelatedField:
    return UuidOrUrlRelatedField(view_name="arrow-settings-detail", queryset=ArrowSettings.objects.not_archived(),
                                 as_uuid=as_uuid)


class ArrowCustomerMappingSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="arrow-customer-mapping-detail", lookup_field="uuid")
    settings = settings_field(as_uuid=False)
    settings_uuid = serializers.UUIDField(source="settings.uuid", read_only=True)
    waldur_customer = UuidOrUrlRelatedField(view_name="customer-detail", queryset=Customer.objects.all())
    waldur_customer_uuid = serializers.UUIDField(source="waldur_customer.uuid", read_only=True)
    waldur_customer_name = serializers.CharField(source="waldur_customer.name", read_only=True)

    class Meta:
        model = ArrowCustomerMapping
        fields = [
            "uuid", "url", "settings", "settings_uuid", "arrow_reference", "arrow_company_name",
            "waldur_customer", "waldur_customer_uuid", "waldur_customer_name", "is_active", "created", "modified",
        ]
        read_only_fields = ["uuid", "created", "modified"]
        # Duplicates are reported by the service (race-proof, with a message naming the reference).
        validators = []


class ArrowCustomerMappingCreateSerializer(ArrowCustomerMappingSerializer):
    settings = settings_field(as_uuid=True)
    waldur_customer = UuidOrUrlRelatedField(view_name="customer-detail", queryset=Customer.objects.all(), as_uuid=True)


class ArrowVendorOfferingMappingSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="arrow-vendor-offering-mapping-detail", lookup_field="uuid")
    settings = settings_field(as_uuid=False)
    settings_uuid = serializers.UUIDField(source="settings.uuid", read_only=True)
    offering = UuidOrUrlRelatedField(view_name="offering-detail", queryset=Offering.objects.all(), as_uuid=True)
    offering_uuid = serializers.UUIDField(source="offering.uuid", read_only=True)
    offering_name = serializers.CharField(source="offering.name", read_only=True)
    offering_type = serializers.CharField(source="offering.type", read_only=True)
    plan = UuidOrUrlRelatedField(
        view_name="plan-detail", queryset=Plan.objects.all(), as_uuid=True, required=False, allow_null=True
    )
    plan_uuid = serializers.UUIDField(source="plan.uuid", read_only=True, allow_null=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True, allow_null=True)

    class Meta:
        model = ArrowVendorOfferingMapping
        fields = [
            "uuid", "url", "settings", "settings_uuid", "arrow_vendor_name", "offering", "offering_uuid",
            "offering_name", "offering_type", "plan", "plan_uuid", "plan_name", "is_active", "created", "modified",
        ]
        read_only_fields = ["uuid", "created", "modified"]
        validators = []


class ArrowVendorOfferingMappingCreateSerializer(ArrowVendorOfferingMappingSerializer):
    settings = settings_field(as_uuid=True)


class SyncFromArrowSerializer(serializers.Serializer):
    settings_uuid = serializers.UUIDField(required=False)


class VendorNameChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


def summary_money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=SUMMARY_MAX_DIGITS, decimal_places=SUMMARY_DECIMAL_PLACES, **kwargs)


class SummaryConsumptionRecordSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    license_reference = serializers.CharField()
    resource_name = serializers.CharField(source="resource.name", allow_null=True)
    billing_period = serializers.DateField()
    consumed_sell = summary_money()
    final_sell = summary_money(allow_null=True)
    is_finalized = serializers.BooleanField()
    is_reconciled = serializers.BooleanField()


class SummaryBillingSyncSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    report_period = serializers.DateField(format="%Y-%m")
    state = serializers.CharField(source="get_state_display")
    sell_total = summary_money(allow_null=True)
    items_count = serializers.IntegerField()
    created = serializers.DateTimeField()


class CustomerBillingSummarySerializer(serializers.Serializer):
    customer_mapping_uuid = serializers.UUIDField()
    arrow_reference = serializers.CharField()
    arrow_company_name = serializers.CharField()
    waldur_customer_uuid = serializers.UUIDField()
    waldur_customer_name = serializers.CharField()
    total_consumption_records = serializers.IntegerField()
    total_consumed_sell = summary_money()
    total_final_sell = summary_money(allow_null=True)
    pending_records = serializers.IntegerField()
    finalized_records = serializers.IntegerField()
    reconciled_records = serializers.IntegerField()
    total_billing_syncs = serializers.IntegerField()
    total_billing_sell = summary_money(allow_null=True)
    recent_consumption_records = SummaryConsumptionRecordSerializer(many=True)
    recent_billing_syncs = SummaryBillingSyncSerializer(many=True)
