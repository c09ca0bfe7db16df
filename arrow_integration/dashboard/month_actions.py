"""The month page's buttons: import billing, sync consumption, reconcile — queued as the API queues them.

Each action queues the same Celery tasks with the same arguments as the API's trigger actions
(`billing-syncs/trigger_sync/`, `trigger_consumption_sync/`, `reconcile/` and
`trigger_reconciliation/`, for a whole month), through the one enqueue path
(`tasks.base.period_job_enqueue`): a run recorded as queued, triggered by the signed-in user,
then the task handed to the broker. A broker that is down raises `QueueUnavailable` and leaves
no run. Closing a month settles both charging paths, so "reconcile" queues both reconciliations.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunTrigger
from arrow_integration.models import ArrowSettings, ArrowSyncRun
from arrow_integration.tasks.base import PeriodJobTask, period_job_enqueue
from arrow_integration.tasks.billing import billing_reconcile_period, billing_sync_period
from arrow_integration.tasks.consumption import consumption_reconciliation, consumption_sync

WHOLE_MONTH = None  # no license (billing) and no resource (consumption): every one of the month
NOT_FORCED = False  # reconcile only what Arrow has validated


@dataclass(frozen=True)
class MonthAction:
    label: str  # the button
    confirmation: str  # what the confirmation says is about to happen ({period}, {settings})
    tasks: tuple[tuple[PeriodJobTask, tuple], ...]  # each task with its arguments after settings and period


MONTH_ACTIONS = {
    "import_billing": MonthAction(
        "Import billing",
        "Import Arrow's billing export of {period} for {settings}: every line is charged, updated or "
        "compensated on the customers' invoices.",
        ((billing_sync_period, (WHOLE_MONTH,)),),
    ),
    "sync_consumption": MonthAction(
        "Sync consumption",
        "Sync the consumption of every linked license in {period} for {settings}: provisional invoice items "
        "are created or updated.",
        ((consumption_sync, (WHOLE_MONTH,)),),
    ),
    "reconcile": MonthAction(
        "Reconcile",
        "Reconcile {period} for {settings} with Arrow's final bill, statement lines and consumption alike: "
        "every difference of 0.01 or more becomes a compensation item on the customer's open invoice. "
        "Nothing happens to lines Arrow has not validated yet.",
        ((billing_reconcile_period, (NOT_FORCED,)), (consumption_reconciliation, (NOT_FORCED,))),
    ),
}


@dataclass(frozen=True)
class ActionButton:
    name: str
    label: str
    confirmation: str  # "{settings}" is left for the page to fill in with the chosen settings


def action_buttons(period: Period) -> list[ActionButton]:
    """The month page's buttons, with their confirmation texts for ``period``."""
    return [ActionButton(name, action.label, action.confirmation.replace("{period}", str(period)))
            for name, action in MONTH_ACTIONS.items()]


def month_actions_allowed(period: Period) -> bool:
    """Actions take the current month or an earlier one (as the API's), never a later one."""
    return period <= Period.from_date(timezone.localdate())


def month_action_queue(name: str, *, settings: ArrowSettings, period: Period, user) -> list[ArrowSyncRun]:
    """Queue action ``name`` for ``settings`` and ``period``; the queued runs, in order."""
    return [
        period_job_enqueue(task, settings=settings, period=period, args=args, triggered_by=SyncRunTrigger.USER,
                           user=user)
        for task, args in MONTH_ACTIONS[name].tasks
    ]
