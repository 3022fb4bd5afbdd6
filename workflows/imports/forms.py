"""The upload form of the client import, and the answer to an import remark."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.imports.models import ImportRemark

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ClientImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8 or Windows-1252, separated by commas, semicolons or tabs, at most 20 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is larger than 20 MB. Split it into several files; rows "
                    "already imported are skipped, so the parts may overlap."
                )
            )
        return upload


class ImportRemarkResolveForm(forms.Form):
    """Which of the remark's two buttons was pressed."""

    resolution = forms.ChoiceField(choices=ImportRemark.Resolution.choices)
