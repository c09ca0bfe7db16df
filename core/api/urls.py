"""Routes of the core objects at the paths Waldur uses."""

from rest_framework.routers import SimpleRouter

from core.api import views

router = SimpleRouter(trailing_slash=True)
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("marketplace-provider-offerings", views.OfferingViewSet, basename="offering")
router.register("marketplace-plans", views.PlanViewSet, basename="plan")
router.register("marketplace-resources", views.ResourceViewSet, basename="resource")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("invoice-items", views.InvoiceItemViewSet, basename="invoiceitem")

urlpatterns = router.urls
