"""Django admin pages of the core objects, so an operator can run the service stand-alone."""

from django.contrib import admin

from core.models import (
    ComponentUsage,
    Customer,
    Invoice,
    InvoiceItem,
    Offering,
    OfferingComponent,
    Plan,
    Project,
    Resource,
)
from core.services.invoices import invoice_item_delete, invoice_item_update, invoice_items_bulk_delete


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "email", "country", "uuid"]
    search_fields = ["name", "abbreviation", "email"]
    filter_horizontal = ["members"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "uuid"]
    search_fields = ["name", "customer__name"]
    list_select_related = ["customer"]


class OfferingComponentInline(admin.TabularInline):
    model = OfferingComponent
    extra = 0


class PlanInline(admin.TabularInline):
    model = Plan
    extra = 0


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "customer", "uuid"]
    search_fields = ["name"]
    inlines = [OfferingComponentInline, PlanInline]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "offering", "unit", "uuid"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "backend_id", "project", "offering", "uuid"]
    list_filter = ["state", "offering"]
    search_fields = ["name", "backend_id"]
    list_select_related = ["project__customer", "offering"]


@admin.register(ComponentUsage)
class ComponentUsageAdmin(admin.ModelAdmin):
    list_display = ["resource", "component", "billing_period", "usage"]
    list_select_related = ["resource", "component"]


class InvoiceItemInline(admin.TabularInline):
    model = InvoiceItem
    extra = 0
    can_delete = False
    fields = ["name", "unit_price", "quantity", "start", "end", "resource"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Invoices are written by services; the admin only shows them."""

    list_display = ["customer", "period", "state", "currency", "uuid"]
    list_filter = ["state"]
    list_select_related = ["customer"]
    readonly_fields = ["customer", "period", "state", "currency", "invoice_date"]
    inlines = [InvoiceItemInline]

    def has_add_permission(self, request):
        return False


def _pending_or_list(obj) -> bool:
    return obj is None or obj.invoice.is_pending


@admin.register(InvoiceItem)
class InvoiceItemAdmin(admin.ModelAdmin):
    """An item of a pending invoice may be corrected (name, unit price) or removed, through
    `core.services.invoices` like every write of items; items of issued invoices are read-only."""

    list_display = ["name", "invoice", "unit_price", "quantity", "start", "end"]
    list_select_related = ["invoice__customer"]
    search_fields = ["name"]
    fields = ["uuid", "invoice", "name", "unit_price", "quantity", "unit", "measured_unit", "article_code", "resource",
              "project", "start", "end", "details", "created", "modified"]
    readonly_fields = [field for field in fields if field not in ("name", "unit_price")]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _pending_or_list(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _pending_or_list(obj)

    def save_model(self, request, obj, form, change):
        invoice_item_update(item=obj, **{name: form.cleaned_data[name] for name in form.changed_data})

    def delete_model(self, request, obj):
        invoice_item_delete(item=obj)

    def delete_queryset(self, request, queryset):
        invoice_items_bulk_delete(items=list(queryset))
