"""/api/admin/arrow/customer-mappings/ (being built). Composes the license actions mixin."""

from rest_framework import viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.views.license_actions import LicenseActionsMixin
from arrow_integration.models import ArrowCustomerMapping


class ArrowCustomerMappingViewSet(LicenseActionsMixin, AdminViewSetMixin, viewsets.GenericViewSet):
    queryset = ArrowCustomerMapping.objects.all()
