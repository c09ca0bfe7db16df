"""/api/admin/arrow/ endpoints of ArrowConsumptionRecord (being built)."""

from rest_framework import viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.models import ArrowConsumptionRecord


class ArrowConsumptionRecordViewSet(AdminViewSetMixin, viewsets.GenericViewSet):
    queryset = ArrowConsumptionRecord.objects.all()
