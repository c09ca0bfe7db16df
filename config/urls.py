"""URL routing: the API root, the core Waldur paths, /api/admin/arrow/, schema and docs, the staff dashboard,
JSON 404/500."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.api_root import ApiRootView

urlpatterns = [
    path("api/", ApiRootView.as_view(), name="api-root"),
    path("api/", include("core.api.urls")),
    path("api/admin/arrow/", include("arrow_integration.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # The docs are opened by people, who may leave the slash out; the API itself never redirects.
    path("api/docs", RedirectView.as_view(pattern_name="docs", permanent=False)),
    path("admin/", admin.site.urls),
    path("dashboard/", include("arrow_integration.dashboard.urls")),
]

handler404 = "core.api.exceptions.json_page_not_found"
handler500 = "core.api.exceptions.json_server_error"
