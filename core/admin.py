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


@admin.register(InvoiceItem)
class InvoiceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "invoice", "unit_price", "quantity", "start", "end"]
    list_select_related = ["invoice__customer"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
