"""/api/admin/arrow/ endpoints of ArrowBillingSync (being built)."""

from rest_framework import viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.models import ArrowBillingSync


class ArrowBillingSyncViewSet(AdminViewSetMixin, viewsets.GenericViewSet):
    queryset = ArrowBillingSync.objects.all()
