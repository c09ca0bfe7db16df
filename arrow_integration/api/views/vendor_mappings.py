"""/api/admin/arrow/vendor-offering-mappings/: CRUD and the vendor names to choose from.

Writes go through `services.configuration.mappings` (uniqueness per settings, plan must belong to the offering).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from arrow_integration.api.base import AdminViewSetMixin, counted
from arrow_integration.api.filters.configuration import ArrowVendorOfferingMappingFilter
from arrow_integration.api.serializers import mappings as serializers
from arrow_integration.models import ArrowVendorOfferingMapping
from arrow_integration.selectors.configuration import active_settings_get
from arrow_integration.services.configuration import mappings
from arrow_integration.services.configuration.settings import configuration_delete


class ArrowVendorOfferingMappingViewSet(AdminViewSetMixin, viewsets.ModelViewSet):
    # Vendor mappings of deleted (archived) settings go with them.
    queryset = ArrowVendorOfferingMapping.objects.filter(settings__archived_at__isnull=True).select_related(
        "settings", "offering", "plan"
    )
    filterset_class = ArrowVendorOfferingMappingFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.ArrowVendorOfferingMappingCreateSerializer
        if self.action == "vendor_choices":
            return serializers.VendorNameChoiceSerializer
        return serializers.ArrowVendorOfferingMappingSerializer

    def perform_create(self, serializer):
        serializer.instance = mappings.vendor_mapping_save(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = mappings.vendor_mapping_save(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        configuration_delete(instance)

    @extend_schema(
        responses=serializers.VendorNameChoiceSerializer(many=True),
        filters=True,
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="Accepted for compatibility; the list is not paged."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Accepted for compatibility."),
        ],
    )
    @action(detail=False, methods=["get"])
    def vendor_choices(self, request):
        """Vendor names from Arrow's IAAS catalog (else from imported billing lines), as a plain list."""
        names = mappings.vendor_names_available(active_settings_get())
        return counted([{"value": name, "label": name} for name in names])
