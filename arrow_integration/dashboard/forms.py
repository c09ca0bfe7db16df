"""Forms of the dashboard: the runs list's filters (validated; a bad value is a 400 naming it)."""

from __future__ import annotations

from django import forms

from arrow_client.periods import Period
from arrow_integration.choices import SyncRunKind, SyncRunState

ANY = [("", "Any")]


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
