"""`GET /api/`: the entry points of the API as JSON, for a person or a client starting from the root.

The list is read from the routers of the core objects and of `/api/admin/arrow/`, so it names
every collection that exists and nothing else, plus the schema and the interactive docs. Listing
paths gives nothing away (the schema is public too), so the root answers without a token; what
each entry point allows is decided there.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from arrow_integration.api.urls import router as arrow_router
from core.api.urls import router as core_router

ARROW_PREFIX = "admin/arrow/"


def _collections(router, request, key_prefix: str = "") -> dict[str, str]:
    return {
        f"{key_prefix}{prefix}": reverse(f"{basename}-list", request=request)
        for prefix, _viewset, basename in router.registry
    }


class ApiRootView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request):
        """Absolute URLs of every collection, of the schema and of the docs."""
        return Response({
            **_collections(core_router, request),
            **_collections(arrow_router, request, ARROW_PREFIX),
            "schema": reverse("schema", request=request),
            "docs": reverse("docs", request=request),
        })
