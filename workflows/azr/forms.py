"""The intake's upload of an AZR-shaped file: valid means readable and schema-valid; the
cleaned value is the `Prefill` (nothing is saved)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.azr.parse import Prefill, read_upload


class AzrFileForm(forms.Form):
    azr_file = forms.FileField(
        label=_("AZR/XAusländer file (JSON or XML)"),
        help_text=_("An export of one person in the AZR shape; nothing is saved yet."),
        error_messages={
            "required": _("Choose a file to pre-fill the form from."),
            "empty": _("The file is empty."),
        },
    )

    def clean_azr_file(self) -> Prefill:
        return read_upload(self.cleaned_data["azr_file"])
