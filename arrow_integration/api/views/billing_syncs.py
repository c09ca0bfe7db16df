"""/api/admin/arrow/billing-syncs/ (being built). Composes the action mixins of each area."""

from rest_framework import viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.views.consumption_actions import ConsumptionActionsMixin
from arrow_integration.api.views.resource_sync_actions import ResourceSyncActionsMixin
from arrow_integration.models import ArrowBillingSync


class ArrowBillingSyncViewSet(
    ConsumptionActionsMixin, ResourceSyncActionsMixin, AdminViewSetMixin, viewsets.GenericViewSet
):
    queryset = ArrowBillingSync.objects.all()
