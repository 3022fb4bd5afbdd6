"""Forms validate input; clients.services decides and writes."""

from __future__ import annotations

import unicodedata

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from clients.choices import LANGUAGES, HouseholdRole
from clients.models import CaseNote, Client, IdentityDocument
from clients.reference import reference_code_normalize
from clients.validators import normalize_identifier
from core.dates import PartialDate
from core.forms import DateInput, PartialDateField
from core.identity.names import ARABIC_SCRIPT_NAMES, romanize
from core.sections import FORM_SECTIONS, SECTIONS
from core.text import TextChecksMixin, validate_name_text

# How each section's fields sit on screen: few rows, related fields side by side,
# so that an intake fits on a laptop screen without endless scrolling.
SECTION_ROWS: dict[str, list[tuple[str, ...]]] = {
    "identity": [
        ("family_name", "given_names"),
        ("family_name_original", "given_names_original"),
        ("birth_name", "former_names"),
        ("sex", "birth_date", "azr_number"),
        ("place_of_birth", "country_of_birth", "nationalities"),
    ],
    "contact": [
        ("languages",),
        ("interpreter_needed",),
        ("phone", "email"),
        ("street", "postcode"),
        ("district", "accommodation"),
    ],
    "residence": [("arrival_date", "residence_status")],
    "sensitive": [("special_protection_needs",), ("sensitive_notes",)],
}


def _rows(section: str) -> list:
    return [
        Row(*(Column(_widget_layout(name), css_class="col-md") for name in row))
        for row in SECTION_ROWS[section]
    ]


def _widget_layout(name: str):
    return InlineCheckboxes(name) if name == "languages" else name


# Name fields written in Latin letters (as in German files), and where the same name in
# the passport's own script belongs.
LATIN_NAME_FIELDS: dict[str, str | None] = {
    "family_name": "family_name_original",
    "given_names": "given_names_original",
    "birth_name": None,
    "former_names": None,
}
# Emoji, pictographs, arithmetic and currency signs are no part of anyone's name. Modifier
# symbols (Sk: ´ ` ^) stay: they are typed as apostrophes and accents.
_SYMBOL_CATEGORIES = frozenset({"So", "Sm", "Sc"})
_EMOJI_PARTS = frozenset({"\ufe0f", "\u20e3"}) | {chr(c) for c in range(0x1F3FB, 0x1F400)}
_SCRIPT_LABELS = {
    "ARABIC": _("Arabic"),
    "CYRILLIC": _("Cyrillic"),
    "GREEK": _("Greek"),
    "HEBREW": _("Hebrew"),
    "ARMENIAN": _("Armenian"),
    "GEORGIAN": _("Georgian"),
}
# Ukrainian passports' romanisation (KMU 2010), for the suggestion only; position-
# dependent letters take their inner form, and the word's first letter its initial form.
_KMU = dict(
    zip(
        "абвгґдезиіклмнопрстуфхцчшщ",
        "a b v h g d e z y i k l m n o p r s t u f kh ts ch sh shch".split(),
        strict=True,
    )
)
_KMU.update({"ж": "zh", "ь": "", "'": "", "’": "", "ʼ": ""})
_KMU_INNER = {"є": "ie", "ї": "i", "й": "i", "ю": "iu", "я": "ia"}
_KMU_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
# Letters only Russian writes: such a name is read by anyascii's (Russian-style) table.
_RUSSIAN_ONLY = frozenset("ыэъё")


def _script_of(char: str) -> str:
    return unicodedata.name(char, "").split(" ")[0]


def name_symbols(value: str) -> bool:
    """Emoji or other symbols in a name."""
    return any(
        unicodedata.category(char) in _SYMBOL_CATEGORIES or char in _EMOJI_PARTS for char in value
    )


def non_latin_script(value: str) -> str | None:
    """The script of the first letter that is not Latin (ARABIC, CYRILLIC, ...), or None
    for a name in Latin letters (with any diacritics: Ševčenko, Müller, Đorđević)."""
    for char in value:
        if char.isalpha() and _script_of(char) != "LATIN":
            return _script_of(char)
    return None


def _word_in_latin(word: str) -> str:
    folded = word.casefold()
    if folded in ARABIC_SCRIPT_NAMES:
        return ARABIC_SCRIPT_NAMES[folded]
    if any(_script_of(char) == "CYRILLIC" for char in word) and not _RUSSIAN_ONLY & set(folded):
        out = []
        for index, char in enumerate(folded):
            if char in _KMU_INNER:
                out.append((_KMU_INITIAL if index == 0 else _KMU_INNER)[char])
            else:
                out.append(_KMU.get(char, char))
        return "".join(out)
    return romanize(word)


def transliteration(value: str) -> str:
    """A Latin spelling of a name written in another script, offered as a suggestion (the
    caseworker checks it against the document): Ukrainian by the passport table, common
    Arabic names in their usual form, anything else letter by letter."""
    words = [_word_in_latin(word) for word in value.split()]
    return " ".join(
        "-".join(part[:1].upper() + part[1:] for part in word.split("-")) for word in words if word
    )


class ClientForm(TextChecksMixin, forms.ModelForm):
    """The client record's fields, limited to the sections being edited."""

    name_fields = tuple(
        name for name, check in Client.text_checks.items() if check is validate_name_text
    )

    birth_date = PartialDateField(label=_("Date of birth"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phone = PhoneNumberField(
        label=_("Phone"),
        required=False,
        help_text=_("German numbers without country code, others with +380, +963 ..."),
    )

    class Meta:
        model = Client
        fields = [name for section in SECTIONS.values() for name in section.fields]
        widgets = {
            "sensitive_notes": forms.Textarea(attrs={"rows": 3}),
            "arrival_date": DateInput(),
            "nationalities": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "family_name_original": _(
                "As written in the passport's own script (Cyrillic, Arabic)."
            ),
            "azr_number": _("12 digits, from the Ankunftsnachweis or a letter of the LEA."),
            "nationalities": _("Hold Ctrl (Mac: Cmd) to choose more than one."),
        }

    def __init__(self, *args, sections: tuple[str, ...] = FORM_SECTIONS, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = [name for slug in sections for name in SECTIONS[slug].fields]
        section_fields = {name for section in SECTIONS.values() for name in section.fields}
        for name in section_fields - set(wanted):
            del self.fields[name]
        if self.instance.pk and "birth_date" in self.fields:
            self.initial.setdefault("birth_date", self.instance.birth_date)
        if self.instance.pk:
            self.fields["seen_version"] = forms.CharField(
                widget=forms.HiddenInput, initial=self.instance.version, required=False
            )
        first = self.fields[wanted[0]]
        if not isinstance(first.widget, forms.CheckboxSelectMultiple):
            first.widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        if len(sections) > 1:
            self.helper.layout = Layout(
                *(Fieldset(SECTIONS[slug].label, *_rows(slug)) for slug in sections)
            )
        else:
            self.helper.layout = Layout(*_rows(sections[0]))
        if "seen_version" in self.fields:
            self.helper.layout.append("seen_version")

    def _update_errors(self, errors: ValidationError) -> None:
        # The model's clean() judges the whole record. A complaint about a field outside
        # the sections edited here (a birth date an old import left in the future) was
        # there before this edit and cannot be fixed in this form, perhaps not by this
        # agency at all: it must not refuse a new address, nor end in a ValueError.
        if hasattr(errors, "error_dict"):
            errors = ValidationError(
                {
                    name: messages
                    for name, messages in errors.error_dict.items()
                    if name == NON_FIELD_ERRORS or name in self.fields
                }
            )
            if not errors.error_dict:
                return
        super()._update_errors(errors)

    def clean(self):
        cleaned = super().clean()
        if "birth_date" in self.fields and "birth_date" in cleaned:
            self.instance.birth_date = cleaned["birth_date"]
        self._check_name_scripts(cleaned)
        return cleaned

    def _check_name_scripts(self, cleaned) -> None:
        """Names with emoji or symbols are refused. A Latin-script name field holding
        another script gets an error with a transliteration to accept; when the field for
        the original script is empty, the typed name moves there and the suggestion takes
        its place, so that saving again is all it takes (nothing typed is lost)."""
        person_names = [*LATIN_NAME_FIELDS, "family_name_original", "given_names_original"]
        for name in person_names:
            if name in cleaned and cleaned[name] and name_symbols(cleaned[name]):
                self.add_error(
                    name, _("A name must not contain emoji or other symbols; please remove them.")
                )
        for name, original in LATIN_NAME_FIELDS.items():
            value = cleaned.get(name)
            script = value and non_latin_script(value)
            if not script:
                continue
            suggestion = transliteration(value)
            label = _SCRIPT_LABELS.get(script, _("non-Latin"))
            message = gettext(
                "This field takes the name in Latin letters; “%(value)s” is written in "
                "%(script)s script."
            ) % {"value": value, "script": label}
            if suggestion:
                message += " " + gettext("Did you mean: %(suggestion)s?") % {
                    "suggestion": suggestion
                }
            target = original if original in self.fields else None
            if target and not (cleaned.get(target) or "").strip():
                self._replace_typed(name, suggestion)
                self._replace_typed(target, value)
                message += " " + gettext(
                    "The %(script)s spelling has been moved to “%(field)s” and the suggestion "
                    "put here: please check both and save again."
                ) % {"script": label, "field": self.fields[target].label}
            elif target:
                message += " " + gettext("The %(script)s spelling belongs in “%(field)s”.") % {
                    "script": label,
                    "field": self.fields[target].label,
                }
            self.add_error(name, message)

    def _replace_typed(self, name: str, value: str) -> None:
        """Change what the form shows again for `name` (the request's data is immutable)."""
        if hasattr(self.data, "_mutable") and not self.data._mutable:
            self.data = self.data.copy()
        self.data[self.add_prefix(name)] = value


class HouseholdMemberForm(ClientForm):
    household_role = forms.ChoiceField(
        label=_("Relation to the reference person"),
        choices=[
            ("", "---------"),
            *[c for c in HouseholdRole.choices if c[0] != HouseholdRole.HEAD],
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.insert(0, "household_role")
        self.fields["family_name"].widget.attrs.pop("autofocus", None)
        self.fields["household_role"].widget.attrs["autofocus"] = True


class DocumentForm(TextChecksMixin, forms.ModelForm):
    name_fields = ("number",)

    class Meta:
        model = IdentityDocument
        fields = ["doc_type", "number", "issuing_country", "issued_on", "expires_on"]
        widgets = {"issued_on": DateInput(), "expires_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.fields["number"].widget.attrs["autocomplete"] = "off"
        if self.instance.pk:
            # As on ClientForm: the service refuses a change made meanwhile, or unsaid.
            self.fields["seen_version"] = forms.CharField(
                widget=forms.HiddenInput, initial=self.instance.version, required=False
            )

    def clean_number(self) -> str:
        return normalize_identifier(self.cleaned_data["number"])


class OptionalDocumentForm(DocumentForm):
    """The intake's first document: may be left empty entirely."""

    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def is_empty(self) -> bool:
        return not any(self.data.get(self.add_prefix(name)) for name in self.fields)

    def clean(self):
        cleaned = super().clean()
        if self.is_empty():
            return cleaned
        for name in ("doc_type", "number", "issuing_country"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("This field is required to add a document."))
        return cleaned


class ClientSearchForm(TextChecksMixin, forms.Form):
    name_fields = ("name", "document_number", "azr_number", "reference_code")

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_(
            "Family and/or given name in any spelling or script (Shevchenko, Schewtschenko, "
            "Шевченко); the beginning of a name is enough."
        ),
    )
    birth_date = PartialDateField(label=_("Date of birth"), required=False, help_text="")
    document_number = forms.CharField(label=_("Document number"), required=False, max_length=30)
    azr_number = forms.CharField(label=_("AZR number"), required=False, max_length=14)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    reference_code = forms.CharField(
        label=_("Reference code"),
        required=False,
        max_length=20,
        help_text=_("From the person's handover sheet, e.g. K7Q2 M9XD 4TC."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.fields["name"].widget.attrs.update({"autofocus": True, "type": "search"})

    def clean_document_number(self) -> str:
        return normalize_identifier(self.cleaned_data["document_number"])

    def clean_azr_number(self) -> str:
        return normalize_identifier(self.cleaned_data["azr_number"])

    def clean_reference_code(self) -> str:
        text = self.cleaned_data["reference_code"]
        if not text:
            return ""
        code = reference_code_normalize(text)
        if code is None:
            raise forms.ValidationError(
                _("This is not a valid reference code; please check it character by character.")
            )
        return code

    def has_criteria(self) -> bool:
        return self.is_valid() and any(
            value for value in self.cleaned_data.values() if value != PartialDate()
        )


class CaseNoteForm(TextChecksMixin, forms.ModelForm):
    class Meta:
        model = CaseNote
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
