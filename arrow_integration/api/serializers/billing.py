"""Serializers of billing syncs, their items, and the trigger_sync / reconcile requests.

Output follows the official client: `state` is the integer 1..4, amounts are decimal strings,
`report_period` is `YYYY-MM`, relations that always exist (a sync's invoice, an item's invoice
item) are UUIDs, and `compensation_item_uuid` is null until a compensation exists (never an
invented value). Querysets are prepared by the views so that a page costs a constant number of
queries (`invoice_item_uuid` etc. read the related rows loaded with `select_related`).
"""

import uuid
from urllib.parse import urlencode

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from arrow_client.periods import MAX_YEAR, MIN_YEAR, MONTHS_PER_YEAR, Period
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem
from arrow_integration.selectors.embedded_items import EMBEDDED_ITEM_COLUMNS, EMBEDDED_ITEMS_LIMIT, embedded_items
from core.api.fields import HyperlinkedIdentityField, HyperlinkedRelatedField, uuid_from_uuid_or_url
from core.api.inputs import StrictIntegerField


@extend_schema_field(OpenApiTypes.STR)
class ReportPeriodField(serializers.Field):
    """A first-of-month date shown as `YYYY-MM`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return str(Period.from_date(value))


ITEM_FIELDS = [
    "uuid", "arrow_line_reference", "invoice_item_uuid", "original_price", "compensation_item_uuid",
    "vendor_name", "subscription_reference", "classification", "description", "quantity", "created",
]


class ArrowBillingSyncItemSerializer(serializers.ModelSerializer):
    """An item as embedded in its billing sync."""

    invoice_item_uuid = serializers.UUIDField(source="invoice_item.uuid", read_only=True)
    compensation_item_uuid = serializers.UUIDField(source="compensation_item.uuid", read_only=True, allow_null=True)

    class Meta:
        model = ArrowBillingSyncItem
        fields = ITEM_FIELDS
        read_only_fields = ITEM_FIELDS


class ArrowBillingSyncItemDetailSerializer(ArrowBillingSyncItemSerializer):
    """An item on its own (billing-sync-items endpoint)."""

    url = HyperlinkedIdentityField(view_name="arrow-billing-sync-item-detail", lookup_field="uuid")
    billing_sync = HyperlinkedRelatedField(
        view_name="arrow-billing-sync-detail", lookup_field="uuid", read_only=True
    )
    billing_sync_uuid = serializers.UUIDField(source="billing_sync.uuid", read_only=True)
    report_period = ReportPeriodField(source="billing_sync.report_period")
    has_compensation = serializers.SerializerMethodField()

    class Meta(ArrowBillingSyncItemSerializer.Meta):
        fields = [
            "uuid", "url", "billing_sync", "billing_sync_uuid", "report_period", "arrow_line_reference",
            "invoice_item_uuid", "original_price", "compensation_item_uuid", "has_compensation", "vendor_name",
            "subscription_reference", "classification", "description", "quantity", "created",
        ]
        read_only_fields = fields

    def get_has_compensation(self, item: ArrowBillingSyncItem) -> bool:
        return item.compensation_item_id is not None


@extend_schema_field(ArrowBillingSyncItemSerializer(many=True))
class EmbeddedItemsField(serializers.Field):
    """A sync's first items (`selectors.embedded_items`), shown as `ArrowBillingSyncItemSerializer`
    shows them, from the rows the view read for the page (``embedded_items`` in the context)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.item_fields = ArrowBillingSyncItemSerializer().fields

    def to_representation(self, sync) -> list[dict]:
        found = self.context.get("embedded_items")
        rows = (found if found is not None else embedded_items([sync.pk])).get(sync.pk, ())
        fields = [(name, self.item_fields[name].to_representation) for name in ITEM_FIELDS]
        return [{name: None if row[column] is None else show(row[column])
                 for (name, show), column in zip(fields, EMBEDDED_ITEM_COLUMNS, strict=True)}
                for row in rows]


class ArrowBillingSyncSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="arrow-billing-sync-detail", lookup_field="uuid")
    customer_mapping = HyperlinkedRelatedField(
        view_name="arrow-customer-mapping-detail", lookup_field="uuid", read_only=True
    )
    customer_mapping_uuid = serializers.UUIDField(source="customer_mapping.uuid", read_only=True)
    arrow_reference = serializers.CharField(source="customer_mapping.arrow_reference", read_only=True)
    waldur_customer_name = serializers.CharField(source="customer_mapping.waldur_customer.name", read_only=True)
    report_period = ReportPeriodField()
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    invoice_uuid = serializers.UUIDField(source="invoice.uuid", read_only=True)
    items = EmbeddedItemsField()
    items_count = serializers.SerializerMethodField(help_text=f"Items the sync holds (it embeds the first "
                                                              f"{EMBEDDED_ITEMS_LIMIT})")
    items_url = serializers.SerializerMethodField(help_text="The billing sync items list of this sync (every item)")

    class Meta:
        model = ArrowBillingSync
        fields = [
            "uuid", "url", "customer_mapping", "customer_mapping_uuid", "arrow_reference", "waldur_customer_name",
            "statement_reference", "report_period", "arrow_state", "state", "state_display", "buy_total",
            "sell_total", "currency", "invoice_uuid", "error_message", "synced_at", "validated_at",
            "reconciled_at", "items", "items_count", "items_url", "created", "modified",
        ]
        read_only_fields = fields

    def get_items_count(self, sync: ArrowBillingSync) -> int:
        counted = getattr(sync, "items_count", None)  # annotated by the view for a whole page
        return sync.items.count() if counted is None else counted

    def get_items_url(self, sync: ArrowBillingSync) -> str:
        return billing_sync_items_url(sync, self.context.get("request"))


def billing_sync_items_url(sync: ArrowBillingSync, request) -> str:
    """The billing sync items list filtered to ``sync``'s items."""
    base = reverse("arrow-billing-sync-item-list", request=request)
    return f"{base}?{urlencode({'billing_sync_uuid': str(sync.uuid)})}"


@extend_schema_field(OpenApiTypes.UUID)
class UuidOrUrlField(serializers.Field):
    """An object reference given as a UUID or as the object's URL; the UUID inside."""

    default_error_messages = {"invalid": "Expected a UUID or an object URL, got {value!r}."}

    def to_internal_value(self, data) -> uuid.UUID:
        found = uuid_from_uuid_or_url(data)
        if found is None:
            self.fail("invalid", value=str(data)[:100])
        return found

    def to_representation(self, value) -> str:
        return str(value)


class PeriodRequestSerializer(serializers.Serializer):
    """`year` (2000–2100) and `month` (1–12) of a queued action, plus optional settings.

    The month may be the current one (the server's date) or an earlier one: Arrow has nothing to
    import, sync or reconcile for a month that has not begun.
    """

    year = StrictIntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    month = StrictIntegerField(min_value=1, max_value=MONTHS_PER_YEAR)
    settings_uuid = UuidOrUrlField(required=False)

    def validate(self, attrs):
        period = Period(attrs["year"], attrs["month"])
        current = Period.from_date(timezone.localdate())
        if period > current:
            field = "year" if period.year > current.year else "month"
            raise serializers.ValidationError({field: [f"{period} is in the future; the latest month is {current}."]})
        attrs["period"] = period
        return attrs


class TriggerSyncRequestSerializer(PeriodRequestSerializer):
    resource_uuid = UuidOrUrlField(required=False, help_text="If set, only sync billing lines for this resource.")


class ReconcileRequestSerializer(PeriodRequestSerializer):
    force = serializers.BooleanField(required=False, default=False,
                                     help_text="Force reconciliation even if not validated")


class QueuedResponseSerializer(serializers.Serializer):
    message = serializers.CharField()
    run_uuid = serializers.UUIDField(help_text="The queued run (state queued when the answer is sent); follow it "
                                               "at sync-runs/{run_uuid}/.")
