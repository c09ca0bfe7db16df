"""Live look-up of one mapped customer's Arrow data for the current month (diagnostics, read-only).

Fetches the customer's billing export lines (streamed page by page, filtered to the customer) and
the consumption of every license linked to one of the customer's resources. A license whose
consumption cannot be fetched is reported inline with its error; a billing export failure is
reported in the top-level `error`; a rejected API key raises `ArrowAuthError` (nothing can work).
Nothing is written to the database.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings as django_settings

from arrow_client import (
    ArrowAuthError,
    ArrowClient,
    ArrowError,
    BillingLine,
    ConsumptionTotals,
    Period,
    consumption_totals,
)
from arrow_client.references import customer_key
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowCustomerMapping
from arrow_integration.services.licenses.links import customer_resources

# Export rows that failed to parse are named in the error message up to this many.
MAX_NAMED_ROW_ERRORS = 5


@dataclass(frozen=True)
class LicenseConsumption:
    """The current month's consumption of one license, or the reason it could not be fetched."""

    license_reference: str
    resource_name: str | None
    resource_uuid: str | None
    period: Period
    totals: ConsumptionTotals | None = None
    error: str | None = None


@dataclass
class CustomerArrowData:
    mapping: ArrowCustomerMapping
    period: Period
    billing_lines: list[BillingLine] = field(default_factory=list)
    consumption: list[LicenseConsumption] = field(default_factory=list)
    total_customer_resources: int = 0
    resources_with_backend_id: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def billing_available(self) -> bool:
        return bool(self.billing_lines)

    @property
    def matched_resources(self) -> int:
        """Resources whose consumption was fetched without error."""
        return sum(1 for item in self.consumption if item.resource_uuid and item.error is None)

    def billing_total(self, price_source: str) -> Decimal | None:
        if not self.billing_lines:
            return None
        return sum((line.total_for(price_source) for line in self.billing_lines), Decimal(0))

    def consumption_total(self, price_source: str) -> Decimal | None:
        fetched = [item.totals for item in self.consumption if item.totals is not None]
        if not fetched:
            return None
        return sum((totals.total_for(price_source) for totals in fetched), Decimal(0))

    @property
    def error(self) -> str | None:
        return "; ".join(self.errors) or None


def _billing_lines(client: ArrowClient, data: CustomerArrowData) -> None:
    """Fill the customer's export lines of the period; failures go to `data.errors`."""
    arrow_settings = data.mapping.settings
    if not arrow_settings.export_type_reference:
        data.errors.append("The Arrow settings have no billing export type; billing lines were not fetched.")
        return
    classifications = [arrow_settings.classification_filter] if arrow_settings.classification_filter else None
    reference = data.mapping.arrow_reference
    wanted = customer_key(reference)
    row_errors = []
    try:
        for page in client.iter_billing_export(
            arrow_settings.export_type_reference, data.period, data.period,
            classifications=classifications, customer_refs=[reference],
        ):
            # Live rows name the customer by its numeric Ref: compare through the customer key.
            data.billing_lines.extend(line for line in page.lines
                                      if line.customer_id is None or customer_key(line.customer_id) == wanted)
            row_errors.extend(page.errors)
    except ArrowAuthError:
        raise
    except ArrowError as exc:
        data.errors.append(f"Billing export failed: {exc}")
        return
    if row_errors:
        named = ", ".join(f"row {error.row_number}: {error.reason}" for error in row_errors[:MAX_NAMED_ROW_ERRORS])
        data.errors.append(f"{len(row_errors)} billing export rows could not be read ({named}).")


def _license_consumption(client: ArrowClient, item: LicenseConsumption) -> LicenseConsumption:
    try:
        lines = client.consumption(item.license_reference, item.period)
        return replace(item, totals=consumption_totals(lines))
    except ArrowAuthError:
        raise
    except (ArrowError, ValueError) as exc:
        return replace(item, error=str(exc) or type(exc).__name__)


def customer_arrow_data_fetch(*, mapping: ArrowCustomerMapping, period: Period | None = None) -> CustomerArrowData:
    """Fetch the mapped customer's billing lines and linked licenses' consumption for `period`.

    `period` defaults to the current month. Consumption calls run with bounded concurrency
    (`ARROW_CONSUMPTION_CONCURRENCY`). Read-only; raises `ArrowAuthError` when the key is refused.
    """
    data = CustomerArrowData(mapping=mapping, period=period or Period.current())
    resources = list(customer_resources(mapping))
    linked = [resource for resource in resources if resource.backend_id]
    data.total_customer_resources = len(resources)
    data.resources_with_backend_id = len(linked)
    pending = [
        LicenseConsumption(resource.backend_id, resource.name, str(resource.uuid), data.period)
        for resource in linked
    ]
    workers = max(1, min(django_settings.ARROW_CONSUMPTION_CONCURRENCY, len(pending)))
    with arrow_client_for(mapping.settings) as client:
        _billing_lines(client, data)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            data.consumption = list(pool.map(lambda item: _license_consumption(client, item), pending))
    return data
