"""Routes under /api/admin/arrow/ (staff only)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from arrow_integration.api.views import (
    billing_sync_items,
    billing_syncs,
    consumption_records,
    customer_mappings,
    focus_export,
    ledger,
    settings,
    vendor_mappings,
)

router = SimpleRouter(trailing_slash=True)
router.register("settings", settings.ArrowSettingsViewSet, basename="arrow-settings")
router.register("customer-mappings", customer_mappings.ArrowCustomerMappingViewSet, basename="arrow-customer-mapping")
router.register(
    "vendor-offering-mappings", vendor_mappings.ArrowVendorOfferingMappingViewSet, basename="arrow-vendor-offering-mapping"
)
router.register("billing-syncs", billing_syncs.ArrowBillingSyncViewSet, basename="arrow-billing-sync")
router.register("billing-sync-items", billing_sync_items.ArrowBillingSyncItemViewSet, basename="arrow-billing-sync-item")
router.register(
    "consumption-records", consumption_records.ArrowConsumptionRecordViewSet, basename="arrow-consumption-record"
)
router.register("ledger", ledger.ArrowLedgerEntryViewSet, basename="arrow-ledger-entry")

# Not a collection: a CSV export that needs a period, so it is routed here rather than listed by the API root.
urlpatterns = router.urls + [path("focus-export/", focus_export.FocusExportView.as_view(), name="arrow-focus-export")]
