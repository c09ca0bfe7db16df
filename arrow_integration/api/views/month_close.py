"""/api/admin/arrow/month-close/ and month-close-lines/: the month-close report (staff only).

Both are ordinary lists of one month (`period` required: a JSON 400 naming it when missing or
malformed): a bare array paged with `page`/`page_size`, `Link` and `X-Result-Count`, `HEAD` for
the count, and CSV of every matching row (`?format=csv`, `Accept: text/csv`). Answers come from
the database through `selectors.month_close` in a constant number of queries; nothing calls
Arrow and nothing is written. Lines are paged in one pass that keeps only the page.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from arrow_integration.api.base import AdminViewSetMixin
from arrow_integration.api.csv_export import (
    CsvExportMixin,
    csv_requested,
    csv_response,
    csv_serializer,
    serializer_columns,
)
from arrow_integration.api.serializers.month_close import (
    MonthCloseLineSerializer,
    MonthCloseLinesQuerySerializer,
    MonthCloseQuerySerializer,
    MonthCloseRowSerializer,
)
from arrow_integration.selectors.month_close import (
    month_close_line_stream,
    month_close_line_window,
    month_close_report,
)
from arrow_integration.selectors.month_close_lines import LineFilters


class _Window:
    """A page computed beforehand, in the shape Django's paginator reads (count, then a slice)."""

    def __init__(self, count: int, rows: list) -> None:
        self._count, self._rows = count, rows

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, _slice) -> list:
        return self._rows


class _Rows(list):
    """The report's rows, counted as Django's paginator and `HEAD` count querysets."""

    def count(self) -> int:  # type: ignore[override]
        return len(self)


class _MonthReportViewSet(CsvExportMixin, AdminViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    query_serializer_class = MonthCloseQuerySerializer
    filter_backends = []  # the query serializer reads the parameters

    def query(self):
        """The validated parameters: (period, filters); a 400 naming the parameter otherwise."""
        serializer = self.query_serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        return data.pop("period"), LineFilters(**data)

    def csv_download(self, rows, period, count: int | None = None):
        serializer = csv_serializer(self)
        return csv_response((serializer.to_representation(row) for row in rows), serializer_columns(serializer),
                            filename=f"{self.csv_name}-{period}.csv", count=count)


class MonthCloseViewSet(_MonthReportViewSet):
    """One row per settings × Arrow customer of the month (see `selectors.month_close`)."""

    serializer_class = MonthCloseRowSerializer
    csv_name = "month-close"

    @extend_schema(parameters=[MonthCloseQuerySerializer], responses=MonthCloseRowSerializer(many=True))
    def list(self, request, *args, **kwargs):
        period, filters = self.query()
        rows = month_close_report(period, filters)
        if csv_requested(request) and request.method != "HEAD":
            return self.csv_download(rows, period, count=len(rows))
        page = self.paginate_queryset(_Rows(rows))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class MonthCloseLinesViewSet(_MonthReportViewSet):
    """One row per Arrow line (a license-month for consumption) of the month, classified."""

    serializer_class = MonthCloseLineSerializer
    query_serializer_class = MonthCloseLinesQuerySerializer
    csv_name = "month-close-lines"

    @extend_schema(parameters=[MonthCloseLinesQuerySerializer], responses=MonthCloseLineSerializer(many=True))
    def list(self, request, *args, **kwargs):
        period, filters = self.query()
        if request.method == "HEAD":
            count, _lines = month_close_line_window(period, filters, offset=0, limit=0)
            return Response(headers={"X-Result-Count": str(count)})
        if csv_requested(request):  # counted first (one more pass), then streamed
            count, _lines = month_close_line_window(period, filters, offset=0, limit=0)
            return self.csv_download(month_close_line_stream(period, filters), period, count=count)
        paginator = self.paginator
        size = paginator.get_page_size(request)
        number = paginator.get_page_number(request, None)
        count, lines = month_close_line_window(period, filters, offset=(number - 1) * size, limit=size)
        page = self.paginate_queryset(_Window(count, lines))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
