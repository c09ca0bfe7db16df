"""FilterSet of /api/admin/arrow/consumption-records/ with every filter of the reference.

Period filters take a month (`YYYY-MM`) or a date (`YYYY-MM-DD`) and compare by month: any day of
a month selects that month. Relation filters accept a UUID (`*_uuid`) or, for `resource`, a URL or
a UUID. Malformed values are a 400 naming the parameter.
"""

import django_filters

from arrow_integration.api.filters.configuration import UuidOrUrlFilter
from arrow_integration.api.filters.periods import PeriodFilter
from arrow_integration.models import ArrowConsumptionRecord
from core.api.inputs import StrictBooleanFilter


class ArrowConsumptionRecordFilter(django_filters.FilterSet):
    billing_period = PeriodFilter(field_name="billing_period")
    billing_period_from = PeriodFilter(field_name="billing_period", lookup_expr="gte")
    billing_period_to = PeriodFilter(field_name="billing_period", lookup_expr="lte")
    customer_uuid = django_filters.UUIDFilter(field_name="resource__project__customer__uuid")
    project_uuid = django_filters.UUIDFilter(field_name="resource__project__uuid")
    resource = UuidOrUrlFilter(field_name="resource__uuid")
    resource_uuid = django_filters.UUIDFilter(field_name="resource__uuid")
    license_reference = django_filters.CharFilter()
    is_finalized = StrictBooleanFilter(field_name="finalized_at", lookup_expr="isnull", exclude=True)
    is_reconciled = StrictBooleanFilter(field_name="reconciled_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ArrowConsumptionRecord
        fields = [
            "billing_period",
            "billing_period_from",
            "billing_period_to",
            "customer_uuid",
            "project_uuid",
            "resource",
            "resource_uuid",
            "license_reference",
            "is_finalized",
            "is_reconciled",
        ]
