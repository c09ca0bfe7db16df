"""The official client `waldur_api_client` 8.1.3 still takes the queued actions' answers, which
now name their run (`run_uuid`), and the run named is found at sync-runs/ in its final state."""

import json

import pytest
from waldur_api_client.api.admin import (
    admin_arrow_billing_syncs_reconcile,
    admin_arrow_billing_syncs_trigger_consumption_sync,
    admin_arrow_billing_syncs_trigger_reconciliation,
    admin_arrow_billing_syncs_trigger_sync,
)
from waldur_api_client.models import (
    ReconcileRequestRequest,
    TriggerConsumptionSyncRequestRequest,
    TriggerSyncRequestRequest,
)

from arrow_integration.models import ArrowSyncRun
from arrow_integration.tests.periods import previous_period

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_queued_action_parses_and_names_a_run_that_reached_its_end(official_client, billing_settings, mapped):
    period = previous_period()
    calls = [
        (admin_arrow_billing_syncs_trigger_sync, TriggerSyncRequestRequest(year=period.year, month=period.month)),
        (admin_arrow_billing_syncs_reconcile, ReconcileRequestRequest(year=period.year, month=period.month)),
        (admin_arrow_billing_syncs_trigger_consumption_sync,
         TriggerConsumptionSyncRequestRequest(year=period.year, month=period.month)),
        (admin_arrow_billing_syncs_trigger_reconciliation,
         ReconcileRequestRequest(year=period.year, month=period.month)),
    ]
    for operation, body in calls:
        response = operation.sync_detailed(client=official_client, body=body)
        assert response.status_code == 202 and response.parsed is None, operation.__name__
        answer = json.loads(response.content)
        assert set(answer) == {"message", "run_uuid"}
        run = ArrowSyncRun.objects.get(uuid=answer["run_uuid"])
        assert run.state in ("succeeded", "failed") and run.finished_at is not None and run.triggered_by == "user"
        detail = official_client.get_httpx_client().get(f"/api/admin/arrow/sync-runs/{run.uuid}/")
        assert detail.status_code == 200 and detail.json()["state"] == run.state
