"""Consumption actions of /api/admin/arrow/billing-syncs/ (mixed into the billing-syncs viewset).

Queued actions (`trigger_consumption_sync`, `trigger_reconciliation`) validate everything first
and answer 202 only once the task is queued (`api.base.enqueue`). The other actions call one
service or selector and answer 200. Domain errors answer with their own status and body (the
API's exception handler); the GET actions also answer HEAD with `X-Result-Count`. Nothing here
paginates or filters the billing-sync queryset.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from arrow_integration.api.base import counted, enqueue, queued, settings_for_request
from arrow_integration.api.csv_export import csv_requested, csv_response
from arrow_integration.api.serializers import consumption as serializers
from arrow_integration.api.serializers.billing import QueuedResponseSerializer, ReconcileRequestSerializer
from arrow_integration.errors import ActionRefused
from arrow_integration.selectors import consumption as selectors
from arrow_integration.selectors.configuration import resource_get
from arrow_integration.services.consumption import raw_lookups
from arrow_integration.services.consumption.cleanup import consumption_records_cleanup
from arrow_integration.services.consumption.history import resource_consumption_history_sync
from arrow_integration.services.runs.pause import scheduled_syncs_pause, scheduled_syncs_resume
from arrow_integration.tasks.consumption import consumption_reconciliation, consumption_sync


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ConsumptionActionsMixin:
    @extend_schema(request=serializers.TriggerConsumptionSyncRequestSerializer,
                   responses={202: QueuedResponseSerializer})
    @action(detail=False, methods=["post"])
    def trigger_consumption_sync(self, request):
        data = _validated(serializers.TriggerConsumptionSyncRequestSerializer, request)
        settings = settings_for_request(data.get("settings_uuid"))
        resource = resource_get(data["resource_uuid"], field="resource_uuid") if data.get("resource_uuid") else None
        if resource is not None and not resource.backend_id.strip():
            raise ActionRefused("The resource is not linked to an Arrow license.", field="resource_uuid")
        period = data["period"]
        run = enqueue(consumption_sync, request=request, settings=settings, period=period,
                      args=(str(resource.uuid) if resource else None,))
        return queued(f"Consumption sync for {period} scheduled.", run)

    @extend_schema(request=ReconcileRequestSerializer, responses={202: QueuedResponseSerializer})
    @action(detail=False, methods=["post"])
    def trigger_reconciliation(self, request):
        data = _validated(ReconcileRequestSerializer, request)
        settings = settings_for_request(data.get("settings_uuid"))
        period = data["period"]
        run = enqueue(consumption_reconciliation, request=request, settings=settings, period=period,
                      args=(data["force"],))
        return queued(f"Consumption reconciliation for {period} scheduled.", run)

    @extend_schema(request=serializers.HistoricalConsumptionRequestSerializer,
                   responses=serializers.HistoricalConsumptionResponseSerializer)
    @action(detail=False, methods=["post"])
    def sync_resource_historical_consumption(self, request):
        data = _validated(serializers.HistoricalConsumptionRequestSerializer, request)
        result = resource_consumption_history_sync(
            resource_uuid=data["resource_uuid"], period_from=data.get("period_from"),
            period_to=data.get("period_to"), force=data["force"], dry_run=data["dry_run"],
        )
        return Response(serializers.HistoricalConsumptionResponseSerializer(result).data)

    @extend_schema(request=serializers.CleanupConsumptionRequestSerializer,
                   responses=serializers.CleanupConsumptionResponseSerializer)
    @action(detail=False, methods=["post"])
    def cleanup_consumption(self, request):
        data = _validated(serializers.CleanupConsumptionRequestSerializer, request)
        resource = resource_get(data["resource_uuid"], field="resource_uuid") if data.get("resource_uuid") else None
        result = consumption_records_cleanup(
            period_from=data.get("period_from"), period_to=data.get("period_to"), resource=resource,
            only_finalized=data["only_finalized"], only_unfinalized=data["only_unfinalized"], dry_run=data["dry_run"],
        )
        return Response(serializers.CleanupConsumptionResponseSerializer(result).data)

    @extend_schema(request=serializers.SyncPauseRequestSerializer, responses=serializers.SyncPauseResponseSerializer)
    @action(detail=False, methods=["post"])
    def pause_sync(self, request):
        data = _validated(serializers.SyncPauseRequestSerializer, request)
        return Response(scheduled_syncs_pause(settings_uuid=data.get("settings_uuid"),
                                              pause_global=data["pause_global"]))

    @extend_schema(request=serializers.SyncPauseRequestSerializer, responses=serializers.SyncPauseResponseSerializer)
    @action(detail=False, methods=["post"])
    def resume_sync(self, request):
        data = _validated(serializers.SyncPauseRequestSerializer, request)
        return Response(scheduled_syncs_resume(settings_uuid=data.get("settings_uuid"),
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
    def fetch_consumption(self, request):
        data = _validated(serializers.FetchConsumptionRequestSerializer, request)
        return Response(raw_lookups.consumption_fetch_raw(license_reference=data["license_reference"],
                                                      period=data["period"]))

    @extend_schema(request=serializers.FetchBillingExportRequestSerializer,
                   responses=serializers.FetchBillingExportResponseSerializer)
    @action(detail=False, methods=["post"])
    def fetch_billing_export(self, request):
        data = _validated(serializers.FetchBillingExportRequestSerializer, request)
        if csv_requested(request):  # every row of the export, streamed from Arrow
            export = raw_lookups.billing_export_rows_stream(
                period_from=data["period_from"], period_to=data["period_to"],
                classification=data.get("classification"),
            )
            return csv_response(export.rows, export.headers,
                                filename=f"billing-export-{data['period_from']}-{data['period_to']}.csv")
        return Response(raw_lookups.billing_export_fetch_raw(
            period_from=data["period_from"], period_to=data["period_to"], classification=data.get("classification"),
        ))

    @extend_schema(request=serializers.FetchLicenseInfoRequestSerializer,
                   responses=serializers.FetchLicenseInfoResponseSerializer)
    @action(detail=False, methods=["post"])
    def fetch_license_info(self, request):
        data = _validated(serializers.FetchLicenseInfoRequestSerializer, request)
        return Response(raw_lookups.license_info_fetch_raw(license_reference=data["license_reference"]))
