"""Viewsets of the core objects at Waldur's paths.

Staff may create, change and delete customers, projects, offerings, plans and resources.
Invoices and their items are read-only here: only services write them. Non-staff users
see the objects of the customers they are members of.
"""

from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum
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


def invoice_totals_attach(invoices) -> None:
    """Set ``total`` and ``items_count`` of ``invoices`` from one grouped query over their items
    (an invoice of an Arrow month holds 100 000 items: summed once per listed invoice, not twice
    per row through correlated subqueries)."""
    by_id = {invoice.pk: invoice for invoice in invoices}
    for invoice in by_id.values():
        invoice.total, invoice.items_count = Decimal(0), 0
    rows = (InvoiceItem.objects.filter(invoice_id__in=list(by_id)).order_by().values("invoice_id")
            .annotate(total=Sum(F("unit_price") * F("quantity"), output_field=DecimalField(max_digits=30,
                                                                                          decimal_places=7)),
                      count=Count("id"))
            .values_list("invoice_id", "total", "count"))
    for invoice_id, total, count in rows:
        by_id[invoice_id].total, by_id[invoice_id].items_count = total, count


class InvoiceViewSet(CoreReadOnlyViewSet):
    queryset = Invoice.objects.select_related("customer")
    serializer_class = serializers.InvoiceSerializer
    filterset_class = filters.InvoiceFilter
    customer_path = "customer__"

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page:
            invoice_totals_attach(page)
        return page

    def get_object(self):
        invoice = super().get_object()
        invoice_totals_attach([invoice])
        return invoice


class InvoiceItemViewSet(CoreReadOnlyViewSet):
    queryset = InvoiceItem.objects.select_related("invoice", "resource", "project")
    serializer_class = serializers.InvoiceItemSerializer
    filterset_class = filters.InvoiceItemFilter
    customer_path = "invoice__customer__"


