"""Arrow's column titles, their fallbacks, and the parsing of tabular payloads into typed rows.

`columns` spells Arrow's column titles (nowhere else in the project does); `billing` turns export
pages into `BillingLine`s and `BillingLineError`s; `consumption` turns a consumption answer into
`ConsumptionLine`s. Their public names are importable from here. Nothing here does I/O; a value
that does not parse is reported, never replaced by zero.
"""

from arrow_client.parsing.billing import billing_export_page, billing_table_parse, parse_arrow_date, parse_billing_rows
from arrow_client.parsing.columns import (
    BILLING_COLUMNS,
    CONSUMPTION_COLUMNS,
    IMPORTANT_BILLING_FIELDS,
    REQUIRED_BILLING_FIELDS,
    ColumnCompatibility,
    cell_text,
    describe_field,
    export_columns_compatibility,
    resolve_columns,
)
from arrow_client.parsing.consumption import TabularParseError, parse_consumption_lines

__all__ = [
    "BILLING_COLUMNS", "CONSUMPTION_COLUMNS", "IMPORTANT_BILLING_FIELDS", "REQUIRED_BILLING_FIELDS",
    "ColumnCompatibility", "TabularParseError", "billing_export_page", "billing_table_parse", "cell_text",
    "describe_field", "export_columns_compatibility", "parse_arrow_date", "parse_billing_rows",
    "parse_consumption_lines", "resolve_columns",
]
