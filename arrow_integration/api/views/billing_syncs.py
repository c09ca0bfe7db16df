"""/api/admin/arrow/billing-syncs/: read-only billing syncs (their first items embedded) and the
queued billing actions `trigger_sync` and `reconcile`.

A sync embeds its first `EMBEDDED_ITEMS_LIMIT` items (one query for the page, flat rows), with
``items_count`` and ``items_url``; when it holds more, the answer's ``Link`` header names its items
list too (``rel="items"``, ``anchor`` the sync's URL), which pages through all of them.

The consumption actions and the resource import action come from their mixins. Create, update
and delete are not offered (405). The queued actions validate their input (period, settings,
resource) before queueing and answer 202 with a message once the task is handed to the broker
(`api.base.enqueue`).
"""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from arrow_integration.api.base import AdminViewSetMixin, enqueue, queued, settings_for_request
from arrow_integration.api.csv_export import CsvExportMixin
from arrow_integration.api.filters.billing import ArrowBillingSyncFilter
from arrow_integration.api.serializers.billing import (
    ArrowBillingSyncSerializer,
    QueuedResponseSerializer,
    ReconcileRequestSerializer,
    TriggerSyncRequestSerializer,
    billing_sync_items_url,
)
from arrow_integration.api.views.consumption_actions import ConsumptionActionsMixin
from arrow_integration.api.views.resource_sync_actions import ResourceSyncActionsMixin
from arrow_integration.errors import ActionRefused
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem
from arrow_integration.selectors.configuration import resource_get
from arrow_integration.selectors.embedded_items import EMBEDDED_ITEMS_LIMIT, embedded_items
from arrow_integration.tasks.billing import billing_reconcile_period, billing_sync_period
from core.api.fields import detail_url


class ArrowBillingSyncViewSet(
    CsvExportMixin,
    ConsumptionActionsMixin,
    ResourceSyncActionsMixin,
    AdminViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ArrowBillingSync.objects.select_related("customer_mapping__waldur_customer", "invoice").annotate(
        items_count=Coalesce(Subquery(
            ArrowBillingSyncItem.objects.filter(billing_sync=OuterRef("pk")).order_by().values("billing_sync")
            .annotate(count=Count("id")).values("count")), 0),
    )
    serializer_class = ArrowBillingSyncSerializer
    filterset_class = ArrowBillingSyncFilter
    csv_list = False  # a sync embeds its items: page through billing-sync-items/ for CSV
    csv_actions = ("fetch_billing_export",)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))  # empty for HEAD
        response = self.get_paginated_response(self._represent(page, many=True))
        return _link_items(response, page, request)

    def retrieve(self, request, *args, **kwargs):
        sync = self.get_object()
        return _link_items(Response(self._represent(sync, many=False)), [sync], request)

    def _represent(self, syncs, *, many: bool):
        ids = [sync.pk for sync in syncs] if many else [syncs.pk]
        context = {**self.get_serializer_context(), "embedded_items": embedded_items(ids)}
        return self.get_serializer_class()(syncs, many=many, context=context).data

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


def _link_items(response: Response, syncs, request) -> Response:
    """Add to ``Link`` the items list of every sync that holds more items than it embeds."""
    links = [
        f'<{billing_sync_items_url(sync, request)}>; rel="items"; '
        f'anchor="{detail_url("arrow-billing-sync-detail", sync.uuid, request)}"'
        for sync in syncs if sync.items_count > EMBEDDED_ITEMS_LIMIT
    ]
    if links:
        existing = response.headers.get("Link")
        response.headers["Link"] = ", ".join([existing, *links] if existing else links)
    return response
