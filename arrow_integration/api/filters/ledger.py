"""FilterSet of /api/admin/arrow/ledger/: the month, customer, license, run, actor and action.

`period` is the month an entry concerns (`YYYY-MM`, or a day of it), `customer_uuid` the local
customer, `license_reference` an Arrow license (`XSP…`), `run_uuid` the run that wrote it,
`actor` a username (the user's entries, also through the runs the user queued), `schedule`, or
any other actor label (`system`, `run <uuid>`, `command …`), `action` one of `LedgerAction`.
`invoice_uuid`, `item_uuid` and `settings_uuid` narrow further. A malformed value is a 400
naming the parameter.
"""

import django_filters
from django import forms
from django.db.models import Q

from arrow_integration.api.filters.periods import PeriodFilter
from arrow_integration.choices import LedgerAction
from arrow_integration.models import ArrowLedgerEntry, arrow_reference_validators

ACTOR_MAX_LENGTH = ArrowLedgerEntry._meta.get_field("actor").max_length


class ArrowReferenceFormField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("validators", arrow_reference_validators())
        super().__init__(**kwargs)


class ArrowReferenceFilter(django_filters.CharFilter):
    """An Arrow reference (`XSP` and digits); anything else is a 400."""

    field_class = ArrowReferenceFormField


class ActorFilter(django_filters.CharFilter):
    """A username (the entries of that user) or an actor label such as `schedule`."""

    def filter(self, queryset, value):
        if value in self.field.empty_values:
            return queryset
        return queryset.filter(Q(actor=value) | Q(actor_user__username=value))


class ArrowLedgerEntryFilter(django_filters.FilterSet):
    period = PeriodFilter(field_name="period")
    customer_uuid = django_filters.UUIDFilter()
    license_reference = ArrowReferenceFilter()
    run_uuid = django_filters.UUIDFilter()
    actor = ActorFilter(max_length=ACTOR_MAX_LENGTH)
    action = django_filters.ChoiceFilter(choices=LedgerAction.choices)
    invoice_uuid = django_filters.UUIDFilter()
    item_uuid = django_filters.UUIDFilter()
    settings_uuid = django_filters.UUIDFilter()

    class Meta:
        model = ArrowLedgerEntry
        fields = ["period", "customer_uuid", "license_reference", "run_uuid", "actor", "action", "invoice_uuid",
                  "item_uuid", "settings_uuid"]
