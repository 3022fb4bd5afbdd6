from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from core.forms import DateInput
from core.text import TextChecksMixin

# Outside these a date is a typing error, and at the calendar's ends a day added overflows.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)


class EventFilterForm(TextChecksMixin, forms.Form):
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    client = forms.IntegerField(label=_("Record no."), required=False, min_value=1)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", "---------"), *AuditEvent.Action.choices]
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", "---------"), *AuditEvent.Outcome.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("newest", _("Newest first")), ("oldest", _("Oldest first"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_since(self) -> dt.date | None:
        return _within_range(self.cleaned_data["since"])

    def clean_until(self) -> dt.date | None:
        return _within_range(self.cleaned_data["until"])

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end must not lie before the start."))
        return cleaned


def _within_range(day: dt.date | None) -> dt.date | None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_range",
            params={
                "earliest": EARLIEST.strftime("%d.%m.%Y"),
                "latest": LATEST.strftime("%d.%m.%Y"),
            },
        )
    return day
