"""License actions of /api/admin/arrow/customer-mappings/{uuid}/: discover, link, import, live data.

Thin: validate input, call one service of `arrow_integration.services.licenses.links` or
`customer_arrow_data`, shape the answer. Every action answers 200 (the official client accepts
nothing else); invalid input is a 400 naming the field, unknown objects a 404, Arrow failures a 400.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from arrow_integration.api.base import counted
from arrow_integration.api.serializers import licenses as serializers
from arrow_integration.services.licenses.customer_arrow_data import customer_arrow_data_fetch
from arrow_integration.services.licenses.links import license_import, license_link_resource, licenses_discover


class LicenseActionsMixin:
    """Actions on one customer mapping (composed into its viewset; uses its `get_object`)."""

    def _mapping(self):
        mapping = self.get_object()
        return type(mapping).objects.select_related("settings", "waldur_customer").get(pk=mapping.pk)

    @extend_schema(request=None, responses=serializers.DiscoverLicensesResponseSerializer)
    @action(detail=True, methods=["get"])
    def discover_licenses(self, request, uuid=None):
        """Arrow licenses of this customer, its local resources, and suggested links."""
        discovery = licenses_discover(mapping=self._mapping())
        return counted(serializers.DiscoverLicensesResponseSerializer(discovery).data)

    @extend_schema(request=serializers.LinkResourceRequestSerializer, responses=serializers.LinkResourceResponseSerializer)
    @action(detail=True, methods=["post"])
    def link_resource(self, request, uuid=None):
        """Set a resource's backend_id to an Arrow license reference of this customer."""
        mapping = self._mapping()
        body = serializers.LinkResourceRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        outcome = license_link_resource(
            mapping=mapping, resource=body.validated_data["resource_uuid"],
            license_reference=body.validated_data["license_reference"],
        )
        return counted(serializers.LinkResourceResponseSerializer(outcome).data)

    @extend_schema(request=serializers.ImportLicenseRequestSerializer, responses=serializers.ImportLicenseResponseSerializer)
    @action(detail=True, methods=["post"])
    def import_license(self, request, uuid=None):
        """Create a resource (state OK, backend_id = license) for an Arrow license of this customer."""
        mapping = self._mapping()
        body = serializers.ImportLicenseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        imported = license_import(
            mapping=mapping,
            license_reference=body.validated_data["license_reference"],
            offering=body.validated_data["offering_uuid"],
            project=body.validated_data["project_uuid"],
            name=body.validated_data.get("license_name"),
        )
        return counted(serializers.ImportLicenseResponseSerializer(imported).data)

    @extend_schema(request=None, responses=serializers.FetchCustomerArrowDataResponseSerializer)
    @action(detail=True, methods=["get"])
    def fetch_arrow_data(self, request, uuid=None):
        """This month's billing lines and consumption of this customer, live from Arrow."""
        data = customer_arrow_data_fetch(mapping=self._mapping())
        return counted(serializers.FetchCustomerArrowDataResponseSerializer(data).data)
