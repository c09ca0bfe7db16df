"""/api/admin/arrow/ endpoints of ArrowCustomerMapping (being built)."""

from rest_framework import viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.models import ArrowCustomerMapping


class ArrowCustomerMappingViewSet(AdminViewSetMixin, viewsets.GenericViewSet):
    queryset = ArrowCustomerMapping.objects.all()
