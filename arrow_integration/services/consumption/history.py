"""Historical consumption of one resource: many months fetched in one Arrow call, then written.

`resource_consumption_history_sync` covers a range of months (default: from twelve months ago
to the current one) for a resource linked to an Arrow license under an active customer mapping.
Each month goes through the same upsert as the periodic sync (`consumption.apply`), under the
settings+period lock, priced in the settings' price source. Finalized months are skipped unless
`force`, which refreshes their recorded consumption but never their invoice items. A dry run
fetches and previews every month without writing anything: it syncs no month (`periods_synced`
is 0) and says in `preview_periods` what a real run would do with each; `periods_skipped` and
`periods_no_data` count what it found, as a real run does.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from arrow_client import ArrowError, Period
from arrow_integration.clients import arrow_client_for
from arrow_integration.errors import ActionRefused
from arrow_integration.models import ArrowConsumptionRecord, ArrowCustomerMapping
from arrow_integration.selectors.configuration import arrow_settings_get, resource_get
from arrow_integration.services.consumption.apply import LicenseMonthConsumption, consumption_apply
from arrow_integration.services.consumption.sync import license_consumption_fetch
from arrow_integration.services.runs.locks import sync_period_lock
from core.models import Resource

DEFAULT_HISTORY_MONTHS = 12
# Arrow answers consumption for at most this many months in one call.
MAX_HISTORY_MONTHS = 36

PREVIEW_WOULD_SYNC = "would_sync"
PREVIEW_NO_DATA = "no_data"
PREVIEW_FINALIZED = "finalized"


def _resource_for_history(resource_uuid) -> Resource:
    resource = resource_get(resource_uuid, field="resource_uuid")
    if not resource.backend_id.strip():
        raise ActionRefused(
            f"Resource {resource.uuid} has no backend_id (Arrow license reference); link it to a license first.",
            field="resource_uuid",
        )
    return resource


def history_range(period_from: Period | None, period_to: Period | None, today: dt.date) -> tuple[Period, Period]:
    """The months to sync: defaults and bounds checked (ActionRefused otherwise)."""
    current = Period.from_date(today)
    period_to = period_to or current
    period_from = period_from or current.shift(-DEFAULT_HISTORY_MONTHS)
    if period_to > current:
        raise ActionRefused(f"period_to {period_to} is in the future.", field="period_to")
    if period_from > period_to:
        raise ActionRefused(f"period_from {period_from} is after period_to {period_to}.", field="period_from")
    if period_to.index - period_from.index >= MAX_HISTORY_MONTHS:
        raise ActionRefused(f"At most {MAX_HISTORY_MONTHS} months can be synced at once.", field="period_from")
    return period_from, period_to


def _preview(month: LicenseMonthConsumption, status: str) -> dict:
    return {
        "period": str(month.period),
        "status": status,
        "row_count": len(month.lines),
        "consumed_sell": str(month.totals.sell_total),
        "consumed_buy": str(month.totals.buy_total),
    }


def resource_consumption_history_sync(
    *, resource_uuid, period_from: Period | None = None, period_to: Period | None = None,
    force: bool = False, dry_run: bool = False, today: dt.date | None = None,
) -> dict:
    """Fetch and (unless `dry_run`) write a resource's consumption month by month; returns counts.

    Raises ObjectNotFound for an unknown resource, ActionRefused for a resource without
    license, an unmapped customer, a bad range or no active settings. Arrow failures are returned
    in `errors` (nothing written). Months without usage count as `periods_no_data`; an existing
    record of such a month is still corrected to zero.
    """
    resource = _resource_for_history(resource_uuid)
    settings = arrow_settings_get()
    if not ArrowCustomerMapping.objects.filter(
        settings=settings, is_active=True, waldur_customer_id=resource.project.customer_id
    ).exists():
        raise ActionRefused(f"Customer {resource.project.customer.name} has no active Arrow mapping.",
                            field="resource_uuid")
    period_from, period_to = history_range(period_from, period_to, today or timezone.now().date())
    result = {
        "resource_uuid": resource.uuid, "resource_name": resource.name, "periods_synced": 0, "periods_skipped": 0,
        "periods_no_data": 0, "errors": [], "dry_run": dry_run, "preview_periods": [],
    }
    try:
        with arrow_client_for(settings) as client:
            months = license_consumption_fetch(client, resource, period_from, period_to)
    except (ArrowError, ValueError) as exc:
        result["errors"].append({"error": str(exc), "subscription_id": resource.backend_id,
                                 "period": f"{period_from}..{period_to}"})
        return result
    records = {
        record.billing_period: record
        for record in ArrowConsumptionRecord.objects.filter(
            resource=resource, license_reference=resource.backend_id.strip(),
            billing_period__range=(period_from.first_day, period_to.first_day),
        )
    }
    for month in months:
        record = records.get(month.period.first_day)
        if record is not None and record.is_finalized and not force:
            result["periods_skipped"] += 1
            status = PREVIEW_FINALIZED
        elif not month.lines:
            result["periods_no_data"] += 1
            status = PREVIEW_NO_DATA
        else:
            status = PREVIEW_WOULD_SYNC
        if dry_run:
            # Nothing is synced: what a real run would do is in the preview only.
            result["preview_periods"].append(_preview(month, status))
            continue
        if status == PREVIEW_WOULD_SYNC:
            result["periods_synced"] += 1
        if status == PREVIEW_WOULD_SYNC or (status == PREVIEW_NO_DATA and record is not None):
            with sync_period_lock(settings=settings, period=month.period):
                consumption_apply(settings=settings, batch=[month], refresh_finalized=force)
    return result
