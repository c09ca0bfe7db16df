"""A worker process for the crash test: set up, import a month's billing export, or report the result.

Run as ``python -m tests.robustness.crash_worker ACTION`` with DATABASE_URL pointing at the
database shared with the test. ``setup`` creates settings on the emulator and maps its six
customers; ``import`` runs the billing import service of one month, exactly as the Celery task
does (the test kills this one); ``report`` prints, as JSON, what the database holds for that month:
sync items per line reference, the amount charged per line, sync states and sync runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from types import SimpleNamespace


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def setup(options) -> dict:
    from tests.robustness.support import all_customers_map, emulator_settings_create

    emulator = SimpleNamespace(base_url=options.api_url, api_key=options.api_key)
    arrow_settings = emulator_settings_create(emulator)
    mappings = all_customers_map(arrow_settings)
    return {"settings": arrow_settings.pk, "mappings": len(mappings)}


def run_import(options) -> dict:
    from arrow_client import Period
    from arrow_integration.models import ArrowSettings
    from arrow_integration.services.billing.import_period import billing_sync_import_period

    arrow_settings = ArrowSettings.objects.get(pk=options.settings)
    return billing_sync_import_period(settings=arrow_settings, period=Period.parse(options.period)).outcome


def report(options) -> dict:
    from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowSyncRun
    from tests.robustness.support import billed_amount_by_line

    return {
        "sync_items": Counter(ArrowBillingSyncItem.objects.values_list("arrow_line_reference", flat=True)),
        "billed": {reference: str(amount) for reference, amount in billed_amount_by_line().items()},
        "syncs": sorted(ArrowBillingSync.objects.values_list("customer_mapping__arrow_reference", "state")),
        "runs": list(ArrowSyncRun.objects.order_by("created").values("state", "outcome", "error_message")),
    }


ACTIONS = {"setup": setup, "import": run_import, "report": report}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=sorted(ACTIONS))
    parser.add_argument("--api-url")
    parser.add_argument("--api-key")
    parser.add_argument("--settings", type=int)
    parser.add_argument("--period")
    options = parser.parse_args(argv)
    _django_setup()
    json.dump(ACTIONS[options.action](options), sys.stdout, default=str)


if __name__ == "__main__":
    main()
