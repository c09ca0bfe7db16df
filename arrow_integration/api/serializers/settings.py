"""Serializers of /api/admin/arrow/settings/: the settings row, credential checks, discovery results.

The API key is accepted on input and never part of any output: settings answers carry a fixed
mask instead (`API_KEY_MASK`), which sent back on update keeps the stored key. `api_url` is
checked by `url_guard` before anything connects to it. Discovery objects use the wire
names of the reference (`companyName`, `countryCode`), and an Arrow customer without a suggested
local customer has no `suggested_waldur_customer` key at all (the official client rejects null).
"""

from django.core.validators import RegexValidator
from rest_framework import serializers

from arrow_integration.api.base import ArrowReferenceField
from arrow_integration.choices import DEFAULT_CLASSIFICATION_FILTER, PriceSource
from arrow_integration.models import ArrowSettings
from arrow_integration.url_guard import UnsafeApiUrl, api_url_validate
from core.api.fields import HyperlinkedIdentityField

API_URL_MAX_LENGTH = 255
API_KEY_MAX_LENGTH = 1024
REFERENCE_MAX_LENGTH = 255
# Shown instead of a stored API key; sent back unchanged it means "keep the current key".
API_KEY_MASK = "********"
# The key travels in an HTTP header: printable ASCII only.
API_KEY_PATTERN = r"^[\x20-\x7e]*$"
API_KEY_CHARACTERS_MESSAGE = "The API key may contain printable ASCII characters only."


def api_key_validators() -> list:
    return [RegexValidator(API_KEY_PATTERN, API_KEY_CHARACTERS_MESSAGE)]


class ApiUrlField(serializers.URLField):
    """An http(s) URL the server may call (see `url_guard`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", API_URL_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        url = super().to_internal_value(data)
        try:
            return api_url_validate(url)
        except UnsafeApiUrl as exc:
            raise serializers.ValidationError(str(exc)) from None


class MaskedApiKeyField(serializers.CharField):
    """Write: the API key. Read: `API_KEY_MASK` when a key is stored; the key itself never leaves.

    Reading never decrypts anything; the mask sent back on update keeps the stored key.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", API_KEY_MAX_LENGTH)
        kwargs.setdefault("style", {"input_type": "password"})
        kwargs.setdefault("help_text", "Arrow API Key (leave empty on update to keep current)")
        kwargs.setdefault("validators", api_key_validators())
        super().__init__(**kwargs)

    def get_attribute(self, instance) -> bool:
        return bool(instance.api_key_encrypted)

    def to_representation(self, stored: bool) -> str:
        return API_KEY_MASK if stored else ""

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        return "" if value == API_KEY_MASK else value


class ArrowSettingsSerializer(serializers.ModelSerializer):
    """List, retrieve, PUT and PATCH shape; an empty, masked or absent `api_key` keeps the stored key."""

    url = HyperlinkedIdentityField(view_name="arrow-settings-detail", lookup_field="uuid")
    api_url = ApiUrlField()
    api_key = MaskedApiKeyField(required=False, allow_blank=True)
    invoice_price_source = serializers.ChoiceField(choices=PriceSource.choices, required=False)
    # Declared so that no uniqueness validator is derived from the single-active constraint:
    # activating a row deactivates the others (services.configuration.settings) instead of being refused.
    is_active = serializers.BooleanField(required=False, help_text="Whether this settings record is active")

    class Meta:
        model = ArrowSettings
        fields = [
            "uuid", "url", "api_url", "api_key", "export_type_reference", "classification_filter",
            "is_active", "sync_enabled", "partner_reference", "partner_name", "invoice_price_source",
            "invoice_item_prefix", "created", "modified",
        ]
        read_only_fields = ["uuid", "partner_reference", "partner_name", "created", "modified"]
        validators = []


class ArrowSettingsCreateSerializer(ArrowSettingsSerializer):
    """Create shape: the API key is required and, as in the reference, not part of the answer."""

    api_key = MaskedApiKeyField(write_only=True, help_text="Arrow API Key (required for creation)")

    def validate_api_key(self, value: str) -> str:
        if not value:
            raise serializers.ValidationError("The API key itself is required to create settings.")
        return value


class CredentialsSerializer(serializers.Serializer):
    api_url = ApiUrlField()
    api_key = serializers.CharField(write_only=True, max_length=API_KEY_MAX_LENGTH, validators=api_key_validators())


class PreviewSettingsSerializer(CredentialsSerializer):
    export_type_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REFERENCE_MAX_LENGTH
    )
    classification_filter = serializers.CharField(
        required=False, allow_blank=True, default=DEFAULT_CLASSIFICATION_FILTER, max_length=50
    )
    sync_enabled = serializers.BooleanField(required=False, default=False)


class CustomerMappingInputSerializer(serializers.Serializer):
    arrow_reference = ArrowReferenceField()
    waldur_customer_uuid = serializers.UUIDField()


class SaveSettingsSerializer(PreviewSettingsSerializer):
    customer_mappings = CustomerMappingInputSerializer(many=True, required=False, default=list)


class SaveSettingsResponseSerializer(serializers.Serializer):
    settings_uuid = serializers.UUIDField(source="settings.uuid")
    mappings_created = serializers.IntegerField()
    message = serializers.SerializerMethodField()

    def get_message(self, saved) -> str:
        """What was created and what updated (the settings row itself, then its customer mappings)."""
        partner = f"{saved.settings.partner_name} ({saved.settings.partner_reference})"
        row = "created" if saved.created else f"updated in place (existing settings {saved.settings.uuid})"
        return (f"Arrow settings for {partner} {row}: {saved.mappings_created} customer mapping(s) created, "
                f"{saved.mappings_updated} updated.")


class PartnerInfoSerializer(serializers.Serializer):
    reference = serializers.CharField()
    company_name = serializers.CharField()
    email = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)
    country_code = serializers.CharField(allow_null=True)


class ExportTypeBriefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField()


class CredentialsValidationSerializer(serializers.Serializer):
    """A positive answer of validate_credentials (the negative one is `{"valid": false, "error"}`)."""

    valid = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()
    error = serializers.CharField(required=False, help_text="Why the credentials were refused (negative answers only).")
    partner_info = PartnerInfoSerializer(source="partner")
    export_types = ExportTypeBriefSerializer(many=True)

    def get_valid(self, check) -> bool:
        return True

    def get_message(self, check) -> str:
        return f"Credentials are valid for partner {check.partner.company_name} ({check.partner.reference})."


class PreviewSettingsResponseSerializer(serializers.Serializer):
    api_url = serializers.URLField()
    partner_name = serializers.CharField()
    partner_reference = serializers.CharField()
    export_type_reference = serializers.CharField()
    classification_filter = serializers.CharField()
    sync_enabled = serializers.BooleanField()


class ArrowCustomerDiscoverySerializer(serializers.Serializer):
    """An Arrow customer with the reference's wire names."""

    reference = serializers.CharField()
    companyName = serializers.CharField(source="company_name")
    email = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)
    countryCode = serializers.CharField(source="country_code", allow_null=True)


class WaldurCustomerBriefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    abbreviation = serializers.CharField()


class CustomerMappingSuggestionSerializer(serializers.Serializer):
    arrow_customer = ArrowCustomerDiscoverySerializer()
    # Not nullable: without a match the key is left out (see to_representation), never null.
    suggested_waldur_customer = WaldurCustomerBriefSerializer(source="waldur_customer", required=False)
    confidence = serializers.FloatField()
    existing_mapping = serializers.BooleanField()

    def to_representation(self, suggestion):
        data = super().to_representation(suggestion)
        if data.get("suggested_waldur_customer") is None:
            # Omitted, not null: the official client cannot parse a null suggestion.
            data.pop("suggested_waldur_customer", None)
        return data


class ExportTypeCompatibilitySerializer(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField()
    required_fields_total = serializers.IntegerField()
    required_fields_found = serializers.IntegerField()
    important_fields_total = serializers.IntegerField()
    important_fields_found = serializers.IntegerField()
    missing_required_fields = serializers.ListField(child=serializers.CharField())
    missing_important_fields = serializers.ListField(child=serializers.CharField())
    compatible = serializers.BooleanField()
    recommended = serializers.BooleanField()


class CustomerDiscoveryBaseSerializer(serializers.Serializer):
    arrow_customers = ArrowCustomerDiscoverySerializer(many=True)
    waldur_customers = WaldurCustomerBriefSerializer(many=True)
    suggestions = CustomerMappingSuggestionSerializer(many=True)


class DiscoverCustomersResponseSerializer(CustomerDiscoveryBaseSerializer):
    export_types = ExportTypeCompatibilitySerializer(many=True)


class AvailableCustomersResponseSerializer(CustomerDiscoveryBaseSerializer):
    settings_uuid = serializers.UUIDField(source="settings.uuid")
