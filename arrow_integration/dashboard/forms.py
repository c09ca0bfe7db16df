"""Forms of the dashboard: the filters of the runs list and of the month page, the drill-down's
customer, and the month's run buttons. Every one is validated; a bad value is a 400 naming it."""

from __future__ import annotations

from django import forms

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunKind, SyncRunState
from arrow_integration.dashboard.labels import CLASS_LABELS, STATUS_LABELS
from arrow_integration.selectors.month_close import MONTH_STATUSES

ANY = [("", "Any")]
REFERENCE_MAX_LENGTH = 255


class RunFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=ANY + list(SyncRunKind.choices), required=False)
    state = forms.ChoiceField(choices=ANY + list(SyncRunState.choices), required=False)
    period = forms.CharField(required=False, label="Month", max_length=7,
                             widget=forms.TextInput(attrs={"placeholder": "YYYY-MM", "inputmode": "numeric"}))

    def clean_period(self) -> Period | None:
        text = self.cleaned_data.get("period", "").strip()
        if not text:
            return None
        try:
            return Period.parse(text)
        except ValueError:
            raise forms.ValidationError("Enter a month as YYYY-MM, e.g. 2025-01.") from None


def _settings_choices(settings_by_uuid: dict) -> list[tuple[str, str]]:
    return [(str(key), settings.partner_name or settings.api_url) for key, settings in settings_by_uuid.items()]


class MonthFilterForm(forms.Form):
    """Which rows of the month's report to show, and in which order (``sort_choices`` from the view)."""

    settings = forms.ChoiceField(required=False, label="Settings")
    status = forms.ChoiceField(choices=ANY + [(name, STATUS_LABELS[name]) for name in MONTH_STATUSES],
                               required=False)
    variance_class = forms.ChoiceField(choices=ANY + list(CLASS_LABELS.items()), required=False,
                                       label="With lines of class")
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, settings_by_uuid: dict, sort_choices: list[str]):
        super().__init__(data)
        self.fields["settings"].choices = ANY + _settings_choices(settings_by_uuid)
        self.fields["sort"].choices = [("", "")] + [(name, name) for name in sort_choices]


class CustomerForm(forms.Form):
    """The drill-down's customer: an Arrow reference (blank for items that name no customer) and settings."""

    settings = forms.UUIDField(required=False)
    arrow_customer = forms.CharField(required=False, max_length=REFERENCE_MAX_LENGTH, strip=True)


class MonthRunForm(forms.Form):
    """A button of the month page: what to queue, for which settings, and the confirmation."""

    action = forms.ChoiceField(choices=[])
    settings = forms.ChoiceField(required=False, label="Settings")
    confirmed = forms.BooleanField(required=False)

    def __init__(self, data=None, *, actions: dict, settings_by_uuid: dict, initial=None):
        super().__init__(data, initial=initial)
        self.fields["action"].choices = [(name, action.label) for name, action in actions.items()]
        self.fields["settings"].choices = _settings_choices(settings_by_uuid)
