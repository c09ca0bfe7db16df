"""/api/admin/arrow/settings/: CRUD of Arrow settings plus credential checks and customer discovery.

Thin: serializers validate, `services.configuration.settings`/`.discovery` talk to Arrow and write.
Arrow failures become 400 with a message naming the problem (`api.base.exception_handler`), except in
`validate_credentials`, whose answer to a bad key or an unreachable Arrow is 200 `valid: false`.
DELETE archives the row and its mappings (`services.configuration.archive`): 204, then 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from arrow_client import ArrowError
from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.filters.configuration import ArrowSettingsFilter
from arrow_integration.api.serializers import settings as serializers
from arrow_integration.models import ArrowSettings
from arrow_integration.services.configuration import discovery
from arrow_integration.services.configuration import settings as settings_services
from arrow_integration.services.configuration.archive import arrow_settings_archive


class ArrowSettingsViewSet(AdminViewSetMixin, viewsets.ModelViewSet):
    queryset = ArrowSettings.objects.not_archived()
    filterset_class = ArrowSettingsFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    serializer_classes = {
        "create": serializers.ArrowSettingsCreateSerializer,
        "validate_credentials": serializers.CredentialsSerializer,
        "discover_customers": serializers.CredentialsSerializer,
        "preview_settings": serializers.PreviewSettingsSerializer,
        "save_settings": serializers.SaveSettingsSerializer,
    }

    def get_serializer_class(self):
        return self.serializer_classes.get(self.action, serializers.ArrowSettingsSerializer)

    def perform_create(self, serializer):
        serializer.instance = settings_services.arrow_settings_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = settings_services.arrow_settings_update(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        arrow_settings_archive(instance)

    def _validated(self, request) -> dict:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=serializers.CredentialsSerializer, responses=serializers.CredentialsValidationSerializer)
    @action(detail=False, methods=["post"])
    def validate_credentials(self, request):
        """Check a URL and key with Arrow without saving them (200 with `valid` either way)."""
        try:
            check = settings_services.credentials_check(**self._validated(request))
        except ArrowError as exc:
            return Response({"valid": False, "error": str(exc)})
        return Response(serializers.CredentialsValidationSerializer(check).data)

    @extend_schema(request=serializers.PreviewSettingsSerializer, responses=serializers.PreviewSettingsResponseSerializer)
    @action(detail=False, methods=["post"])
    def preview_settings(self, request):
        """What save_settings would store, after checking the key with Arrow; saves nothing."""
        preview = settings_services.settings_preview(**self._validated(request))
        return Response(serializers.PreviewSettingsResponseSerializer(preview).data)

    @extend_schema(request=serializers.CredentialsSerializer, responses=serializers.DiscoverCustomersResponseSerializer)
    @action(detail=False, methods=["post"])
    def discover_customers(self, request):
        """Arrow customers with suggested local customers, and export type compatibility."""
        found = discovery.customers_discover(**self._validated(request))
        return Response(serializers.DiscoverCustomersResponseSerializer(found).data)

    @extend_schema(
        request=serializers.SaveSettingsSerializer, responses={201: serializers.SaveSettingsResponseSerializer}
    )
    @action(detail=False, methods=["post"])
    def save_settings(self, request):
        """Store the active settings of an Arrow account and the listed customer mappings (201).

        An account that already has settings (same API URL and partner) has them updated in place."""
        saved = settings_services.settings_save(**self._validated(request))
        return Response(serializers.SaveSettingsResponseSerializer(saved).data, status=status.HTTP_201_CREATED)
