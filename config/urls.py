"""URL routing: the core Waldur paths, /api/admin/arrow/, schema and docs, the staff dashboard, JSON 404/500."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("api/", include("core.api.urls")),
    path("api/admin/arrow/", include("arrow_integration.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("arrow_integration.dashboard.urls")),
]

handler404 = "core.api.exceptions.json_page_not_found"
handler500 = "core.api.exceptions.json_server_error"
