"""/api/admin/arrow/customer-mappings/: CRUD, company-name refresh, available customers, billing summary.

The license actions (discover_licenses, link_resource, import_license, fetch_arrow_data) come from
`LicenseActionsMixin`. Writes go through `services.configuration.mappings`; the summary is a selector. DELETE
archives the mapping (`services.configuration.archive`): 204, then 404; its billing stays.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from arrow_integration.api.base import AdminViewSetMixin, counted, settings_for_request
from arrow_integration.api.filters.configuration import ArrowCustomerMappingFilter
from arrow_integration.api.serializers import mappings as serializers
from arrow_integration.api.serializers.settings import AvailableCustomersResponseSerializer
from arrow_integration.api.views.license_actions import LicenseActionsMixin
from arrow_integration.models import ArrowCustomerMapping
from arrow_integration.selectors.configuration import customer_billing_summary
from arrow_integration.services.configuration import discovery, mappings
from arrow_integration.services.configuration.archive import customer_mapping_archive


class ArrowCustomerMappingViewSet(LicenseActionsMixin, AdminViewSetMixin, viewsets.ModelViewSet):
    queryset = ArrowCustomerMapping.objects.not_archived().select_related("settings", "waldur_customer")
    filterset_class = ArrowCustomerMappingFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    serializer_classes = {
        "create": serializers.ArrowCustomerMappingCreateSerializer,
        "list": serializers.ArrowCustomerMappingSerializer,
        "retrieve": serializers.ArrowCustomerMappingSerializer,
        "update": serializers.ArrowCustomerMappingSerializer,
        "partial_update": serializers.ArrowCustomerMappingSerializer,
        "sync_from_arrow": serializers.SyncFromArrowSerializer,
    }

    def get_serializer_class(self):
        if self.action in self.serializer_classes:
            return self.serializer_classes[self.action]
        return getattr(self, "serializer_class", None) or serializers.ArrowCustomerMappingSerializer

    def perform_create(self, serializer):
        serializer.instance = mappings.customer_mapping_save(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = mappings.customer_mapping_save(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        customer_mapping_archive(instance)

    @extend_schema(
        request=serializers.SyncFromArrowSerializer,
        responses=OpenApiResponse(
            inline_serializer("SyncFromArrowResponse", {"updated": drf_serializers.IntegerField()}),
            description="How many mappings got a new company name.",
        ),
    )
    @action(detail=False, methods=["post"])
    def sync_from_arrow(self, request):
        """Refresh the Arrow company names of the mappings from Arrow (200 `{"updated": N}`)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arrow_settings = settings_for_request(serializer.validated_data.get("settings_uuid"))
        return Response({"updated": mappings.customer_mappings_sync_from_arrow(arrow_settings)})

    @extend_schema(responses=AvailableCustomersResponseSerializer, filters=False)
    @action(detail=False, methods=["get"])
    def available_customers(self, request):
        """Arrow customers of the active settings that are not mapped yet, with suggestions."""
        found = discovery.customers_available(settings_for_request(None, field=None))
        return counted(AvailableCustomersResponseSerializer(found).data, count=len(found.arrow_customers))

    @extend_schema(responses=serializers.CustomerBillingSummarySerializer)
    @action(detail=True, methods=["get"])
    def billing_summary(self, request, uuid=None):
        """Counts and totals of this mapping's consumption records and billing syncs."""
        summary = customer_billing_summary(self.get_object())
        return counted(serializers.CustomerBillingSummarySerializer(summary).data)
