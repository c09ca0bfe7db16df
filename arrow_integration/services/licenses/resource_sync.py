"""Arrow IAAS subscriptions as local resources, from the billing export (`sync_resources`).

Over a period range the IAAS export lines are streamed page by page and aggregated per license
(never the whole export in memory). Then, in one transaction:
- resources linked to a license (`backend_id` = license reference) get their report,
  `current_usages` (cloud cost of the latest billed month) and one `ComponentUsage` per month for
  the offering's `cloud_cost` component;
- licenses without a resource get one (state OK) in the offering/plan mapped to their vendor and
  in the given project of their customer; with `force_import`, Arrow customers without a mapping
  get a local customer (an existing one when the names are the same), a mapping and an
  "Arrow Azure Subscriptions" project that receives their new resources.
Idempotent: a second run with the same data creates and changes nothing. Writes are bulk; a dry
run does all the work and rolls it back. Lines that cannot be used are reported in `errors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from django.core.exceptions import ValidationError
from django.db import transaction

from arrow_client import ArrowClient, Period
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowSettings
from arrow_integration.services.licenses import resource_writes
from arrow_integration.services.licenses.resource_billing import LicenseBilling, ResourceSyncResult
from core.models import Offering, Project

IAAS_CLASSIFICATION = "IAAS"
DEFAULT_SYNC_MONTHS = 6  # the current month and the five before it (Arrow's export limit)
MAX_EXPORT_WINDOW_MONTHS = 6

ProgressCallback = Callable[[int, int], None]  # (export pages read, export pages known)
ActionCallback = Callable[[str], None]


def default_period_range(today: dt.date | None = None) -> tuple[Period, Period]:
    """The last `DEFAULT_SYNC_MONTHS` months, the current one included."""
    current = Period.current(today)
    return current.shift(1 - DEFAULT_SYNC_MONTHS), current


def export_windows(period_from: Period, period_to: Period) -> list[tuple[Period, Period]]:
    """Split a range into consecutive windows Arrow accepts in one export request."""
    windows = []
    start = period_from
    while start <= period_to:
        end = min(start.shift(MAX_EXPORT_WINDOW_MONTHS - 1), period_to)
        windows.append((start, end))
        start = end.next()
    return windows


def _iaas_lines(client: ArrowClient, arrow_settings: ArrowSettings, period_from: Period, period_to: Period,
                result: ResourceSyncResult, progress: ProgressCallback | None) -> Iterator:
    """Stream the usable IAAS lines of the range; unreadable rows go to `result.errors`."""
    windows = export_windows(period_from, period_to)
    pages_done = pages_before = 0
    for window_number, (start, end) in enumerate(windows):
        for page in client.iter_billing_export(
            arrow_settings.export_type_reference, start, end, classifications=[IAAS_CLASSIFICATION]
        ):
            for error in page.errors:
                result.add_error(f"Export row {error.row_number} could not be read: {error.reason}",
                                 subscription_id=error.line_reference or "")
            yield from page.lines
            pages_done += 1
            if progress:
                remaining_windows = len(windows) - window_number - 1
                progress(pages_done, pages_before + page.total_pages * (1 + remaining_windows))
        pages_before = pages_done


def license_billing_collect(
    client: ArrowClient,
    *,
    arrow_settings: ArrowSettings,
    period_from: Period,
    period_to: Period,
    result: ResourceSyncResult,
    progress: ProgressCallback | None = None,
) -> dict[str, LicenseBilling]:
    """Aggregate the range's IAAS export lines per license reference (one entry per license)."""
    billing: dict[str, LicenseBilling] = {}
    for line in _iaas_lines(client, arrow_settings, period_from, period_to, result, progress):
        if (line.classification or "").upper() != IAAS_CLASSIFICATION:
            continue
        if not line.license_reference or not line.customer_reference:
            result.add_error(
                f"Export line {line.line_reference} has no license reference or customer id; it was skipped.",
                period=line.report_period, subscription_id=line.vendor_subscription_id or "",
                customer_id=line.customer_id or "",
            )
            continue
        entry = billing.get(line.license_reference)
        if entry is None:
            entry = billing[line.license_reference] = LicenseBilling(
                license_reference=line.license_reference,
                customer_reference=line.customer_reference,  # XSP form of the row's numeric Ref
                customer_name=line.customer_name or "",
                vendor_name=line.vendor_name or "",
                friendly_name=line.friendly_name or "",
                product_name=line.product_name or "",
                vendor_subscription_id=line.vendor_subscription_id or "",
                currency=line.currency or "",
            )
        entry.add(line)
    return billing


def _check_period_range(period_from: Period, period_to: Period) -> None:
    if period_from > period_to:
        raise ValidationError({"period_from": [f"period_from {period_from} is after period_to {period_to}."]})
    if period_to > Period.current():
        raise ValidationError({"period_to": [f"period_to {period_to} is in the future."]})


def resources_sync_from_billing(
    *,
    arrow_settings: ArrowSettings,
    period_from: Period | None = None,
    period_to: Period | None = None,
    offering: Offering | None = None,
    project: Project | None = None,
    force_import: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    on_action: ActionCallback | None = None,
) -> ResourceSyncResult:
    """Sync Arrow IAAS subscriptions of a period range into resources (see the module docstring).

    `period_from`/`period_to` default to the last six months including the current one.
    `offering` overrides the vendor mappings for new resources; `project` receives new resources
    of its customer (ignored with `force_import`). `on_action` is told each planned write (for a
    dry run's listing). Raises `ValidationError` for a bad range or settings without an export
    type, `ArrowError` when the export cannot be read; nothing is written then.
    """
    default_from, default_to = default_period_range()
    period_from, period_to = period_from or default_from, period_to or default_to
    _check_period_range(period_from, period_to)
    if not arrow_settings.export_type_reference:
        raise ValidationError({"settings_uuid": ["The Arrow settings have no billing export type."]})
    result = ResourceSyncResult(period_from=period_from, period_to=period_to, dry_run=dry_run)
    with arrow_client_for(arrow_settings) as client:
        billing = license_billing_collect(
            client, arrow_settings=arrow_settings, period_from=period_from, period_to=period_to,
            result=result, progress=progress,
        )
        result.licenses = len(billing)
        arrow_customers = resource_writes.unmapped_arrow_customers(
            client, arrow_settings=arrow_settings, billing=billing
        ) if force_import else {}
    plan = resource_writes.SyncPlan(
        arrow_settings=arrow_settings, billing=billing, result=result, offering=offering, project=project,
        force_import=force_import, arrow_customers=arrow_customers, on_action=on_action,
    )
    with transaction.atomic():
        ArrowSettings.objects.select_for_update().filter(pk=arrow_settings.pk).first()
        resource_writes.sync_plan_apply(plan)
        if dry_run:
            transaction.set_rollback(True)
    return result
