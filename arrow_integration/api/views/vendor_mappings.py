"""/api/admin/arrow/ endpoints of ArrowVendorOfferingMapping (being built)."""

from rest_framework import viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.models import ArrowVendorOfferingMapping


class ArrowVendorOfferingMappingViewSet(AdminViewSetMixin, viewsets.GenericViewSet):
    queryset = ArrowVendorOfferingMapping.objects.all()
