"""Routes under /api/admin/arrow/ (staff only)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from arrow_integration.api.views import (
    billing_sync_items,
    billing_syncs,
    consumption_records,
    customer_mappings,
    focus_export,
    month_close,
    settings,
    sync_runs,
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
router.register("sync-runs", sync_runs.ArrowSyncRunViewSet, basename="arrow-sync-run")

# Lists of one month (`period` required) and a CSV export of one: routed here rather than listed by the
# API root, whose entries answer a plain GET.
LIST = {"get": "list"}
urlpatterns = router.urls + [
    path("focus-export/", focus_export.FocusExportView.as_view(), name="arrow-focus-export"),
    path("month-close/", month_close.MonthCloseViewSet.as_view(LIST), name="arrow-month-close-list"),
    path("month-close-lines/", month_close.MonthCloseLinesViewSet.as_view(LIST), name="arrow-month-close-line-list"),
]
