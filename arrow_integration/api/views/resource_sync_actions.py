"""Resource import action of /api/admin/arrow/billing-syncs/: `sync_resources` (synchronous, 200).

Thin: validate the body (periods, settings, offering, project, force_import), pick the settings
(`api.base.settings_for_request`), call `services.resources.resources_sync_from_billing`
and return its counters.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from arrow_integration.api.base import counted, settings_for_request
from arrow_integration.api.serializers.licenses import (
    SyncResourcesRequestSerializer,
    SyncResourcesResponseSerializer,
)
from arrow_integration.services.licenses.resource_sync import resources_sync_from_billing


class ResourceSyncActionsMixin:
    @extend_schema(request=SyncResourcesRequestSerializer, responses=SyncResourcesResponseSerializer)
    @action(detail=False, methods=["post"])
    def sync_resources(self, request):
        """Import Arrow IAAS subscriptions of a period range as resources (see the service)."""
        body = SyncResourcesRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        options = body.validated_data
        arrow_settings = settings_for_request(options.get("settings_uuid"))
        result = resources_sync_from_billing(
            arrow_settings=arrow_settings,
            period_from=options.get("period_from"),
            period_to=options.get("period_to"),
            offering=options.get("offering_uuid"),
            project=options.get("project_uuid"),
            force_import=options["force_import"],
        )
        return counted(SyncResourcesResponseSerializer(result).data)
