"""The intake's duplicate check: what the form holds so far, and the confirmation asked
before saving past a probable match; the intake form's one-time token."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clients.validators import normalize_identifier
from core.dates import PartialDate
from core.identity.score import MatchRecord
from core.text import TextChecksMixin, validate_name_text


class DuplicateCheckForm(TextChecksMixin, forms.Form):
    """What the intake form holds so far, read leniently: a half-typed date or an unknown
    country must not stop the check, it just counts as unknown."""

    family_name = forms.CharField(required=False, max_length=150)
    given_names = forms.CharField(required=False, max_length=150)
    family_name_original = forms.CharField(required=False, max_length=150)
    given_names_original = forms.CharField(required=False, max_length=150)
    birth_name = forms.CharField(required=False, max_length=150)
    former_names = forms.CharField(required=False, max_length=300)
    sex = forms.CharField(required=False, max_length=1)
    birth_date = forms.CharField(required=False, max_length=10)

    name_fields = (
        "family_name",
        "given_names",
        "family_name_original",
        "given_names_original",
        "birth_name",
        "former_names",
    )

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        # The document number comes from the intake's document form (prefix "doc"); one
        # with control characters (NUL: PostgreSQL refuses it) counts as unknown.
        number = normalize_identifier(str(data.get("doc-number", ""))[:30])
        try:
            validate_name_text(number)
        except forms.ValidationError:
            number = ""
        self.document_number = number
        self.nationalities = tuple(c for c in data.getlist("nationalities")[:5] if c in countries)

    def has_enough(self) -> bool:
        """A family name plus one more fact: fewer would list half the database."""
        if not self.is_valid():
            return False
        data = self.cleaned_data
        family = len(data["family_name"].strip()) >= 2 or bool(data["family_name_original"])
        more = data["given_names"] or data["given_names_original"] or data["birth_date"]
        return (family and bool(more)) or len(self.document_number) >= 5

    def match_record(self) -> MatchRecord:
        data = self.cleaned_data if self.is_valid() else {n: "" for n in self.fields}
        try:
            birth = PartialDate.parse(data["birth_date"])
        except forms.ValidationError:
            birth = PartialDate()
        return MatchRecord(
            family_name=data["family_name"],
            given_names=data["given_names"],
            birth_name=data["birth_name"],
            former_names=data["former_names"],
            family_name_original=data["family_name_original"],
            given_names_original=data["given_names_original"],
            sex=data["sex"] or "u",
            birth=birth,
            nationalities=self.nationalities,
            documents=(self.document_number,) if self.document_number else (),
        )


class DuplicateConfirmForm(TextChecksMixin, forms.Form):
    """Registering although a probable existing record was shown: confirm and say why."""

    duplicate_confirmed = forms.BooleanField(
        label=_("I have compared the records: this is a different person."), required=True
    )
    duplicate_reason = forms.CharField(
        label=_("Why is this a different person?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. other parents' names, other place of birth, the person says so."),
    )


class IntakeTokenForm(forms.Form):
    """The one-time token of an intake form, made when the form is shown: saving the
    same form twice (a double click, a resend, two requests at once) registers the
    person once. A form without it is refused, so no client can skip the check."""

    intake_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def refusal(self) -> str:
        return str(
            _(
                "This form was sent incomplete, so nothing was saved. Your input is kept "
                "below; please check it and save again."
            )
        )


class HouseholdAddressForm(forms.Form):
    """After a changed address: which other members of the household move with it
    (all of them checked, since a family usually moves together)."""

    members = forms.MultipleChoiceField(
        label=_("Apply the new address to these members too"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["members"]
        field.choices = [
            (str(m.pk), f"{m.display_name} ({m.get_household_role_display()})") for m in members
        ]
        field.initial = [str(m.pk) for m in members]

    def chosen(self, members) -> list:
        wanted = set(self.cleaned_data["members"])
        return [m for m in members if str(m.pk) in wanted]
