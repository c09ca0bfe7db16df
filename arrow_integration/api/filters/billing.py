"""FilterSets of billing syncs and billing sync items: every filter of the reference.

Periods are a month, `YYYY-MM` or a day `YYYY-MM-DD` of it (`report_period`, and the inclusive
bounds `report_period_from` / `report_period_to`); relations come as `<name>_uuid` (a UUID) or
`<name>` (the object's URL or UUID); `state` is the integer 1..4. A malformed value is a 400
naming the parameter.
"""

import django_filters

from arrow_integration.api.filters.configuration import UuidOrUrlFilter
from arrow_integration.api.filters.periods import PeriodFilter
from arrow_integration.choices import BillingSyncState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem
from core.api.inputs import StrictBooleanFilter


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
