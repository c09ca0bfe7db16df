"""Viewsets of the core objects at Waldur's paths.

Staff may create, change and delete customers, projects, offerings, plans and resources.
Invoices and their items are read-only here: only services write them. Non-staff users
see the objects of the customers they are members of.
"""

from django.db.models import Count, DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from rest_framework import viewsets

from core.api import filters, serializers
from core.api.permissions import IsStaffOrReadOnly
from core.models import Customer, Invoice, InvoiceItem, Offering, Plan, Project, Resource

UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class UuidLookupMixin:
    """Objects are addressed by UUID; anything else in the path is a 404 (no route)."""

    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN
    # Path to the owning customer, to limit what non-staff users see.
    customer_path: str | None = None

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if user.is_staff or self.customer_path is None:
            return queryset
        return queryset.filter(**{f"{self.customer_path}members": user}).distinct()


class CoreModelViewSet(UuidLookupMixin, viewsets.ModelViewSet):
    permission_classes = [IsStaffOrReadOnly]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]


class CoreReadOnlyViewSet(UuidLookupMixin, viewsets.ReadOnlyModelViewSet):
    pass


class CustomerViewSet(CoreModelViewSet):
    queryset = Customer.objects.all()
    serializer_class = serializers.CustomerSerializer
    filterset_class = filters.CustomerFilter
    customer_path = ""


class ProjectViewSet(CoreModelViewSet):
    queryset = Project.objects.select_related("customer")
    serializer_class = serializers.ProjectSerializer
    filterset_class = filters.ProjectFilter
    customer_path = "customer__"


class OfferingViewSet(CoreModelViewSet):
    queryset = Offering.objects.select_related("customer").prefetch_related("components", "plans")
    serializer_class = serializers.OfferingSerializer
    filterset_class = filters.OfferingFilter


class PlanViewSet(CoreModelViewSet):
    queryset = Plan.objects.select_related("offering")
    serializer_class = serializers.PlanSerializer
    filterset_class = filters.PlanFilter


class ResourceViewSet(CoreModelViewSet):
    queryset = Resource.objects.select_related("project__customer", "offering", "plan")
    serializer_class = serializers.ResourceSerializer
    filterset_class = filters.ResourceFilter
    customer_path = "project__customer__"


def _invoice_items_aggregate(expression) -> Subquery:
    """An aggregate over the items of the outer invoice, computed for the listed rows only (a JOIN
    with GROUP BY would aggregate every item of every invoice, for the count query too)."""
    items = InvoiceItem.objects.filter(invoice=OuterRef("pk")).order_by().values("invoice")
    return Subquery(items.annotate(value=expression).values("value"))


class InvoiceViewSet(CoreReadOnlyViewSet):
    queryset = Invoice.objects.select_related("customer").annotate(
        total=Coalesce(
            _invoice_items_aggregate(Sum(F("unit_price") * F("quantity"))),
            Value(0),
            output_field=DecimalField(max_digits=30, decimal_places=7),
        ),
        items_count=Coalesce(_invoice_items_aggregate(Count("id")), Value(0)),
    )
    serializer_class = serializers.InvoiceSerializer
    filterset_class = filters.InvoiceFilter
    customer_path = "customer__"


class InvoiceItemViewSet(CoreReadOnlyViewSet):
    queryset = InvoiceItem.objects.select_related("invoice", "resource", "project")
    serializer_class = serializers.InvoiceItemSerializer
    filterset_class = filters.InvoiceItemFilter
    customer_path = "invoice__customer__"


