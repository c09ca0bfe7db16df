"""One FilterSet per core model; malformed values (a bad UUID, a number out of range) are a 400."""

import django_filters

from core.api.inputs import BoundedIntegerFilter
from core.models import Customer, Invoice, InvoiceItem, Offering, Plan, Project, Resource

# The years a date can hold; anything else cannot match an invoice and would fail in the database.
MIN_FILTER_YEAR = 1
MAX_FILTER_YEAR = 9999


class CustomerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    name_exact = django_filters.CharFilter(field_name="name")
    abbreviation = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Customer
        fields = ["name", "name_exact", "abbreviation"]


class ProjectFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    customer_uuid = django_filters.UUIDFilter(field_name="customer__uuid")

    class Meta:
        model = Project
        fields = ["name", "customer_uuid"]


class OfferingFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    type = django_filters.CharFilter()
    customer_uuid = django_filters.UUIDFilter(field_name="customer__uuid")

    class Meta:
        model = Offering
        fields = ["name", "type", "customer_uuid"]


class PlanFilter(django_filters.FilterSet):
    offering_uuid = django_filters.UUIDFilter(field_name="offering__uuid")

    class Meta:
        model = Plan
        fields = ["offering_uuid"]


class ResourceFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    state = django_filters.ChoiceFilter(choices=Resource.State.choices)
    backend_id = django_filters.CharFilter()
    project_uuid = django_filters.UUIDFilter(field_name="project__uuid")
    customer_uuid = django_filters.UUIDFilter(field_name="project__customer__uuid")
    offering_uuid = django_filters.UUIDFilter(field_name="offering__uuid")

    class Meta:
        model = Resource
        fields = ["name", "state", "backend_id", "project_uuid", "customer_uuid", "offering_uuid"]


class InvoiceFilter(django_filters.FilterSet):
    customer_uuid = django_filters.UUIDFilter(field_name="customer__uuid")
    state = django_filters.ChoiceFilter(choices=Invoice.State.choices)
    year = BoundedIntegerFilter(field_name="period__year", min_value=MIN_FILTER_YEAR, max_value=MAX_FILTER_YEAR)
    month = BoundedIntegerFilter(field_name="period__month", min_value=1, max_value=12)

    class Meta:
        model = Invoice
        fields = ["customer_uuid", "state", "year", "month"]


class InvoiceItemFilter(django_filters.FilterSet):
    invoice_uuid = django_filters.UUIDFilter(field_name="invoice__uuid")
    customer_uuid = django_filters.UUIDFilter(field_name="invoice__customer__uuid")
    resource_uuid = django_filters.UUIDFilter(field_name="resource__uuid")
    project_uuid = django_filters.UUIDFilter(field_name="project__uuid")

    class Meta:
        model = InvoiceItem
        fields = ["invoice_uuid", "customer_uuid", "resource_uuid", "project_uuid"]
