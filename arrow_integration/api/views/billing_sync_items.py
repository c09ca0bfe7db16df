"""/api/admin/arrow/billing-sync-items/: read-only billing sync items with the reference's filters.

Related rows are joined, so a page costs a constant number of queries whatever its size.
`?format=csv` streams every matching item (`api.csv_export`).
"""

from rest_framework import mixins, viewsets

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.csv_export import CsvExportMixin
from arrow_integration.api.filters.billing import ArrowBillingSyncItemFilter
from arrow_integration.api.serializers.billing import ArrowBillingSyncItemDetailSerializer
from arrow_integration.models import ArrowBillingSyncItem


class ArrowBillingSyncItemViewSet(CsvExportMixin, AdminViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                  viewsets.GenericViewSet):
    queryset = ArrowBillingSyncItem.objects.select_related("billing_sync", "invoice_item", "compensation_item")
    serializer_class = ArrowBillingSyncItemDetailSerializer
    filterset_class = ArrowBillingSyncItemFilter
    csv_filename = "billing-sync-items.csv"
