"""CSV for the lists and exports of the API: one renderer, one way to stream rows, one mixin.

A list offers CSV through `CsvExportMixin` (`?format=csv`, or `Accept: text/csv`): every row
matching its filters (not one page), read from the database a chunk at a time and written as it
goes (`StreamingHttpResponse`), so a 100 000-line month never sits in memory. The columns are the
serializer's fields, in its order; a nested object gives one column per field (`counts.matched`),
a list one column of its values separated by spaces. Cells: decimals as written by the
serializer (exact strings, never floats), dates and times in ISO 8601, `true`/`false`, null as
an empty cell; UTF-8, a header row first, RFC 4180 quoting (the standard `csv` module).

Errors stay JSON whatever the request asked for: a 400 names the parameter at fault.
`X-Result-Count` carries the number of rows, and `HEAD` answers with it alone.

The standard library's `csv` writer is used rather than djangorestframework-csv: its renderer
turns a list into numbered columns (`items.0`, `items.1`…), whose header cannot be known before
every row has been read, which a stream cannot wait for.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

CSV_MEDIA_TYPE = "text/csv"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CSV_FORMAT = "csv"
DEFAULT_CHUNK_ROWS = 2000  # rows read from the database at a time
ROWS_PER_PIECE = 200  # rows joined into one piece of the stream
LIST_SEPARATOR = " "


class CsvRenderer(BaseRenderer):
    """Content negotiation's handle on CSV (`?format=csv`, `Accept: text/csv`).

    Views stream their rows themselves (`csv_response`); what reaches this renderer is a small
    answer (a row, a list of rows, or nothing for `HEAD`), written with the same cells.
    """

    media_type = CSV_MEDIA_TYPE
    format = CSV_FORMAT
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None or data == "":
            return b""
        rows = data if isinstance(data, list) else [data]
        header = (renderer_context or {}).get("csv_header") or _keys(rows)
        return b"".join(csv_stream(rows, header))


def _keys(rows: Sequence[Mapping]) -> list[str]:
    keys: list[str] = []
    for row in rows[:1]:
        for key, value in row.items():
            keys += [f"{key}.{inner}" for inner in value] if isinstance(value, Mapping) else [key]
    return keys


def csv_cell(value: Any) -> str:
    """One value as a CSV cell (see the module)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(csv_cell(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _value(row: Mapping, column: str) -> Any:
    if column in row:
        return row[column]
    value: Any = row
    for part in column.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


class _Line:
    """A file-like target for `csv.writer` that hands back what was written."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def csv_stream(rows: Iterable[Mapping | Sequence], header: Sequence[str] | None) -> Iterator[bytes]:
    """UTF-8 pieces of a CSV: ``header`` first (when given), then each row; a mapping row gives
    its values for the header's columns (dotted names reach into nested objects), a sequence
    row is written as it is."""
    target = _Line()
    writer = csv.writer(target, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    pending = 0
    for row in rows:
        if isinstance(row, Mapping):
            writer.writerow([csv_cell(_value(row, column)) for column in header or ()])
        else:
            writer.writerow([csv_cell(value) for value in row])
        pending += 1
        if pending == ROWS_PER_PIECE:
            yield target.take().encode()
            pending = 0
    rest = target.take()
    if rest:
        yield rest.encode()


def serializer_columns(serializer: serializers.Serializer) -> list[str]:
    """The CSV columns of a serializer's output: its fields in order, nested ones dotted."""
    columns = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            columns += [f"{name}.{inner}" for inner in serializer_columns(field)]
        else:
            columns.append(name)
    return columns


def csv_response(rows: Iterable[Mapping | Sequence], header: Sequence[str] | None, *, filename: str,
                 count: int | None = None) -> StreamingHttpResponse:
    """A streamed CSV download of ``rows`` (see `csv_stream`), with its row count when known."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if count is not None:
        headers["X-Result-Count"] = str(count)
    return StreamingHttpResponse(csv_stream(rows, header), content_type=CSV_CONTENT_TYPE, headers=headers)


def csv_requested(request) -> bool:
    """True when content negotiation chose CSV for ``request``."""
    renderer = getattr(request, "accepted_renderer", None)
    return isinstance(renderer, CsvRenderer)


class CsvExportMixin:
    """CSV for a viewset's `list` (unless ``csv_list`` is off) and the actions named in
    ``csv_actions``; JSON stays the default.

    `list` in CSV writes every row of the filtered queryset through the serializer, reading
    ``csv_chunk_rows`` rows at a time; `csv_filename` names the download. Errors are JSON.
    """

    csv_actions: tuple[str, ...] = ()
    csv_list = True  # False: only the actions of ``csv_actions`` offer CSV
    csv_chunk_rows = DEFAULT_CHUNK_ROWS
    csv_filename = "export.csv"

    def get_renderers(self):
        renderers = [JSONRenderer()]
        if getattr(self, "action", None) in (*(("list",) if self.csv_list else ()), *self.csv_actions):
            renderers.append(CsvRenderer())
        return renderers

    def handle_exception(self, exc):
        """Errors answer in JSON, whatever format was asked for."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def list(self, request, *args, **kwargs):
        if not csv_requested(request):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        if request.method == "HEAD":
            return Response(headers={"X-Result-Count": str(queryset.count())})
        serializer = self.get_serializer()
        rows = (serializer.to_representation(obj) for obj in queryset.iterator(chunk_size=self.csv_chunk_rows))
        return csv_response(rows, serializer_columns(serializer), filename=self.csv_filename, count=queryset.count())
