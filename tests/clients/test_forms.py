from clients.forms import SECTION_ROWS, ClientForm, ClientSearchForm
from core.sections import FORM_SECTIONS, SECTIONS


def test_every_section_field_is_laid_out_exactly_once():
    assert set(SECTION_ROWS) == set(FORM_SECTIONS)
    for slug in FORM_SECTIONS:
        section = SECTIONS[slug]
        laid_out = [name for row in SECTION_ROWS[slug] for name in row]
        assert sorted(laid_out) == sorted(section.fields), slug


def test_a_section_form_holds_only_that_sections_fields():
    form = ClientForm(sections=("contact",))
    assert set(form.fields) == set(SECTIONS["contact"].fields)


def test_birth_date_field_accepts_the_german_document_notation():
    form = ClientForm(
        data={
            "family_name": "Hres",
            "sex": "u",
            "birth_date": "00.00.1980",
            "residence_status": "unknown",
        }
    )
    assert form.is_valid(), form.errors
    assert form.instance.birth_year == 1980
    assert form.instance.birth_month is None


def test_birth_date_error_is_shown_on_the_birth_date_field():
    form = ClientForm(
        data={
            "family_name": "Hres",
            "sex": "u",
            "birth_date": "30.02.1980",
            "residence_status": "unknown",
        }
    )
    assert not form.is_valid()
    assert list(form.errors) == ["birth_date"]


def test_search_form_without_criteria_is_not_a_search():
    assert not ClientSearchForm(data={"name": "", "birth_date": ""}).has_criteria()
    assert ClientSearchForm(data={"birth_date": "1985"}).has_criteria()
