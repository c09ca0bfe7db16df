"""Column sets of the emulated billing export types and of consumption answers, and row rendering.

The "MSP (Extended)" type reproduces the 70 columns of a real export page in their order; "Light"
names some columns differently (``Sell Total Price``, ``Buy Total Price``, ``Quantity``,
``Product Name``), has ``Order Id`` but no ``Sequence``, and lacks the required ``Classification``
and ``Vendor Subscription ID``. Column titles are declared here independently of
`arrow_client.parsing`, as a vendor's server would, so contract tests catch a client that drifts.

Identifiers follow the live rows of the golden sample: ``End User Company ID`` is the customer's
numeric ``Ref`` (``100001`` for ``XSP100001``), ``End User Company Reference ID`` the customer's
billing id, ``Billing ID`` the partner's, ``Customer Billing ID`` the partner's on IAAS lines and
empty on SAAS lines, ``Arrow Reference ID`` the program code. Dates are written in the requested
``outputFormat.date`` (`DATE_FORMATS`, the PHP SDK's ``FormatDateEnum``), ``MM/DD/YYYY`` by default.

Simplifications: amounts are in EUR with an exchange rate of 1 and no tax; ERP invoice fields and
order comments are empty.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal

from arrow_client.periods import Period
from arrow_emulator.generator import ConsumptionItem, DataModel, ExportLine
from arrow_emulator.seeds import CURRENCY

EXPORT_TYPES = {"MSP_EXTENDED": "MSP (Extended)", "LIGHT": "Light"}
# outputFormat.date values → strftime patterns
DATE_FORMATS = {"MM/DD/YYYY": "%m/%d/%Y", "DD/MM/YYYY": "%d/%m/%Y", "DD-MM-YYYY": "%d-%m-%Y"}
DEFAULT_DATE_FORMAT = "MM/DD/YYYY"
RETAIL_MARKUP_PERCENT = Decimal(10)
ZERO = "0.00000"
ONE = "1.00000"

Renderer = Callable[["RowContext", ExportLine], "str | None"]


class RowContext:
    """What rendering needs besides the line: the data model (partner, dates, validation) and the
    date pattern of the request."""

    def __init__(self, model: DataModel, date_format: str = DEFAULT_DATE_FORMAT) -> None:
        self.model = model
        self.partner = model.catalogue.partner
        self.pattern = DATE_FORMATS[date_format]
        self._validation: dict[object, str] = {}
        self._subscriptions: dict[tuple, tuple[str, str]] = {}

    def date(self, value: dt.date | None) -> str:
        return _date(value, self.pattern)

    def validation_date(self, line: ExportLine) -> str:
        if line.period not in self._validation:
            validated_on = self.model.validation_date(line.period)
            self._validation[line.period] = self.date(validated_on) if validated_on else ""
        return self._validation[line.period]

    def subscription_dates(self, line: ExportLine) -> tuple[str, str]:
        # Keyed by what `DataModel.subscription_start` depends on: few keys for thousands of licenses.
        seed = line.license.seed
        key = (seed.start_offset, line.license.index % 9)
        if key not in self._subscriptions:
            start = self.model.subscription_start(line.license)
            self._subscriptions[key] = (self.date(start), self.date(start.replace(year=start.year + 2)))
        return self._subscriptions[key]


@functools.lru_cache(maxsize=4096)
def _date(value: dt.date | None, pattern: str) -> str:
    return value.strftime(pattern) if value else ""


@functools.lru_cache(maxsize=64)
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _amount(line: ExportLine, value: Decimal) -> str:
    # The product's usual places, or more when an amount set through the control API has more.
    places = max(line.license.product.decimals, -int(value.as_tuple().exponent))
    return str(value.quantize(_quantum(places)))


def _unit(line: ExportLine, total: Decimal) -> str:
    unit = total / line.quantity if line.quantity else total
    return str(unit.quantize(_quantum(line.license.product.decimals)))


def _quantity(line: ExportLine) -> str:
    # Azure lines write "1", the others "1.00000", as in real exports.
    return str(line.quantity) if line.license.product.decimals == 2 else f"{line.quantity:.5f}"


def _retail(line: ExportLine) -> Decimal:
    if line.license.product.is_iaas:
        return line.sell
    return line.sell * (100 + RETAIL_MARKUP_PERCENT) / 100


def _bill_dates(ctx: RowContext, line: ExportLine) -> tuple[str, str]:
    return _bill_dates_of(line.period, line.license.product.bills_in_arrears, ctx.pattern)


@functools.lru_cache(maxsize=1024)
def _bill_dates_of(period: Period, in_arrears: bool, pattern: str) -> tuple[str, str]:
    billed = period.next() if in_arrears else period
    return _date(billed.first_day, pattern), _date(billed.last_day, pattern)


@functools.lru_cache(maxsize=1024)
def _purchase_date(period: Period, pattern: str) -> str:
    return _date(period.next().first_day + dt.timedelta(days=1), pattern)


MSP_EXTENDED_COLUMNS: dict[str, Renderer] = {
    "Order Id": lambda ctx, line: line.license.order_id,
    "Order Creation Date": lambda ctx, line: ctx.subscription_dates(line)[0],
    "Purchase Date": lambda ctx, line: _purchase_date(line.period, ctx.pattern),
    "Bill From": lambda ctx, line: _bill_dates(ctx, line)[0],
    "Bill To": lambda ctx, line: _bill_dates(ctx, line)[1],
    "End User Company Name": lambda ctx, line: line.license.customer.company_name,
    "End User Company ID": lambda ctx, line: line.license.customer.ref,
    "End User Company Reference ID": lambda ctx, line: line.license.customer.billing_id,
    "Arrow Reference ID": lambda ctx, line: line.license.product.program_reference,
    "End User Account Creation Date": lambda ctx, line: ctx.date(dt.date.fromisoformat(line.license.customer.created)),
    "End User First Name": lambda ctx, line: line.license.customer.contact_first_name,
    "End User Last Name": lambda ctx, line: line.license.customer.contact_last_name,
    "End User E-mail": lambda ctx, line: line.license.customer.email,
    "End User Phone": lambda ctx, line: line.license.customer.phone,
    "End User Address Line1": lambda ctx, line: line.license.customer.address_line1,
    "End User Address Line2": lambda ctx, line: "",
    "End User City": lambda ctx, line: line.license.customer.city,
    "End User State": lambda ctx, line: line.license.customer.state,
    "End User Post Code": lambda ctx, line: line.license.customer.zip_code,
    "End User Country Code": lambda ctx, line: line.license.customer.country_code,
    "Service Name": lambda ctx, line: line.license.product.service_name,
    "Offer Name": lambda ctx, line: line.license.product.offer_name,
    "Sales Reference Code": lambda ctx, line: line.license.product.service_ref,
    "Qty": lambda ctx, line: _quantity(line),
    "Pro-rate Scale": lambda ctx, line: ONE,
    "Country Marketplace Currency": lambda ctx, line: CURRENCY,
    "Service Provider Currency": lambda ctx, line: CURRENCY,
    "Exchange Rate": lambda ctx, line: ONE,
    "Vendor Name": lambda ctx, line: line.license.product.vendor_name,
    "Arrow SKU": lambda ctx, line: line.license.product.arrow_sku,
    "Pro-Rated Wholesale Unit Discounted Price (Amount)": lambda ctx, line: _unit(line, line.buy),
    "Total Wholesale Price": lambda ctx, line: _amount(line, line.buy),
    "Tax on Total Wholesale Price": lambda ctx, line: ZERO,
    "Grand Total - Wholesale Price": lambda ctx, line: _amount(line, line.buy),
    "Initial Purchase Order": lambda ctx, line: "",
    "Agreement ID Reseller": lambda ctx, line: "",
    "Vendor SKU": lambda ctx, line: line.license.product.vendor_sku,
    "Enduser VAT number": lambda ctx, line: "",
    "Enduser PO number": lambda ctx, line: "",
    "Min Qty": lambda ctx, line: "1",
    "Max Qty": lambda ctx, line: "1" if line.license.product.is_iaas else "10000000",
    "Description": lambda ctx, line: line.license.product.offer_name,
    "Billing ID": lambda ctx, line: ctx.partner.billing_id,
    "Original Qty": lambda ctx, line: str(int(line.quantity)),
    "Customer Billing ID": lambda ctx, line: ctx.partner.billing_id if line.license.product.is_iaas else "",
    "Friendly Name": lambda ctx, line: line.license.seed.friendly_name,
    "Retail Unit Price": lambda ctx, line: _unit(line, _retail(line)),
    "Retail Total Price": lambda ctx, line: _amount(line, _retail(line)),
    "Rate": lambda ctx, line: ZERO,
    "Customer Unit Price": lambda ctx, line: _unit(line, line.sell),
    "Customer Total Price": lambda ctx, line: _amount(line, line.sell),
    "ERP Invoice ID": lambda ctx, line: "",
    "ERP Invoice Date": lambda ctx, line: "",
    "Subscription Start Date": lambda ctx, line: ctx.subscription_dates(line)[0],
    "Subscription End Date": lambda ctx, line: ctx.subscription_dates(line)[1],
    "Reseller Name": lambda ctx, line: ctx.partner.company_name,
    "Billing Cycle": lambda ctx, line: "Monthly",
    "Billing Term": lambda ctx, line: "" if line.license.product.is_iaas else "Yearly",
    "Vendor Subscription ID": lambda ctx, line: line.license.vendor_license_id,
    "Order Comment 1": lambda ctx, line: "",
    "Order Comment 2": lambda ctx, line: "",
    "Sequence": lambda ctx, line: line.sequence,
    "Validation Date": lambda ctx, line: ctx.validation_date(line),
    "Classification": lambda ctx, line: line.license.product.classification,
    "Report Period": lambda ctx, line: str(line.period),
    "ARS Subscription ID": lambda ctx, line: line.license.reference,
    "Segment": lambda ctx, line: None if line.license.product.is_iaas else "Corporate",
    "Organization Unit": lambda ctx, line: "",
    "Rate Rule Percentage": lambda ctx, line: "discount",
    "Rate Percentage": lambda ctx, line: ZERO,
}

_E = MSP_EXTENDED_COLUMNS
LIGHT_COLUMNS: dict[str, Renderer] = {
    "Order Id": _E["Order Id"],
    "Report Period": _E["Report Period"],
    "End User Company Name": _E["End User Company Name"],
    "End User Company ID": _E["End User Company ID"],
    "Vendor Name": _E["Vendor Name"],
    "Product Name": _E["Offer Name"],
    "Quantity": _E["Qty"],
    "Sell Total Price": _E["Customer Total Price"],
    "Buy Total Price": _E["Total Wholesale Price"],
    "Country Marketplace Currency": _E["Country Marketplace Currency"],
    "Bill From": _E["Bill From"],
    "Bill To": _E["Bill To"],
    "ARS Subscription ID": _E["ARS Subscription ID"],
    "Validation Date": _E["Validation Date"],
}

EXPORT_COLUMNS: dict[str, dict[str, Renderer]] = {"MSP_EXTENDED": MSP_EXTENDED_COLUMNS, "LIGHT": LIGHT_COLUMNS}

# Whatever Arrow calls them, these are the fields the control API describes lines with.
LINE_SUMMARY_COLUMNS = ("Sequence", "Report Period", "ARS Subscription ID", "End User Company ID",
                        "Classification", "Vendor Name", "Qty", "Customer Total Price", "Total Wholesale Price",
                        "Validation Date")


def export_headers(export_type: str) -> list[str]:
    return list(EXPORT_COLUMNS[export_type])


# Columns whose value depends on the license or the line itself (by their "MSP (Extended)" title;
# other export types reuse the same renderers); every other column depends only on the line's
# customer, product and period (or on nothing), so a page renders it once per (customer,
# product, period) and copies it (`render_export_rows`).
LINE_COLUMNS = frozenset({
    "Order Id", "Order Creation Date", "Qty", "Pro-Rated Wholesale Unit Discounted Price (Amount)",
    "Total Wholesale Price", "Grand Total - Wholesale Price", "Original Qty", "Friendly Name",
    "Retail Unit Price", "Retail Total Price", "Customer Unit Price", "Customer Total Price",
    "Subscription Start Date", "Subscription End Date", "Vendor Subscription ID", "Sequence",
    "ARS Subscription ID",
})
_LINE_RENDERERS = frozenset(MSP_EXTENDED_COLUMNS[title] for title in LINE_COLUMNS)


def render_export_rows(export_type: str, model: DataModel, lines: list[ExportLine],
                       date_format: str = DEFAULT_DATE_FORMAT) -> list[list[str | None]]:
    """The rows of ``lines`` in the columns of ``export_type``, as strings (``None`` for JSON null),
    dates in ``date_format`` (a key of `DATE_FORMATS`)."""
    ctx = RowContext(model, date_format)
    columns = EXPORT_COLUMNS[export_type]
    per_line = [(index, render) for index, render in enumerate(columns.values()) if render in _LINE_RENDERERS]
    templates: dict[tuple, list[str | None]] = {}
    rows = []
    for line in lines:
        key = (line.license.customer.reference, line.license.product.key, line.period)
        template = templates.get(key)
        if template is None:
            template = templates[key] = [
                None if render in _LINE_RENDERERS else render(ctx, line) for render in columns.values()
            ]
        row = template.copy()
        for index, render in per_line:
            row[index] = render(ctx, line)
        rows.append(row)
    return rows


def line_summary(model: DataModel, line: ExportLine) -> dict[str, str | None]:
    """A short description of a line for the control API (extended column titles)."""
    ctx = RowContext(model)
    return {title: MSP_EXTENDED_COLUMNS[title](ctx, line) for title in LINE_SUMMARY_COLUMNS}


CONSUMPTION_HEADERS = (
    "Report Period",
    "Vendor Product Name",
    "Vendor Meter Category",
    "Vendor Meter Sub-Category",
    "Resource Group",
    "Region",
    "UOM",
    "Level Chargeable Quantity",
    "Country currency code",
    "Total buy price",
    "Total sell price",
)


def render_consumption_rows(items: list[ConsumptionItem]) -> list[list[str]]:
    return [
        [str(item.period), item.meter.product, item.meter.category, item.meter.subcategory, item.resource_group,
         item.meter.region, item.meter.uom, str(item.quantity), item.currency, str(item.buy), str(item.sell)]
        for item in items
    ]
