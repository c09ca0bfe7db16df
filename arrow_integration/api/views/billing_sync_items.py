"""/api/admin/arrow/ endpoints of ArrowBillingSyncItem (being built)."""

from rest_framework import viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.models import ArrowBillingSyncItem


class ArrowBillingSyncItemViewSet(AdminViewSetMixin, viewsets.GenericViewSet):
    queryset = ArrowBillingSyncItem.objects.all()
