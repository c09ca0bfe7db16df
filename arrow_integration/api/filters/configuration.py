"""FilterSets of the configuration endpoints: settings, customer mappings, vendor-offering mappings.

Relation filters come in the reference's two forms: `<name>_uuid` (a UUID) and `<name>` (the
object's URL or its UUID); flags are `true`/`false`. A malformed value is a 400 naming the
parameter, never an empty list nor an ignored filter.
"""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowVendorOfferingMapping
from core.api.fields import uuid_from_uuid_or_url
from core.api.inputs import StrictBooleanFilter


class UuidOrUrlFormField(forms.CharField):
    default_error_messages = {"invalid": "Expected a UUID or an object URL."}

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        found = uuid_from_uuid_or_url(value)
        if found is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return found


@extend_schema_field(OpenApiTypes.URI)
class UuidOrUrlFilter(django_filters.Filter):
    """Filters a relation by the UUID found in a UUID or a detail URL (`field_name` ends in __uuid).

    Documented as a URI, as in the reference; the bare UUID is accepted too.
    """

    field_class = UuidOrUrlFormField


class ArrowSettingsFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()
    sync_enabled = StrictBooleanFilter()

    class Meta:
        model = ArrowSettings
        fields = ["is_active", "sync_enabled"]


class ArrowCustomerMappingFilter(django_filters.FilterSet):
    arrow_company_name = django_filters.CharFilter(lookup_expr="icontains")
    arrow_reference = django_filters.CharFilter()
    is_active = StrictBooleanFilter()
    settings = UuidOrUrlFilter(field_name="settings__uuid")
    settings_uuid = django_filters.UUIDFilter(field_name="settings__uuid")
    waldur_customer = UuidOrUrlFilter(field_name="waldur_customer__uuid")
    waldur_customer_uuid = django_filters.UUIDFilter(field_name="waldur_customer__uuid")

    class Meta:
        model = ArrowCustomerMapping
        fields = [
            "arrow_company_name", "arrow_reference", "is_active", "settings", "settings_uuid",
            "waldur_customer", "waldur_customer_uuid",
        ]


class ArrowVendorOfferingMappingFilter(django_filters.FilterSet):
    arrow_vendor_name = django_filters.CharFilter(lookup_expr="iexact")
    is_active = StrictBooleanFilter()
    offering = UuidOrUrlFilter(field_name="offering__uuid")
    offering_uuid = django_filters.UUIDFilter(field_name="offering__uuid")
    settings = UuidOrUrlFilter(field_name="settings__uuid")
    settings_uuid = django_filters.UUIDFilter(field_name="settings__uuid")

    class Meta:
        model = ArrowVendorOfferingMapping
        fields = ["arrow_vendor_name", "is_active", "offering", "offering_uuid", "settings", "settings_uuid"]
