"""Form fields and widgets that every app's forms share."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import PartialDate


class DateInput(forms.DateInput):
    """A text box for DD.MM.YYYY: the browser's date picker shows the browser's format
    (mm/dd/yyyy in an English browser), the portal writes dates one way everywhere."""

    def __init__(self, attrs=None):
        attrs = {
            "placeholder": _("DD.MM.YYYY"),
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": 10,
            **(attrs or {}),
        }
        super().__init__(attrs, format="%d.%m.%Y")


class PartialDateField(forms.Field):
    """One text box for a birth date of any precision: 03.07.1985, 00.07.1985, 1985."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _(
                "DD.MM.YYYY; write 00 for an unknown day or month (00.00.1985). "
                "Leave empty if unknown."
            ),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "maxlength": 10})

    def prepare_value(self, value):
        return str(value) if isinstance(value, PartialDate) else value

    def to_python(self, value) -> PartialDate:
        return PartialDate.parse(str(value or ""))
