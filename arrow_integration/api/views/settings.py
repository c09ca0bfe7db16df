"""/api/admin/arrow/ endpoints of ArrowSettings (being built)."""

from rest_framework import viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.models import ArrowSettings


class ArrowSettingsViewSet(AdminViewSetMixin, viewsets.GenericViewSet):
    queryset = ArrowSettings.objects.all()
