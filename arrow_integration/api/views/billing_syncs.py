"""/api/admin/arrow/billing-syncs/: read-only billing syncs (items embedded) and the queued
billing actions `trigger_sync` and `reconcile`.

The consumption actions and the resource import action come from their mixins. Create, update
and delete are not offered (405). The queued actions validate their input (period, settings,
resource) before queueing and answer 202 with a message once the task is handed to the broker
(`api.base.enqueue`).
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action

from arrow_integration.api.base import AdminViewSetMixin, enqueue, queued, settings_for_request
from arrow_integration.api.csv_export import CsvExportMixin
from arrow_integration.api.filters.billing import ArrowBillingSyncFilter
from arrow_integration.api.serializers.billing import (
    ArrowBillingSyncSerializer,
    QueuedResponseSerializer,
    ReconcileRequestSerializer,
    TriggerSyncRequestSerializer,
)
from arrow_integration.api.views.consumption_actions import ConsumptionActionsMixin
from arrow_integration.api.views.resource_sync_actions import ResourceSyncActionsMixin
from arrow_integration.errors import ActionRefused
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem
from arrow_integration.selectors.configuration import resource_get
from arrow_integration.tasks.billing import billing_reconcile_period, billing_sync_period

# What an embedded item shows: a sync of a big customer embeds tens of thousands of items, so
# their invoice items' other columns (JSON details included) are not loaded.
EMBEDDED_ITEM_COLUMNS = (
    "billing_sync", "uuid", "created", "arrow_line_reference", "original_price", "vendor_name",
    "subscription_reference", "classification", "description", "quantity", "invoice_item", "invoice_item__uuid",
    "compensation_item", "compensation_item__uuid",
)


class ArrowBillingSyncViewSet(
    CsvExportMixin,
    ConsumptionActionsMixin,
    ResourceSyncActionsMixin,
    AdminViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ArrowBillingSync.objects.select_related("customer_mapping__waldur_customer", "invoice").prefetch_related(
        Prefetch("items", queryset=ArrowBillingSyncItem.objects.select_related("invoice_item", "compensation_item")
                 .only(*EMBEDDED_ITEM_COLUMNS))
    )
    serializer_class = ArrowBillingSyncSerializer
    filterset_class = ArrowBillingSyncFilter
    csv_list = False  # a sync embeds its items: page through billing-sync-items/ for CSV
    csv_actions = ("fetch_billing_export",)

    @extend_schema(request=TriggerSyncRequestSerializer, responses={202: QueuedResponseSerializer})
    @action(detail=False, methods=["post"])
    def trigger_sync(self, request):
        """Queue the import of one month's billing export (optionally of one resource's license)."""
        body = TriggerSyncRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        arrow_settings = settings_for_request(body.validated_data.get("settings_uuid"))
        period = body.validated_data["period"]
        license_reference = None
        if "resource_uuid" in body.validated_data:
            resource = resource_get(body.validated_data["resource_uuid"], field="resource_uuid")
            if not resource.backend_id:
                raise ActionRefused("The resource is not linked to an Arrow license.", field="resource_uuid")
            license_reference = resource.backend_id
        run = enqueue(billing_sync_period, request=request, settings=arrow_settings, period=period,
                      args=(license_reference,))
        return queued(f"Billing sync for {period} scheduled.", run)

    @extend_schema(request=ReconcileRequestSerializer, responses={202: QueuedResponseSerializer})
    @action(detail=False, methods=["post"])
    def reconcile(self, request):
        """Queue the reconciliation of one month's billing syncs with Arrow's final billing."""
        body = ReconcileRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        arrow_settings = settings_for_request(body.validated_data.get("settings_uuid"))
        period, force = body.validated_data["period"], body.validated_data["force"]
        run = enqueue(billing_reconcile_period, request=request, settings=arrow_settings, period=period, args=(force,))
        return queued(f"Reconciliation for {period} scheduled{' (forced)' if force else ''}.", run)
