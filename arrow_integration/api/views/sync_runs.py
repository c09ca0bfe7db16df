"""/api/admin/arrow/sync-runs/: background runs, newest first, to follow what was queued.

Read-only list and retrieve (staff only) with the filters `kind`, `period`, `settings_uuid`,
`state` and `triggered_by`; CSV of every matching run with `?format=csv`. Every queued action
answers with the `run_uuid` to look up here. One query per page (settings and user joined).
"""

from rest_framework import mixins, viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.csv_export import CsvExportMixin
from arrow_integration.api.filters.runs import ArrowSyncRunFilter
from arrow_integration.api.serializers.runs import ArrowSyncRunSerializer
from arrow_integration.selectors.runs import sync_runs_queryset


class ArrowSyncRunViewSet(CsvExportMixin, AdminViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    queryset = sync_runs_queryset().select_related("triggered_by_user")
    serializer_class = ArrowSyncRunSerializer
    filterset_class = ArrowSyncRunFilter
    csv_filename = "sync-runs.csv"
