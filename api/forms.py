"""The API validates input with the pages' own forms (ClientForm, DocumentForm, the
search and duplicate-check forms), so a record written through the API obeys exactly the
rules of one typed in: name scripts, Berlin postcodes, document number formats, dates.

JSON in, form data out: a change (PATCH) starts from the stored values of the sections
it touches, and the body's fields replace them."""

from __future__ import annotations

from django import forms

from core.dates import PartialDate


def _form_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if isinstance(value, PartialDate):
        return str(value)
    return value


def form_data(unbound: forms.BaseForm | None, body: dict) -> dict:
    """The data to bind a form with: the unbound form's initial values (the stored
    record), overridden by the JSON body."""
    data = {}
    if unbound is not None:
        for name in unbound.fields:
            data[name] = _form_value(unbound[name].value())
    for name, value in body.items():
        if isinstance(value, bool):
            data[name] = value
        elif isinstance(value, list):
            data[name] = [str(item) for item in value]
        elif value is None:
            data[name] = ""
        elif isinstance(value, dict):
            data[name] = ""  # no field takes an object; the form reports it missing
        else:
            data[name] = str(value)
    return data


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """A form's errors as {field: [messages]} (form-wide errors as non_field_errors)."""
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }
