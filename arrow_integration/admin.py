"""Django admin pages of the Arrow objects, for operators running the service stand-alone.

Settings and mappings are editable; the API key is a write-only password input (left empty it
keeps the stored key, unless the URL changes: then it is required) and its encrypted form is
never shown. The URL is checked by the model's validation (`services.url_guard`). Billing
syncs, their items, consumption records, lines left uncharged, sync runs and the ledger are
read-only: only the services write them.

Every save and delete of settings and mappings here, and every change or removal of an
Arrow-sourced invoice item (core's invoice item page, extended below), is recorded in the
ledger with the admin user as its actor (`arrow_integration.middleware`).
"""

from django import forms
from django.contrib import admin
from django.db import transaction

from arrow_integration.models import (
    ArrowBillingSync,
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowCustomerMapping,
    ArrowLedgerEntry,
    ArrowSettings,
    ArrowSyncControl,
    ArrowSyncRun,
    ArrowUnchargedLine,
    ArrowVendorOfferingMapping,
)
from arrow_integration.services.configuration.settings import API_KEY_REQUIRED_FOR_NEW_URL, arrow_settings_store
from arrow_integration.services.ledger.configuration import ledger_configuration_watch
from arrow_integration.services.ledger.record import item_state, ledger_items_changed, ledger_items_removed
from core import admin as core_admin
from core.models import InvoiceItem

ADMIN_CAUSE = "changed in the Django admin"


class ArrowSettingsAdminForm(forms.ModelForm):
    api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current key. Required for new settings and when the API URL changes.",
    )

    class Meta:
        model = ArrowSettings
        exclude = ["api_key_encrypted"]  # noqa: DJ006 - every field but the encrypted key

    def _get_validation_exclusions(self):
        # The single-active constraint is kept by deactivating the other rows on save
        # (arrow_settings_store), so the form must not refuse an activation.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("is_active")
        return exclusions

    def clean_api_key(self):
        api_key = self.cleaned_data.get("api_key", "")
        if not api_key and not self.instance.api_key_encrypted:
            raise forms.ValidationError("An API key is required for new settings.")
        return api_key

    def clean(self):
        cleaned = super().clean()
        # Still the stored URL here: the form's values reach the instance after clean().
        stored_url = self.instance.api_url if self.instance.pk else None
        new_url = cleaned.get("api_url")
        if stored_url and new_url and new_url != stored_url and not cleaned.get("api_key"):
            self.add_error("api_key", API_KEY_REQUIRED_FOR_NEW_URL)
        return cleaned

    def save(self, commit=True):
        instance = super().save(commit=False)
        if self.cleaned_data.get("api_key"):
            instance.api_key = self.cleaned_data["api_key"]
        if commit:
            instance.save()
        return instance


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listing and detail pages only: these rows are written by the sync services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LedgerRecordedAdmin(admin.ModelAdmin):
    """Saves and deletes recorded in the ledger (`ledger.configuration`), with what cascades."""

    def watched_with(self, obj) -> tuple:
        """Rows a delete of ``obj`` removes with it (recorded too)."""
        return ()

    def save_model(self, request, obj, form, change):
        with ledger_configuration_watch(obj):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with ledger_configuration_watch(obj, *self.watched_with(obj)):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with ledger_configuration_watch(queryset, *(rows for obj in queryset for rows in self.watched_with(obj))):
            super().delete_queryset(request, queryset)


@admin.register(ArrowSettings)
class ArrowSettingsAdmin(LedgerRecordedAdmin):
    form = ArrowSettingsAdminForm
    list_display = ["partner_name", "partner_reference", "api_url", "is_active", "sync_enabled", "uuid"]
    list_filter = ["is_active", "sync_enabled"]
    readonly_fields = ["uuid", "partner_reference", "partner_name", "api_key_origin", "archived_at", "created",
                       "modified"]

    def save_model(self, request, obj, form, change):
        # Activating a row here deactivates the others, as through the API (and is recorded there).
        arrow_settings_store(obj)

    def watched_with(self, obj) -> tuple:
        return (ArrowCustomerMapping.objects.filter(settings=obj), ArrowVendorOfferingMapping.objects.filter(settings=obj))


@admin.register(ArrowCustomerMapping)
class ArrowCustomerMappingAdmin(LedgerRecordedAdmin):
    list_display = ["arrow_reference", "arrow_company_name", "waldur_customer", "settings", "is_active", "uuid"]
    list_filter = ["is_active"]
    search_fields = ["arrow_reference", "arrow_company_name", "waldur_customer__name"]
    list_select_related = ["waldur_customer", "settings"]
    readonly_fields = ["uuid", "archived_at", "created", "modified"]


@admin.register(ArrowVendorOfferingMapping)
class ArrowVendorOfferingMappingAdmin(LedgerRecordedAdmin):
    list_display = ["arrow_vendor_name", "offering", "plan", "settings", "is_active", "uuid"]
    list_filter = ["is_active"]
    search_fields = ["arrow_vendor_name", "offering__name"]
    list_select_related = ["offering", "plan", "settings"]
    readonly_fields = ["uuid", "created", "modified"]


class ArrowBillingSyncItemInline(admin.TabularInline):
    model = ArrowBillingSyncItem
    fields = ["arrow_line_reference", "license_reference", "vendor_name", "original_price", "final_price",
              "invoice_item", "compensation_item"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ArrowBillingSync)
class ArrowBillingSyncAdmin(ReadOnlyAdmin):
    list_display = ["customer_mapping", "report_period", "state", "arrow_state", "sell_total", "buy_total",
                    "currency", "uuid"]
    list_filter = ["state", "arrow_state", "report_period"]
    search_fields = ["customer_mapping__arrow_reference", "customer_mapping__arrow_company_name", "statement_reference"]
    list_select_related = ["customer_mapping__waldur_customer"]
    inlines = [ArrowBillingSyncItemInline]


@admin.register(ArrowBillingSyncItem)
class ArrowBillingSyncItemAdmin(ReadOnlyAdmin):
    list_display = ["arrow_line_reference", "billing_sync", "license_reference", "vendor_name", "original_price",
                    "final_price", "uuid"]
    list_filter = ["classification", "vendor_name"]
    search_fields = ["arrow_line_reference", "license_reference", "subscription_reference"]
    list_select_related = ["billing_sync__customer_mapping"]


@admin.register(ArrowConsumptionRecord)
class ArrowConsumptionRecordAdmin(ReadOnlyAdmin):
    list_display = ["license_reference", "resource", "billing_period", "consumed_sell", "final_sell",
                    "finalized_at", "reconciled_at", "uuid"]
    list_filter = ["billing_period"]
    search_fields = ["license_reference", "resource__name"]
    list_select_related = ["resource"]


@admin.register(ArrowSyncRun)
class ArrowSyncRunAdmin(ReadOnlyAdmin):
    list_display = ["kind", "period", "state", "triggered_by", "progress_done", "progress_total", "created", "started_at",
                    "finished_at", "uuid"]
    list_filter = ["kind", "state", "triggered_by"]


@admin.register(ArrowSyncControl)
class ArrowSyncControlAdmin(ReadOnlyAdmin):
    list_display = ["key", "scheduled_syncs_paused", "paused_at"]


@admin.register(ArrowUnchargedLine)
class ArrowUnchargedLineAdmin(ReadOnlyAdmin):
    list_display = ["arrow_line_reference", "report_period", "reason", "customer_reference", "customer_name",
                    "license_reference", "classification", "sell_price", "buy_price", "currency"]
    list_filter = ["reason", "report_period", "classification"]
    search_fields = ["arrow_line_reference", "customer_reference", "customer_name", "license_reference"]


@admin.register(ArrowLedgerEntry)
class ArrowLedgerEntryAdmin(ReadOnlyAdmin):
    """The append-only ledger: looked at, never added to, changed or deleted here."""

    list_display = ["created", "actor", "action", "customer_name", "period", "license_reference", "line_reference",
                    "amount_before", "amount_after", "delta", "currency", "reason"]
    list_filter = ["action", "period", "actor"]
    search_fields = ["uuid", "actor", "customer_name", "customer_reference", "license_reference", "line_reference",
                     "item_name", "reason"]
    date_hierarchy = "created"


# Core's invoice item page, with the ledger entries of the Arrow-sourced items changed through it.
admin.site.unregister(InvoiceItem)


@admin.register(InvoiceItem)
class InvoiceItemAdmin(core_admin.InvoiceItemAdmin):
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = item_state(InvoiceItem.objects.get(pk=obj.pk))
            super().save_model(request, obj, form, change)
            ledger_items_changed([(before, obj)], cause=ADMIN_CAUSE)

    def delete_model(self, request, obj):
        with transaction.atomic():
            before = item_state(obj)
            super().delete_model(request, obj)
            ledger_items_removed([before], cause=ADMIN_CAUSE)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            items = list(queryset)
            before = [item_state(item) for item in items]
            super().delete_queryset(request, items)
            ledger_items_removed(before, cause=ADMIN_CAUSE)
