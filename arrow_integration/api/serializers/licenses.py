"""Serializers of the license actions (customer mappings) and of `sync_resources` (billing syncs).

Inputs: relations accept a UUID or the object's URL; a well-formed reference to an object that
does not exist is a 404 naming the field, a malformed one a 400. Outputs follow the official
client's models (`DiscoverLicensesResponse`, `LinkResourceResponse`, `ImportLicenseResponse`,
`FetchCustomerArrowDataResponse`, `SyncResourcesResponse`): every key present, amounts as decimal
strings with cents, quantities with four decimals, null only where the reference allows it.
"""

from decimal import ROUND_HALF_UP

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from arrow_integration.api.base import ArrowReferenceField, PeriodField
from arrow_integration.api.serializers.billing import UuidOrUrlField
from arrow_integration.services.licenses.links import license_display_name
from core.api.fields import UuidOrUrlRelatedField
from core.models import Offering, Project, Resource

RESOURCE_NAME_MAX_LENGTH = 150
AMOUNT_DECIMAL_PLACES = 2
AMOUNT_MAX_DIGITS = 20
QUANTITY_DECIMAL_PLACES = 4


@extend_schema_field(OpenApiTypes.UUID)
class ExistingObjectField(UuidOrUrlRelatedField):
    """A UUID or URL of an existing object; unknown objects are a 404 naming the field."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if getattr(exc, "detail", None) and any(
                getattr(item, "code", None) == "does_not_exist" for item in exc.detail
            ):
                raise NotFound({self.field_name: [str(item) for item in exc.detail]}) from None
            raise


def amount_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=AMOUNT_DECIMAL_PLACES, rounding=ROUND_HALF_UP,
        coerce_to_string=True, **kwargs,
    )


# Inputs


class LinkResourceRequestSerializer(serializers.Serializer):
    resource_uuid = ExistingObjectField(
        view_name="resource-detail", queryset=Resource.objects.select_related("project__customer")
    )
    license_reference = ArrowReferenceField()


class ImportLicenseRequestSerializer(serializers.Serializer):
    license_reference = ArrowReferenceField()
    license_name = serializers.CharField(max_length=RESOURCE_NAME_MAX_LENGTH, required=False, trim_whitespace=True)
    offering_uuid = ExistingObjectField(view_name="offering-detail", queryset=Offering.objects.all())
    project_uuid = ExistingObjectField(view_name="project-detail", queryset=Project.objects.select_related("customer"))


class SyncResourcesRequestSerializer(serializers.Serializer):
    period_from = PeriodField(required=False)
    period_to = PeriodField(required=False)
    settings_uuid = UuidOrUrlField(required=False)
    offering_uuid = ExistingObjectField(view_name="offering-detail", queryset=Offering.objects.all(), required=False)
    project_uuid = ExistingObjectField(
        view_name="project-detail", queryset=Project.objects.select_related("customer"), required=False
    )
    force_import = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        first, last = attrs.get("period_from"), attrs.get("period_to")
        if first and last and first > last:
            raise serializers.ValidationError({"period_from": ["period_from must not be after period_to."]})
        return attrs


# Outputs


class ArrowLicenseSerializer(serializers.Serializer):
    license_reference = serializers.CharField(source="license_id")
    vendor_name = serializers.SerializerMethodField()
    offer_name = serializers.SerializerMethodField()
    offer_sku = serializers.SerializerMethodField()
    friendly_name = serializers.SerializerMethodField()

    def get_vendor_name(self, license) -> str:
        return license.vendor_name or ""

    def get_offer_name(self, license) -> str:
        return license.name or ""

    def get_offer_sku(self, license) -> str:
        return license.sku or ""

    def get_friendly_name(self, license) -> str:
        return license.friendly_name or ""


class ResourceForLinkingSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    backend_id = serializers.CharField()
    project_name = serializers.CharField(source="project.name")
    offering_name = serializers.CharField(source="offering.name")
    state = serializers.CharField()


class LicenseSuggestionSerializer(serializers.Serializer):
    resource_uuid = serializers.UUIDField(source="resource.uuid")
    resource_name = serializers.CharField(source="resource.name")
    license_reference = serializers.CharField(source="license.license_id")
    license_name = serializers.SerializerMethodField()
    confidence = serializers.FloatField()

    def get_license_name(self, suggestion) -> str:
        return license_display_name(suggestion.license)


class DiscoverLicensesResponseSerializer(serializers.Serializer):
    customer_mapping_uuid = serializers.UUIDField(source="mapping.uuid")
    arrow_reference = serializers.CharField(source="mapping.arrow_reference")
    waldur_customer_name = serializers.CharField(source="mapping.waldur_customer.name")
    arrow_licenses = ArrowLicenseSerializer(source="licenses", many=True)
    waldur_resources = ResourceForLinkingSerializer(source="resources", many=True)
    suggestions = LicenseSuggestionSerializer(many=True)
    error = serializers.CharField(allow_null=True)


def classification_warning_field() -> serializers.CharField:
    return serializers.CharField(
        allow_null=True,
        help_text="Set when the settings' classification filter leaves the license's billing lines out: they "
                  "will not be invoiced.",
    )


class LinkResourceResponseSerializer(serializers.Serializer):
    resource_uuid = serializers.UUIDField(source="resource.uuid")
    resource_name = serializers.CharField(source="resource.name")
    license_reference = serializers.CharField()
    previous_backend_id = serializers.SerializerMethodField()
    success = serializers.SerializerMethodField()
    warning = classification_warning_field()

    def get_previous_backend_id(self, outcome) -> str:
        return outcome.previous_backend_id or ""

    def get_success(self, outcome) -> bool:
        return True


class ImportLicenseResponseSerializer(serializers.Serializer):
    resource_uuid = serializers.UUIDField(source="resource.uuid")
    resource_name = serializers.CharField(source="resource.name")
    license_reference = serializers.CharField(source="resource.backend_id")
    offering_name = serializers.CharField(source="resource.offering.name")
    project_name = serializers.CharField(source="resource.project.name")
    success = serializers.SerializerMethodField()
    warning = classification_warning_field()

    def get_success(self, imported) -> bool:
        return True


class ArrowBillingLineSerializer(serializers.Serializer):
    vendor_name = serializers.SerializerMethodField()
    subscription_reference = serializers.SerializerMethodField()
    license_reference = serializers.SerializerMethodField()
    offer_sku = serializers.SerializerMethodField()
    classification = serializers.SerializerMethodField()
    quantity = serializers.DecimalField(
        max_digits=AMOUNT_MAX_DIGITS, decimal_places=QUANTITY_DECIMAL_PLACES, rounding=ROUND_HALF_UP
    )
    sell_price = amount_field(source="sell_total")
    buy_price = amount_field(source="buy_total")

    def get_vendor_name(self, line) -> str:
        return line.vendor_name or ""

    def get_subscription_reference(self, line) -> str:
        return line.vendor_subscription_id or ""

    def get_license_reference(self, line) -> str:
        return line.license_reference or ""

    def get_offer_sku(self, line) -> str:
        return line.vendor_sku or line.arrow_sku or ""

    def get_classification(self, line) -> str:
        return line.classification or ""


class ArrowConsumptionLineSerializer(serializers.Serializer):
    license_reference = serializers.CharField()
    resource_name = serializers.CharField(allow_null=True)
    resource_uuid = serializers.CharField(allow_null=True)
    period = serializers.CharField()
    sell_price = amount_field(source="totals.sell_total", allow_null=True, default=None)
    buy_price = amount_field(source="totals.buy_total", allow_null=True, default=None)
    error = serializers.CharField(allow_null=True)


class FetchCustomerArrowDataResponseSerializer(serializers.Serializer):
    customer_mapping_uuid = serializers.UUIDField(source="mapping.uuid")
    arrow_reference = serializers.CharField(source="mapping.arrow_reference")
    arrow_company_name = serializers.CharField(source="mapping.arrow_company_name")
    waldur_customer_name = serializers.CharField(source="mapping.waldur_customer.name")
    period = serializers.CharField()
    billing_available = serializers.BooleanField()
    billing_lines = ArrowBillingLineSerializer(many=True)
    billing_total_sell = serializers.SerializerMethodField()
    billing_total_buy = serializers.SerializerMethodField()
    consumption_lines = ArrowConsumptionLineSerializer(source="consumption", many=True)
    consumption_total_sell = serializers.SerializerMethodField()
    consumption_total_buy = serializers.SerializerMethodField()
    total_customer_resources = serializers.IntegerField()
    resources_with_backend_id = serializers.IntegerField()
    matched_resources = serializers.IntegerField()
    error = serializers.CharField(allow_null=True)

    @staticmethod
    def _amount(value) -> str | None:
        return None if value is None else amount_field().to_representation(value)

    def get_billing_total_sell(self, data) -> str | None:
        return self._amount(data.billing_total("sell"))

    def get_billing_total_buy(self, data) -> str | None:
        return self._amount(data.billing_total("buy"))

    def get_consumption_total_sell(self, data) -> str | None:
        return self._amount(data.consumption_total("sell"))

    def get_consumption_total_buy(self, data) -> str | None:
        return self._amount(data.consumption_total("buy"))


class ArrowSyncErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    period = serializers.CharField()
    subscription_id = serializers.CharField()
    customer_id = serializers.CharField()


class SyncResourcesResponseSerializer(serializers.Serializer):
    synced = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    orders_created = serializers.IntegerField()
    customers_created = serializers.IntegerField()
    projects_created = serializers.IntegerField()
    mappings_created = serializers.IntegerField()
    invoices_created = serializers.IntegerField()
    invoice_items_created = serializers.IntegerField()
    skipped = serializers.IntegerField()
    errors = ArrowSyncErrorSerializer(many=True)
    errors_total = serializers.IntegerField()
    period_from = serializers.CharField()
    period_to = serializers.CharField()
