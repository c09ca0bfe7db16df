"""`ArrowClient`: one method per ArrowSphere call the project uses, returning typed objects.

The client is plain Python (no Django). It pages through listings lazily with a bound on the
number of pages (the license search too, ``POST licenses/v2/find``), streams billing exports one
page at a time (filters, date format and page placement in `arrow_client.export_request`), and
raises the typed errors of `arrow_client.errors` for every failure. HTTP details, retries and key
redaction live in `arrow_client.transport`; payload shapes in `arrow_client.payloads` and
`arrow_client.parsing`.
An instance may be shared by threads; close it (or use it as a context manager) when done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from arrow_client import parsing, payloads
from arrow_client.errors import ArrowBadResponse, ArrowNotFound, describe_failure
from arrow_client.export_dates import DEFAULT_EXPORT_DATE_FORMAT
from arrow_client.export_pages import export_pages
from arrow_client.export_request import ExportFilters, check_answered_page, export_request
from arrow_client.periods import Period
from arrow_client.transport import Transport
from arrow_client.types import (
    BillingExportPage,
    BillingExportTable,
    ConsumptionLine,
    Customer,
    ExportType,
    License,
    PageInfo,
    Partner,
    Vendor,
)

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_BACKOFF = 0.5
DEFAULT_BACKOFF_MAX = 30.0
DEFAULT_RETRY_AFTER_MAX = 60.0
DEFAULT_MAX_PAGES = 10_000
DEFAULT_PER_PAGE = 100
IAAS_CATEGORY = "IAAS"
EXPORT_PATH = "billing/erp/exports/sync"
LICENSE_SEARCH_PATH = "licenses/v2/find"


class ArrowClient:
    """Client of the ArrowSphere API below ``base_url`` (e.g. ``https://xsp.arrow.com/index.php/api/``).

    ``max_retries`` counts retries after the first attempt; ``backoff`` is the first exponential
    wait in seconds (jitter of the same size is added); ``max_pages`` bounds every page loop.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        retry_after_max: float = DEFAULT_RETRY_AFTER_MAX,
        max_pages: int = DEFAULT_MAX_PAGES,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required")
        if not api_key:
            raise ValueError("api_key is required")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.max_pages = max_pages
        self._transport = Transport(
            self.base_url,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            backoff_max=backoff_max,
            retry_after_max=retry_after_max,
            http_transport=http_transport,
        )

    def __repr__(self) -> str:
        return f"ArrowClient(base_url={self.base_url!r}, api_key='***')"

    __str__ = __repr__

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> ArrowClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Partner and customers

    def whoami(self) -> Partner:
        """The partner the API key belongs to; the cheapest way to check a key."""
        return self._get("whoami", payloads.parse_partner)

    def iter_customers(self, per_page: int = DEFAULT_PER_PAGE) -> Iterator[Customer]:
        """Every customer of the partner, fetched page by page."""
        return self._paginate("customers", payloads.parse_customers, per_page=per_page)

    def customers(self, per_page: int = DEFAULT_PER_PAGE) -> list[Customer]:
        return list(self.iter_customers(per_page=per_page))

    def get_customer(self, reference: str) -> Customer:
        """One customer by XSP reference; `ArrowNotFound` if Arrow does not know it."""
        path = f"customers/{_segment(reference)}"
        found = self._get(path, payloads.parse_customers)
        if not found:
            raise ArrowNotFound(describe_failure("GET", path, detail="no such customer"), path=path)
        return found[0]

    # Licenses

    def iter_licenses(self, per_page: int = DEFAULT_PER_PAGE) -> Iterator[License]:
        """Every license of the partner, fetched page by page (the detail's shape: no vendor name)."""
        return self._paginate("licenses", payloads.parse_licenses, per_page=per_page)

    def iter_license_search(
        self,
        *,
        filters: dict[str, Any] | None = None,
        keywords: dict[str, Any] | None = None,
        sort: dict[str, str] | None = None,
        keyword: str | None = None,
        per_page: int = DEFAULT_PER_PAGE,
    ) -> Iterator[License]:
        """Licenses found by ``POST licenses/v2/find``, page by page, with vendor and customer names.

        ``filters``, ``keywords`` and ``sort`` are keyed by dotted paths (``license.customer_ref``),
        as the SDKs send them; the page goes in the query string.
        """
        if per_page < 1:
            raise ValueError("per_page must be >= 1")
        body = {name: value for name, value in
                (("filters", filters), ("keywords", keywords), ("sort", sort), ("keyword", keyword)) if value}
        page_number = 1
        while True:
            answer = self._transport.request("POST", LICENSE_SEARCH_PATH, body=body,
                                             params={"page": page_number, "per_page": per_page})
            # The lambda is called at once, in this iteration (B023 cannot see it).
            found, info = self._parse(LICENSE_SEARCH_PATH, "POST",
                                      lambda: payloads.parse_license_search(answer))  # noqa: B023
            yield from found
            if page_number >= info.total_pages or not found:
                return
            page_number = self._next_page(page_number, LICENSE_SEARCH_PATH)

    def find_licenses(self, *, customer_ref: str | None = None, license_reference: str | None = None,
                      per_page: int = DEFAULT_PER_PAGE) -> list[License]:
        """Licenses of a customer and/or one license by reference, from the license search."""
        filters = {}
        if customer_ref is not None:
            filters["license.customer_ref"] = customer_ref
        if license_reference is not None:
            filters["license.partner_ref"] = license_reference
        return list(self.iter_license_search(filters=filters, per_page=per_page))

    def iter_customer_licenses(self, customer_ref: str, per_page: int = DEFAULT_PER_PAGE) -> Iterator[License]:
        return self._paginate(f"customers/{_segment(customer_ref)}/licenses", payloads.parse_licenses,
                              per_page=per_page)

    def customer_licenses(self, customer_ref: str, per_page: int = DEFAULT_PER_PAGE) -> list[License]:
        """All licenses of one customer; `ArrowNotFound` for an unknown customer."""
        return list(self.iter_customer_licenses(customer_ref, per_page=per_page))

    def get_license(self, reference: str) -> License:
        """One license with price, seats, periodicity and program; `ArrowNotFound` if unknown."""
        return self._get(f"licenses/{_segment(reference)}", payloads.parse_license_detail)

    def consumption(self, license_ref: str, period_from: Period, period_to: Period | None = None) -> list[ConsumptionLine]:
        """Monthly consumption lines of a license from ``period_from`` to ``period_to`` (inclusive).

        An empty list means no usage. Raises `ArrowNotFound` for an unknown license and
        `ArrowBadResponse` for a line whose values cannot be parsed.
        """
        period_to = period_to or period_from
        path = f"consumption/monthly/license/{_segment(license_ref)}"
        params = {"reportPeriodStart": str(period_from), "reportPeriodEnd": str(period_to)}
        body = self._transport.request("GET", path, params=params)

        def parse(data: Any) -> list[ConsumptionLine]:
            headers, lines = payloads.table(data, "lines")
            return parsing.parse_consumption_lines(headers, lines)

        return self._parse(path, "GET", lambda: parse(payloads.unwrap(body)[0]))

    # Catalog

    def programs(self, category: str = IAAS_CATEGORY) -> list[Vendor]:
        """Programs (vendors) of a catalog category, every page of them."""
        path = f"catalog/categories/{_segment(category)}/programs"
        return list(self._paginate(path, lambda data: payloads.parse_programs(data, category=category),
                                   per_page=DEFAULT_PER_PAGE))

    def iaas_vendors(self) -> list[Vendor]:
        return self.programs(IAAS_CATEGORY)

    def iaas_vendor_names(self) -> list[str]:
        """Distinct IAAS vendor names, sorted (e.g. ``["Amazon Web Services", "Microsoft"]``)."""
        return sorted({vendor.name for vendor in self.iaas_vendors()})

    # Billing export

    def export_types(self) -> list[ExportType]:
        """The billing export templates available to the partner."""
        return self._get("billing/erp/exports/types", payloads.parse_export_types)

    def billing_export_table(
        self,
        export_type_reference: str,
        period_from: Period,
        period_to: Period,
        *,
        page: int = 1,
        classifications: Iterable[str] | None = None,
        customer_refs: Iterable[str] | None = None,
        filters: ExportFilters | None = None,
        date_format: str = DEFAULT_EXPORT_DATE_FORMAT,
    ) -> BillingExportTable:
        """One page (1-based) of a billing export, rows not parsed; headers are present even with no rows.

        ``filters`` narrows the export (`ExportFilters`); ``classifications`` and ``customer_refs``
        are two of them by name. Dates are requested, and read, in ``date_format``.
        """
        path = EXPORT_PATH
        chosen = ExportFilters.of(filters, classifications=classifications, customer_refs=customer_refs)
        body, params = export_request(export_type_reference, period_from, period_to, page=page, filters=chosen,
                                      date_format=date_format)
        answer, digest = self._transport.request("POST", path, body=body, params=params, with_digest=True)

        def parse() -> BillingExportTable:
            data, pagination = payloads.unwrap(answer)
            headers, values = payloads.table(data, "values")
            info = payloads.parse_page_info(pagination, item_count=len(values))
            try:
                check_answered_page(pagination, page)
            except ValueError as exc:
                raise payloads.PayloadError(str(exc)) from None
            return BillingExportTable(
                headers=tuple(headers), values=values, page=page, total_pages=info.total_pages,
                total=info.total if info.total is not None else len(values), per_page=info.per_page,
                default_period=period_from if period_from == period_to else None, digest=digest,
                date_format=date_format,
            )

        return self._parse(path, "POST", parse)

    def billing_export_page(
        self,
        export_type_reference: str,
        period_from: Period,
        period_to: Period,
        *,
        page: int = 1,
        classifications: Iterable[str] | None = None,
        customer_refs: Iterable[str] | None = None,
        filters: ExportFilters | None = None,
        date_format: str = DEFAULT_EXPORT_DATE_FORMAT,
    ) -> BillingExportPage:
        """One page (1-based) of a billing export, parsed; headers are present even with no rows."""
        return self._parsed(self.billing_export_table(
            export_type_reference, period_from, period_to, page=page, classifications=classifications,
            customer_refs=customer_refs, filters=filters, date_format=date_format))

    def iter_billing_export(
        self,
        export_type_reference: str,
        period_from: Period,
        period_to: Period,
        *,
        classifications: Iterable[str] | None = None,
        customer_refs: Iterable[str] | None = None,
        filters: ExportFilters | None = None,
        date_format: str = DEFAULT_EXPORT_DATE_FORMAT,
        read_ahead: int = 0,
    ) -> Iterator[BillingExportPage]:
        """Stream a billing export one parsed page at a time (the first page always, even when empty).

        Holds one page in memory, plus up to ``read_ahead`` following pages that are requested
        and parsed in helper threads while the caller works on the current one (large exports).
        Raises `ArrowBadResponse` if the export does not end within ``max_pages`` pages, or if
        Arrow answers another page than the one asked for.
        """
        fetch = self._export_fetcher(export_type_reference, period_from, period_to,
                                     ExportFilters.of(filters, classifications=classifications,
                                                      customer_refs=customer_refs), date_format)
        return export_pages(lambda number: self._parsed(fetch(number)), read_ahead=read_ahead,
                            next_page=lambda number: self._next_page(number, EXPORT_PATH), max_pages=self.max_pages)

    def iter_billing_export_tables(
        self,
        export_type_reference: str,
        period_from: Period,
        period_to: Period,
        *,
        classifications: Iterable[str] | None = None,
        customer_refs: Iterable[str] | None = None,
        filters: ExportFilters | None = None,
        date_format: str = DEFAULT_EXPORT_DATE_FORMAT,
        read_ahead: int = 0,
    ) -> Iterator[BillingExportTable]:
        """As `iter_billing_export`, but pages come unparsed (`BillingExportTable`)."""
        fetch = self._export_fetcher(export_type_reference, period_from, period_to,
                                     ExportFilters.of(filters, classifications=classifications,
                                                      customer_refs=customer_refs), date_format)
        return export_pages(fetch, read_ahead=read_ahead, next_page=lambda number: self._next_page(number, EXPORT_PATH),
                            max_pages=self.max_pages)

    def _export_fetcher(self, export_type_reference: str, period_from: Period, period_to: Period,
                        filters: ExportFilters, date_format: str) -> Callable[[int], BillingExportTable]:
        def fetch(number: int) -> BillingExportTable:
            return self.billing_export_table(export_type_reference, period_from, period_to, page=number,
                                             filters=filters, date_format=date_format)

        return fetch

    def _parsed(self, table: BillingExportTable) -> BillingExportPage:
        return self._parse(EXPORT_PATH, "POST", lambda: parsing.billing_table_parse(table))

    def billing_export_headers(self, export_type_reference: str, period: Period | None = None) -> tuple[str, ...]:
        """Column titles of an export type, read from the first page of ``period`` (default: current)."""
        period = period or Period.current()
        return self.billing_export_page(export_type_reference, period, period).headers

    def export_type_compatibility(self, export_type_reference: str,
                                  period: Period | None = None) -> parsing.ColumnCompatibility:
        """Whether an export type has the required and the important billing columns."""
        return parsing.export_columns_compatibility(self.billing_export_headers(export_type_reference, period))

    # Helpers

    def _get(self, path: str, parser: Callable[[Any], T], params: dict[str, Any] | None = None) -> T:
        body = self._transport.request("GET", path, params=params)
        return self._parse(path, "GET", lambda: parser(payloads.unwrap(body)[0]))

    def _paginate(self, path: str, parser: Callable[[Any], list[T]], *, per_page: int) -> Iterator[T]:
        if per_page < 1:
            raise ValueError("per_page must be >= 1")
        page_number = 1
        while True:
            body = self._transport.request("GET", path, params={"page": page_number, "per_page": per_page})

            def parse() -> tuple[list[T], PageInfo]:
                data, pagination = payloads.unwrap(body)  # noqa: B023 - parse() runs in this iteration
                items = parser(data)
                return items, payloads.parse_page_info(pagination, item_count=len(items))

            items, info = self._parse(path, "GET", parse)
            yield from items
            if page_number >= info.total_pages or not items:
                return
            page_number = self._next_page(page_number, path)

    def _next_page(self, page_number: int, path: str) -> int:
        if page_number >= self.max_pages:
            raise ArrowBadResponse(
                describe_failure("GET", path, detail=f"pagination did not end within {self.max_pages} pages"),
                path=path,
            )
        return page_number + 1

    @staticmethod
    def _parse(path: str, method: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except (payloads.PayloadError, parsing.TabularParseError) as exc:
            raise ArrowBadResponse(describe_failure(method, path, detail=f"unexpected payload: {exc}"),
                                   path=path) from None


# Path segments that quoting leaves as they are and that URL normalisation would resolve
# (".." climbs out of "licenses/" to the API root): refused instead.
DOT_SEGMENTS = frozenset({".", ".."})


def _segment(value: str) -> str:
    """One path segment from a reference: every reserved character quoted ("/" becomes %2F,
    "%" %25, so "%2e%2e" stays literal), dot segments refused; ValueError for those and for empty
    references. The request thus stays on the path it was built for."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValueError("an empty reference cannot be looked up")
    if text in DOT_SEGMENTS:
        raise ValueError(f"{text!r} is not a reference")
    return quote(text, safe="")
