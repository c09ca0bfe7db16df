"""/api/admin/arrow/billing-syncs/: read-only billing syncs (items embedded) and the queued
billing actions `trigger_sync` and `reconcile`.

The consumption actions and the resource import action come from their mixins. Create, update
and delete are not offered (405). The queued actions validate their input (period, settings,
resource) before queueing and answer 202 with a message once the task is handed to the broker.
"""

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.filters.billing import ArrowBillingSyncFilter
from arrow_integration.api.serializers.billing import (
    ArrowBillingSyncSerializer,
    QueuedResponseSerializer,
    ReconcileRequestSerializer,
    TriggerSyncRequestSerializer,
)
from arrow_integration.api.views.consumption_actions import ConsumptionActionsMixin
from arrow_integration.api.views.resource_sync_actions import ResourceSyncActionsMixin
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowSettings
from arrow_integration.tasks.billing import billing_reconcile_period, billing_sync_period
from core.models import Resource


# What an embedded item shows: a sync of a big customer embeds tens of thousands of items, so
# their invoice items' other columns (JSON details included) are not loaded.
EMBEDDED_ITEM_COLUMNS = (
    "billing_sync", "uuid", "created", "arrow_line_reference", "original_price", "vendor_name",
    "subscription_reference", "classification", "description", "quantity", "invoice_item", "invoice_item__uuid",
    "compensation_item", "compensation_item__uuid",
)


class QueueUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task queue is unavailable; nothing was scheduled. Try again later."
    default_code = "queue_unavailable"


def settings_for_request(settings_uuid) -> ArrowSettings:
    """The settings named by UUID (404 when unknown), else the active ones (400 when none)."""
    if settings_uuid is not None:
        return get_object_or_404(ArrowSettings.objects.not_archived(), uuid=settings_uuid)
    arrow_settings = ArrowSettings.objects.filter(is_active=True).first()
    if arrow_settings is None:
        raise ValidationError({"settings_uuid": ["No active Arrow settings; configure Arrow or pass settings_uuid."]})
    return arrow_settings


def enqueue(task, *args) -> None:
    """Hand ``task`` to the broker once the current transaction (if any) commits.

    Outside a transaction (the API's case) this happens at once, so a broker failure surfaces
    here as a 503 and no 202 is sent for work that was not queued.
    """
    def send() -> None:
        try:
            task.apply_async(args=args)
        except BrokerError as exc:
            raise QueueUnavailable() from exc

    transaction.on_commit(send)


def queued(message: str) -> Response:
    return Response({"message": message}, status=status.HTTP_202_ACCEPTED)


class ArrowBillingSyncViewSet(
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
            resource = get_object_or_404(Resource, uuid=body.validated_data["resource_uuid"])
            if not resource.backend_id:
                raise ValidationError({"resource_uuid": ["The resource is not linked to an Arrow license."]})
            license_reference = resource.backend_id
        enqueue(billing_sync_period, str(arrow_settings.uuid), str(period), license_reference)
        return queued(f"Billing sync for {period} scheduled.")

    @extend_schema(request=ReconcileRequestSerializer, responses={202: QueuedResponseSerializer})
    @action(detail=False, methods=["post"])
    def reconcile(self, request):
        """Queue the reconciliation of one month's billing syncs with Arrow's final billing."""
        body = ReconcileRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        arrow_settings = settings_for_request(body.validated_data.get("settings_uuid"))
        period, force = body.validated_data["period"], body.validated_data["force"]
        enqueue(billing_reconcile_period, str(arrow_settings.uuid), str(period), force)
        return queued(f"Reconciliation for {period} scheduled{' (forced)' if force else ''}.")
