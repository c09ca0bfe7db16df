"""FilterSets of billing syncs and billing sync items: every filter of the reference.

Periods are `YYYY-MM` (`report_period`, and the inclusive bounds `report_period_from` /
`report_period_to`); relations come as `<name>_uuid` (a UUID) or `<name>` (the object's URL or
UUID); `state` is the integer 1..4. A malformed value is a 400 naming the parameter.
"""

import django_filters
from django import forms

from arrow_client.periods import Period
from arrow_integration.api.filters.configuration import UuidOrUrlFilter
from arrow_integration.choices import BillingSyncState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem


class PeriodFormField(forms.CharField):
    default_error_messages = {"invalid": "Expected a period as YYYY-MM, e.g. 2025-01."}

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return Period.parse(value).first_day
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class PeriodFilter(django_filters.Filter):
    """Compares a first-of-month date field with a `YYYY-MM` value (``lookup_expr`` as usual)."""

    field_class = PeriodFormField


class StrictBooleanFormField(forms.CharField):
    """`true`/`false` (also `1`/`0`, any case); anything else is invalid rather than ignored."""

    default_error_messages = {"invalid": "Expected true or false."}
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return self.VALUES[value.strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanFormField


class ArrowBillingSyncFilter(django_filters.FilterSet):
    arrow_state = django_filters.CharFilter()
    customer_mapping = UuidOrUrlFilter(field_name="customer_mapping__uuid")
    customer_mapping_uuid = django_filters.UUIDFilter(field_name="customer_mapping__uuid")
    report_period = PeriodFilter(field_name="report_period")
    report_period_from = PeriodFilter(field_name="report_period", lookup_expr="gte")
    report_period_to = PeriodFilter(field_name="report_period", lookup_expr="lte")
    settings_uuid = django_filters.UUIDFilter(field_name="customer_mapping__settings__uuid")
    state = django_filters.ChoiceFilter(choices=BillingSyncState.choices)
    statement_reference = django_filters.CharFilter()

    class Meta:
        model = ArrowBillingSync
        fields = [
            "arrow_state", "customer_mapping", "customer_mapping_uuid", "report_period", "report_period_from",
            "report_period_to", "settings_uuid", "state", "statement_reference",
        ]


class ArrowBillingSyncItemFilter(django_filters.FilterSet):
    arrow_line_reference = django_filters.CharFilter()
    billing_sync = UuidOrUrlFilter(field_name="billing_sync__uuid")
    billing_sync_uuid = django_filters.UUIDFilter(field_name="billing_sync__uuid")
    classification = django_filters.CharFilter(lookup_expr="iexact")
    has_compensation = StrictBooleanFilter(field_name="compensation_item", lookup_expr="isnull", exclude=True)
    report_period = PeriodFilter(field_name="billing_sync__report_period")
    subscription_reference = django_filters.CharFilter()
    vendor_name = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = ArrowBillingSyncItem
        fields = [
            "arrow_line_reference", "billing_sync", "billing_sync_uuid", "classification", "has_compensation",
            "report_period", "subscription_reference", "vendor_name",
        ]
