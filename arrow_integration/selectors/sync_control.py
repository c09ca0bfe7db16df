"""Whether the scheduled syncs run: the global pause (`ArrowSyncControl`), read only.

The switch is written by `services.runs.pause`. Nothing here writes.
"""

from arrow_integration.models import ArrowSyncControl


def scheduled_syncs_paused() -> bool:
    """True while the global pause stops every periodic run (billing and consumption alike)."""
    return ArrowSyncControl.objects.filter(key=ArrowSyncControl.GLOBAL_KEY, scheduled_syncs_paused=True).exists()


def global_pause_get() -> ArrowSyncControl | None:
    """The global control row while it pauses the schedule, else None."""
    return ArrowSyncControl.objects.filter(key=ArrowSyncControl.GLOBAL_KEY, scheduled_syncs_paused=True).first()
