"""/api/admin/arrow/focus-export/: a billing month's Arrow-sourced charges as a FOCUS 1.0 CSV.

Staff only. `GET ?period=YYYY-MM[&settings_uuid=…][&customer_uuid=…]` streams the CSV of
`services.reports.focus_export` as it is read from the database, with the number of rows in
`X-Result-Count` like every GET of the API; `HEAD` answers the same headers and no body. Bad
input is a JSON 400 naming the parameter, whatever the client accepts: only the export is CSV.
"""

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from arrow_integration.api.base import AdminAutoSchema, PeriodField
from arrow_integration.selectors.focus import focus_charge_count
from arrow_integration.services.reports.focus_export import focus_csv_pieces, focus_export_filename
from core.api.permissions import IsStaff

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


class FocusExportQuerySerializer(serializers.Serializer):
    period = PeriodField(help_text="The billing month, YYYY-MM: the charges on the invoices of that month.")
    settings_uuid = serializers.UUIDField(required=False, help_text="Only charges read through these Arrow settings.")
    customer_uuid = serializers.UUIDField(required=False, help_text="Only the invoices of this customer.")


class JsonFirstNegotiation(BaseContentNegotiation):
    """Errors are rendered as JSON whatever the Accept header or `?format=` says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FocusExportView(APIView):
    permission_classes = [IsStaff]
    content_negotiation_class = JsonFirstNegotiation
    schema = AdminAutoSchema()

    def _query(self, request) -> dict:
        serializer = FocusExportQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @staticmethod
    def _headers(query: dict) -> dict[str, str]:
        return {
            "Content-Disposition": f'attachment; filename="{focus_export_filename(query["period"])}"',
            "X-Result-Count": str(focus_charge_count(**query)),
        }

    @extend_schema(
        operation_id="admin_arrow_focus_export",
        parameters=[FocusExportQuerySerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="FOCUS 1.0 CSV, one row a charge."),
                   400: OpenApiResponse(description="A parameter is missing or malformed.")},
    )
    def get(self, request):
        """The month's Arrow-sourced charges (statement lines, consumption items, compensations) in
        FOCUS 1.0 columns plus `x_WholesaleCost`, `x_InvoiceId`, `x_InvoiceItemId`, `x_ChargeSource`."""
        query = self._query(request)
        return StreamingHttpResponse(focus_csv_pieces(**query), content_type=CSV_CONTENT_TYPE,
                                     headers=self._headers(query))

    def head(self, request):
        query = self._query(request)
        return HttpResponse(content_type=CSV_CONTENT_TYPE, headers=self._headers(query))
