"""Consumption actions of /api/admin/arrow/billing-syncs/ (mixed into the billing-syncs viewset).

Queued actions (`trigger_consumption_sync`, `trigger_reconciliation`) validate everything first
and answer 202 only once the task is queued. The other actions call one service or selector and
answer 200. Domain errors of the consumption services answer `{"error": reason}` with their
status (400, or 404 for an unknown resource or settings row); the GET actions also answer HEAD
with `X-Result-Count`. Nothing here paginates or filters the billing-sync queryset.
"""

from __future__ import annotations

import functools

from drf_spectacular.utils import extend_schema
from kombu.exceptions import OperationalError
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from arrow_integration.api.base import counted
from arrow_integration.api.serializers import consumption as serializers
from arrow_integration.api.serializers.billing import QueuedResponseSerializer, ReconcileRequestSerializer
from arrow_integration.selectors import consumption as selectors
from arrow_integration.services import raw_lookups, sync_control
from arrow_integration.services.consumption_cleanup import cleanup_consumption
from arrow_integration.services.consumption_history import sync_resource_historical_consumption
from arrow_integration.services.consumption_requests import ConsumptionActionError, resource_get, settings_get
from arrow_integration.tasks.consumption import consumption_reconciliation, consumption_sync

QUEUE_UNAVAILABLE = "The task queue is unavailable; try again later."


def answers_domain_errors(view_method):
    """Turn ConsumptionActionError into `{"error": message}` with the error's HTTP status."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        try:
            return view_method(self, request, *args, **kwargs)
        except ConsumptionActionError as exc:
            return Response({"error": str(exc)}, status=exc.http_status)

    return wrapper


def _queue(task, *args, message: str) -> Response:
    """Hand the task to the broker now; 202 only when that worked, 503 when the broker is down."""
    try:
        task.delay(*args)
    except OperationalError:
        return Response({"detail": QUEUE_UNAVAILABLE}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"message": message}, status=status.HTTP_202_ACCEPTED)


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ConsumptionActionsMixin:
    @extend_schema(request=serializers.TriggerConsumptionSyncRequestSerializer,
                   responses={202: QueuedResponseSerializer})
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def trigger_consumption_sync(self, request):
        data = _validated(serializers.TriggerConsumptionSyncRequestSerializer, request)
        settings = settings_get(data.get("settings_uuid"))
        resource = resource_get(data["resource_uuid"]) if data.get("resource_uuid") else None
        if resource is not None and not resource.backend_id.strip():
            raise ValidationError({"resource_uuid": ["The resource is not linked to an Arrow license."]})
        period = data["period"]
        return _queue(consumption_sync, str(settings.uuid), str(period), str(resource.uuid) if resource else None,
                      message=f"Consumption sync for {period} scheduled.")

    @extend_schema(request=ReconcileRequestSerializer, responses={202: QueuedResponseSerializer})
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def trigger_reconciliation(self, request):
        data = _validated(ReconcileRequestSerializer, request)
        settings = settings_get(data.get("settings_uuid"))
        period = data["period"]
        return _queue(consumption_reconciliation, str(settings.uuid), str(period), data["force"],
                      message=f"Consumption reconciliation for {period} scheduled.")

    @extend_schema(request=serializers.HistoricalConsumptionRequestSerializer,
                   responses=serializers.HistoricalConsumptionResponseSerializer)
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def sync_resource_historical_consumption(self, request):
        data = _validated(serializers.HistoricalConsumptionRequestSerializer, request)
        result = sync_resource_historical_consumption(
            resource_uuid=data["resource_uuid"], period_from=data.get("period_from"),
            period_to=data.get("period_to"), force=data["force"], dry_run=data["dry_run"],
        )
        return Response(serializers.HistoricalConsumptionResponseSerializer(result).data)

    @extend_schema(request=serializers.CleanupConsumptionRequestSerializer,
                   responses=serializers.CleanupConsumptionResponseSerializer)
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def cleanup_consumption(self, request):
        data = _validated(serializers.CleanupConsumptionRequestSerializer, request)
        resource = resource_get(data["resource_uuid"]) if data.get("resource_uuid") else None
        result = cleanup_consumption(
            period_from=data.get("period_from"), period_to=data.get("period_to"), resource=resource,
            only_finalized=data["only_finalized"], only_unfinalized=data["only_unfinalized"], dry_run=data["dry_run"],
        )
        return Response(serializers.CleanupConsumptionResponseSerializer(result).data)

    @extend_schema(request=serializers.SyncPauseRequestSerializer, responses=serializers.SyncPauseResponseSerializer)
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def pause_sync(self, request):
        data = _validated(serializers.SyncPauseRequestSerializer, request)
        return Response(sync_control.pause_sync(settings_uuid=data.get("settings_uuid"),
                                                pause_global=data["pause_global"]))

    @extend_schema(request=serializers.SyncPauseRequestSerializer, responses=serializers.SyncPauseResponseSerializer)
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def resume_sync(self, request):
        data = _validated(serializers.SyncPauseRequestSerializer, request)
        return Response(sync_control.resume_sync(settings_uuid=data.get("settings_uuid"),
                                                 pause_global=data["pause_global"]))

    @extend_schema(responses=serializers.ConsumptionStatusSerializer)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def consumption_status(self, request):
        return counted(serializers.ConsumptionStatusSerializer(selectors.consumption_status()).data)

    @extend_schema(responses=serializers.ConsumptionStatisticsSerializer)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def consumption_statistics(self, request):
        return counted(serializers.ConsumptionStatisticsSerializer(selectors.consumption_statistics()).data)

    @extend_schema(responses=serializers.PendingRecordSerializer(many=True))
    @action(detail=False, methods=["get"])
    def pending_records(self, request):
        """At most 100 unfinalized records, newest month first: a plain list (page parameters are ignored)."""
        return counted(serializers.PendingRecordSerializer(selectors.pending_records(), many=True).data)

    @extend_schema(request=serializers.FetchConsumptionRequestSerializer,
                   responses=serializers.FetchConsumptionResponseSerializer)
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def fetch_consumption(self, request):
        data = _validated(serializers.FetchConsumptionRequestSerializer, request)
        return Response(raw_lookups.fetch_consumption(license_reference=data["license_reference"],
                                                      period=data["period"]))

    @extend_schema(request=serializers.FetchBillingExportRequestSerializer,
                   responses=serializers.FetchBillingExportResponseSerializer)
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def fetch_billing_export(self, request):
        data = _validated(serializers.FetchBillingExportRequestSerializer, request)
        return Response(raw_lookups.fetch_billing_export(
            period_from=data["period_from"], period_to=data["period_to"], classification=data.get("classification"),
        ))

    @extend_schema(request=serializers.FetchLicenseInfoRequestSerializer,
                   responses=serializers.FetchLicenseInfoResponseSerializer)
    @action(detail=False, methods=["post"])
    @answers_domain_errors
    def fetch_license_info(self, request):
        data = _validated(serializers.FetchLicenseInfoRequestSerializer, request)
        return Response(raw_lookups.fetch_license_info(license_reference=data["license_reference"]))
