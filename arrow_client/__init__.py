"""Plain-Python client of the ArrowSphere API (no Django): typed objects, typed errors.

Public names are re-exported here; the submodules hold one concern each (periods, money, errors,
types, parsing of tabular payloads, payload envelopes, transport, client).
"""

from arrow_client.client import ArrowClient
from arrow_client.errors import (
    UNREACHABLE_MESSAGE,
    ArrowAuthError,
    ArrowBadResponse,
    ArrowError,
    ArrowNotFound,
    ArrowRequestError,
    ArrowUnavailable,
)
from arrow_client.export_dates import DEFAULT_EXPORT_DATE_FORMAT, EXPORT_DATE_FORMATS
from arrow_client.export_request import ExportFilters
from arrow_client.money import InvalidAmount, format_decimal, parse_decimal
from arrow_client.parsing import ColumnCompatibility, export_columns_compatibility
from arrow_client.periods import Period
from arrow_client.types import (
    BillingExportPage,
    BillingExportTable,
    BillingLine,
    BillingLineError,
    ConsumptionLine,
    ConsumptionTotals,
    Customer,
    ExportType,
    License,
    PageInfo,
    Partner,
    Vendor,
    consumption_totals,
)

__all__ = [
    "ArrowAuthError",
    "ArrowBadResponse",
    "ArrowClient",
    "ArrowError",
    "ArrowNotFound",
    "ArrowRequestError",
    "ArrowUnavailable",
    "BillingExportPage",
    "BillingExportTable",
    "BillingLine",
    "BillingLineError",
    "ColumnCompatibility",
    "ConsumptionLine",
    "ConsumptionTotals",
    "Customer",
    "DEFAULT_EXPORT_DATE_FORMAT",
    "EXPORT_DATE_FORMATS",
    "ExportFilters",
    "ExportType",
    "InvalidAmount",
    "License",
    "PageInfo",
    "Partner",
    "Period",
    "UNREACHABLE_MESSAGE",
    "Vendor",
    "consumption_totals",
    "export_columns_compatibility",
    "format_decimal",
    "parse_decimal",
]
