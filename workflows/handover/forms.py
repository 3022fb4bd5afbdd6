"""Forms for handovers, access requests and their decisions."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, LegalBasis, PurposeProfile
from core.forms import DateInput
from core.sections import IDENTITY, SECTIONS
from core.text import TextChecksMixin


def _section_choices(slugs) -> list[tuple[str, str]]:
    return [(slug, SECTIONS[slug].label) for slug in SECTIONS if slug in set(slugs)]


def profile_initial(agency: Agency | None) -> dict:
    """What an agency of this kind normally needs (its purpose profile), as form initial."""
    profile = PurposeProfile.objects.filter(kind=agency.kind).first() if agency else None
    if profile is None:
        return {"sections": [IDENTITY]}
    return {"sections": profile.sections, "purpose": profile.purpose_in(get_language())}


def handover_initial(receiving: Agency | None) -> dict:
    return {"agency": receiving, **profile_initial(receiving)}


class _GrantFields(TextChecksMixin, forms.Form):
    """Sections, legal basis and purpose: what every handover and request names."""

    sections = forms.MultipleChoiceField(
        label=_("Sections"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Identity is always included. Choose no more than the purpose needs."),
    )
    legal_basis = forms.ModelChoiceField(
        label=_("Legal basis"), queryset=LegalBasis.objects.filter(is_active=True)
    )
    legal_basis_note = forms.CharField(
        label=_("Legal basis, details"),
        required=False,
        max_length=300,
        help_text=_("E.g. date and form of the consent, file number."),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)

    def __init__(self, *args, available_sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = _section_choices(available_sections)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_sections(self) -> list[str]:
        return sorted({IDENTITY, *self.cleaned_data["sections"]}, key=list(SECTIONS).index)


class HandoverForm(_GrantFields):
    # Chosen in the step before (the page's one agency select, which proposes the usual
    # sections); the form carries it on.
    agency = forms.ModelChoiceField(
        label=_("Receiving agency"), queryset=Agency.objects.none(), widget=forms.HiddenInput
    )
    expires_on = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    include_household = forms.BooleanField(
        label=_("Hand over the whole household together"), required=False, initial=True
    )

    field_order = ["agency", "sections", "legal_basis", "legal_basis_note", "purpose", "expires_on"]

    def __init__(self, *args, own_agency: Agency, has_household: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True).exclude(
            pk=own_agency.pk
        )
        if not has_household:
            del self.fields["include_household"]

    def clean_expires_on(self):
        return _not_in_the_past(self.cleaned_data["expires_on"])


class AccessRequestForm(_GrantFields):
    pass


class RequestDecisionForm(TextChecksMixin, forms.Form):
    sections = forms.MultipleChoiceField(
        label=_("Sections to grant"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("You may grant fewer sections than were asked for."),
    )
    expires_on = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    note = forms.CharField(
        label=_("Reason (shown to the requesting agency)"), required=False, max_length=300
    )

    def __init__(self, *args, requested_sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = _section_choices(requested_sections)
        self.fields["sections"].initial = list(requested_sections)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_expires_on(self):
        return _not_in_the_past(self.cleaned_data["expires_on"])


class DeclineForm(TextChecksMixin, forms.Form):
    """The confirmation step of a decline: the reason is required and is shown to the
    agency that asked or offered."""

    reason = forms.CharField(
        label=_("Reason (shown to the other agency)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for declining.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


def _not_in_the_past(expires_on):
    if expires_on and expires_on < timezone.localdate():
        raise forms.ValidationError(_("The end date must not lie in the past."))
    return expires_on
