"""Pausing and resuming the scheduled syncs.

Two switches exist: the global pause (`ArrowSyncControl` row "global", `scheduled_syncs_paused`)
that stops every periodic run (billing imports and export checks, validation checks and
reconciliations, consumption syncs and reconciliations), and each settings row's `sync_enabled`,
which does the same for that row. Runs triggered through the API run regardless. Both are plain
idempotent writes in one transaction, safe to run concurrently; pausing twice answers the same as
pausing once. Whether the schedule is paused is read by `selectors.sync_control`.
"""

from django.db import transaction
from django.utils import timezone

from arrow_integration.models import ArrowSettings, ArrowSyncControl
from arrow_integration.selectors.configuration import arrow_settings_get
from arrow_integration.services.ledger.configuration import ledger_configuration_watch

GLOBAL_LABEL = ArrowSyncControl.GLOBAL_KEY


def _set_global(paused: bool) -> None:
    # One upsert: the row is locked (PostgreSQL) or the database is (SQLite, whose transactions
    # take the write lock up front) before it is read, so concurrent switches wait, never fail.
    ArrowSyncControl.objects.update_or_create(
        key=ArrowSyncControl.GLOBAL_KEY,
        defaults={"scheduled_syncs_paused": paused, "paused_at": timezone.now() if paused else None},
    )


def _set_settings(settings: ArrowSettings, enabled: bool) -> None:
    # A single UPDATE, no read first: nothing to race with (the ledger's watch reads the row
    # before and after it, inside the caller's transaction).
    with ledger_configuration_watch(settings):
        ArrowSettings.objects.filter(pk=settings.pk).exclude(sync_enabled=enabled).update(
            sync_enabled=enabled, modified=timezone.now()
        )


def _switch(*, settings_uuid, pause_global: bool, paused: bool) -> list[str]:
    """Apply the switch to the targets of a pause/resume request; returns their labels.

    No target given: the active settings. `ObjectNotFound` for an unknown settings_uuid,
    `NoActiveSettings` when neither a target nor an active row exists.
    """
    targets: list[str] = []
    with transaction.atomic():
        if pause_global:
            _set_global(paused)
            targets.append(GLOBAL_LABEL)
        if settings_uuid is not None or not pause_global:
            settings = arrow_settings_get(settings_uuid, field="settings_uuid")
            _set_settings(settings, enabled=not paused)
            targets.append(str(settings.uuid))
    return targets


def scheduled_syncs_pause(*, settings_uuid=None, pause_global: bool = False) -> dict:
    """Pause the global switch and/or a settings row (default: the active one)."""
    return {"paused": _switch(settings_uuid=settings_uuid, pause_global=pause_global, paused=True)}


def scheduled_syncs_resume(*, settings_uuid=None, pause_global: bool = False) -> dict:
    """Resume the global switch (`pause_global` names it) and/or a settings row."""
    return {"resumed": _switch(settings_uuid=settings_uuid, pause_global=pause_global, paused=False)}
