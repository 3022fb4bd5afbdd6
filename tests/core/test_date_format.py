"""One date format everywhere: DD.MM.YYYY typed and shown, in German and in English."""

import datetime as dt

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from core.forms import DateInput


class _Form(forms.Form):
    day = forms.DateField(widget=DateInput())


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_date_is_typed_as_in_a_german_office_in_both_languages(language):
    with translation.override(language):
        form = _Form({"day": "03.07.2026"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["day"] == dt.date(2026, 7, 3)
        html = str(_Form(initial={"day": dt.date(2026, 7, 3)})["day"])
    assert 'type="text"' in html
    assert 'value="03.07.2026"' in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_an_iso_date_from_a_link_or_file_is_understood(language):
    with translation.override(language):
        form = _Form({"day": "2026-07-03"})
        assert form.is_valid(), form.errors


def test_the_english_interface_shows_short_dates_the_german_way():
    with translation.override("en"):
        text = Template('{{ day|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"day": dt.date(2026, 7, 3)})
        )
    assert text == "03.07.2026"


def test_an_american_date_is_refused_in_english():
    with translation.override("en"):
        assert not _Form({"day": "07/03/2026"}).is_valid()
