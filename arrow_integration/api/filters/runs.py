"""FilterSet of /api/admin/arrow/sync-runs/: kind, period (a month or a day of it), settings, state.

A malformed value is a 400 naming the parameter, never an empty list nor an ignored filter.
"""

import django_filters

from arrow_integration.api.filters.periods import PeriodFilter
from arrow_integration.choices import SyncRunKind, SyncRunState, SyncRunTrigger
from arrow_integration.models import ArrowSyncRun


class ArrowSyncRunFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SyncRunKind.choices)
    period = PeriodFilter(field_name="period")
    settings_uuid = django_filters.UUIDFilter(field_name="settings__uuid")
    state = django_filters.ChoiceFilter(choices=SyncRunState.choices)
    triggered_by = django_filters.ChoiceFilter(choices=SyncRunTrigger.choices)

    class Meta:
        model = ArrowSyncRun
        fields = ["kind", "period", "settings_uuid", "state", "triggered_by"]
