"""/api/admin/arrow/consumption-records/: read-only list and retrieve with the reference's filters.

One query per page whatever its size (relations joined); `adjustment_amount` is shown in the
active settings' price source, read once per request. `?format=csv` streams every matching
record (`api.csv_export`).
"""

from rest_framework import mixins, viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.csv_export import CsvExportMixin
from arrow_integration.api.filters.consumption import ArrowConsumptionRecordFilter
from arrow_integration.api.serializers.consumption import ArrowConsumptionRecordSerializer
from arrow_integration.selectors.consumption import consumption_records_queryset, price_source_current


class ArrowConsumptionRecordViewSet(
    CsvExportMixin, AdminViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = consumption_records_queryset()
    serializer_class = ArrowConsumptionRecordSerializer
    filterset_class = ArrowConsumptionRecordFilter
    csv_filename = "consumption-records.csv"

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.method != "HEAD":
            context["price_source"] = price_source_current()
        return context
