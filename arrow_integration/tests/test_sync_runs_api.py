"""Runs you can follow through the API: every queued action names its run (`run_uuid`), the run
exists as queued when the answer is sent and reaches its final state; `sync-runs/` lists runs
newest first with their filters; outcomes say in words what needs a person."""

import pytest

from arrow_integration.choices import SyncRunKind, SyncRunState
from arrow_integration.models import ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.periods import previous_period

pytestmark = pytest.mark.django_db
ACTIONS = "/api/admin/arrow/billing-syncs/"
RUNS = "/api/admin/arrow/sync-runs/"


@pytest.fixture
def linked_resource(production_resource):
    return production_resource


def trigger_bodies(resource) -> dict[str, tuple[dict, str]]:
    period = previous_period()
    month = {"year": period.year, "month": period.month}
    return {
        "trigger_sync/": (month, SyncRunKind.BILLING),
        "reconcile/": ({**month, "force": True}, SyncRunKind.RECONCILIATION),
        "trigger_consumption_sync/": ({**month, "resource_uuid": str(resource.uuid)}, SyncRunKind.CONSUMPTION),
        "trigger_reconciliation/": (month, SyncRunKind.CONSUMPTION_RECONCILIATION),
    }


def test_every_queued_action_names_its_run_queued_then_finished(
    staff_client, staff_user, billing_settings, linked_resource, django_capture_on_commit_callbacks
):
    for action, (body, kind) in trigger_bodies(linked_resource).items():
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = staff_client.post(ACTIONS + action, body, format="json")
        assert response.status_code == 202 and set(response.json()) == {"message", "run_uuid"}, action
        run_url = f"{RUNS}{response.json()['run_uuid']}/"
        queued = staff_client.get(run_url).json()
        assert (queued["state"], queued["kind"], queued["triggered_by"], queued["triggered_by_username"]) == (
            "queued", kind, "user", staff_user.username)
        assert queued["queued_at"] is not None and queued["started_at"] is None and queued["finished_at"] is None
        assert queued["period"] == str(previous_period()) and queued["settings_uuid"] == str(billing_settings.uuid)

        callbacks[0]()  # the request's transaction commits: the task runs (eager)

        finished = staff_client.get(run_url).json()
        assert finished["state"] in ("succeeded", "failed") and finished["finished_at"] is not None, action
        assert finished["started_at"] >= queued["queued_at"] and finished["operator_summary"], action
        assert finished["outcome"]["operator_summary"] == finished["operator_summary"]


def test_reconciling_a_month_arrow_has_not_validated_says_so_and_changes_nothing(
    staff_client, billing_settings, mapped, django_capture_on_commit_callbacks
):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ACTIONS + "reconcile/", {"year": period.year, "month": period.month},
                                     format="json")

    run = staff_client.get(f"{RUNS}{response.json()['run_uuid']}/").json()
    assert run["state"] == "succeeded"
    assert any("not validated by Arrow yet" in sentence and "nothing was changed" in sentence
               for sentence in run["operator_summary"]), run["operator_summary"]


def test_an_import_names_the_customers_without_mapping_and_the_lines_left_out(staff_client, billing_settings, mapped):
    run = billing_sync_import_period(settings=billing_settings, period=previous_period())

    summary = staff_client.get(f"{RUNS}{run.uuid}/").json()["operator_summary"]
    unmapped = next(sentence for sentence in summary if "without a mapping" in sentence)
    assert "XSP100004" in unmapped and "sell" in unmapped
    assert any("outside the classification filter" in sentence for sentence in summary)


def test_runs_are_listed_newest_first_with_their_filters(staff_client, billing_settings, mapped):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    billing_sync_import_period(settings=billing_settings, period=period.previous())
    ArrowSyncRun.objects.create(settings=billing_settings, kind=SyncRunKind.CONSUMPTION, state=SyncRunState.FAILED,
                                period=period.first_day, error_message="Arrow said no")

    runs = staff_client.get(RUNS).json()
    assert [run["kind"] for run in runs] == ["consumption", "billing", "billing"]
    assert runs[1]["period"] == str(period.previous()) and runs[0]["triggered_by"] is None

    def count(**params) -> int:
        response = staff_client.get(RUNS, params)
        assert response.status_code == 200, response.content
        return int(response["X-Result-Count"])

    assert count(kind="billing") == 2 and count(state="failed") == 1 and count(period=str(period)) == 2
    assert count(settings_uuid=billing_settings.uuid) == 3 and count(period=f"{period}-15", kind="consumption") == 1
    for params in ({"kind": "nap"}, {"state": "done"}, {"period": "2026-13"}, {"settings_uuid": "x"}):
        response = staff_client.get(RUNS, params)
        assert response.status_code == 400 and set(params) <= set(response.json())
    assert staff_client.get(f"{RUNS}{runs[0]['uuid']}/").json() == runs[0]
