"""/api/admin/arrow/ledger/: the append-only ledger, read-only (list and retrieve, staff only).

Newest first, with the list conventions of the API (bare array, `page`/`page_size`, `Link`,
`X-Result-Count`, `HEAD`) and the filters of `filters.ledger`. There is no write route: POST,
PUT, PATCH and DELETE answer 405. `?format=csv` streams every matching entry (`api.csv_export`).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.csv_export import CsvExportMixin
from arrow_integration.api.filters.ledger import ArrowLedgerEntryFilter
from arrow_integration.api.serializers.ledger import ArrowLedgerEntrySerializer
from arrow_integration.models import ArrowLedgerEntry


@extend_schema_view(
    list=extend_schema(description="Ledger entries, newest first: every change to an Arrow-sourced invoice item "
                                   "and to Arrow settings and mappings, with its actor, amounts and reason."),
    retrieve=extend_schema(description="One ledger entry."),
)
class ArrowLedgerEntryViewSet(CsvExportMixin, AdminViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                              viewsets.GenericViewSet):
    queryset = ArrowLedgerEntry.objects.order_by("-created", "-id")
    serializer_class = ArrowLedgerEntrySerializer
    filterset_class = ArrowLedgerEntryFilter
    csv_filename = "ledger.csv"
